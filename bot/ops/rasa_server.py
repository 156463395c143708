"""`rasa run` with the HTTP API's token taken from the installation's secret (BANSHI_RASA_TOKEN or
data/secrets/rasa_token) inside the process, never from its command line: `ps` shows every
process's arguments to every account on the machine, while a process's environment and the
secret file are its owner's alone. Run by the Rasa runtime: `python -m bot.ops.rasa_server run …`.

Request bodies are capped at 1 MB (Sanic reads SANIC_REQUEST_MAX_SIZE; Rasa's own default is
100 MB): nothing we receive is larger, and the gateway's 64 KB does not cover loopback callers.
Replacing the model over the API (PUT /model) is therefore off; models are loaded at start.
"""

from __future__ import annotations

import os
import sys

from bot.settings import secret

MAX_BODY_BYTES = 1 << 20


def rasa_argv(args: list[str], token: str) -> list[str]:
    """Rasa's command line with the token. `--auth-token=<token>` in one word: a token is
    URL-safe base64 and begins with "-" one time in 64, which argparse would take for an option
    if it stood on its own ("expected one argument", and the server does not start)."""
    return ["rasa", *args, f"--auth-token={token}"]


def run() -> None:
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_BODY_BYTES))  # read when Rasa makes its app
    from rasa.__main__ import main

    from bot.ops import rasa_resilience, rasa_speedups
    from bot.ops.profiling import install_in_rasa

    rasa_speedups.install()
    rasa_resilience.install()
    install_in_rasa()

    sys.argv = rasa_argv(sys.argv[1:], secret("rasa_token"))
    main()


if __name__ == "__main__":
    run()
