"""`python -m actions --port 5055`: rasa-sdk's action server with this project's actions, on
the loopback interface (BANSHI_BIND_HOST) and guarded by the shared secret (actions/guard.py).

rasa-sdk reads its host from SANIC_HOST (default 0.0.0.0), so it is set here rather than left
to whoever starts the process.
"""

from __future__ import annotations

import os
import sys

from rasa_sdk.__main__ import main_from_args
from rasa_sdk.endpoint import create_argument_parser

from bot.settings import settings


def main(argv: list[str] | None = None) -> None:
    os.environ["SANIC_HOST"] = settings.bind_host
    args = create_argument_parser().parse_args(["--actions", "actions", *(argv if argv is not None else sys.argv[1:])])
    main_from_args(args)


if __name__ == "__main__":
    main()
