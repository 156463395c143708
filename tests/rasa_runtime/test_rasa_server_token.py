"""The Rasa server reads its API token from the installation's secret; any token the secret can
hold must reach Rasa intact, including one that begins with "-" (one in 64 fresh installs)."""

from __future__ import annotations

import pytest
from rasa.__main__ import create_argument_parser

from bot.ops.rasa_server import rasa_argv


@pytest.mark.parametrize("token", ["-qgL2n7yTq0kVw8", "--looks-like-an-option", "plainToken_123"])
def test_every_token_reaches_rasa_as_the_token(token):
    argv = rasa_argv(["run", "--enable-api", "--port", "5005"], token)
    parsed = create_argument_parser().parse_args(argv[1:])
    assert parsed.auth_token == token and parsed.port == 5005 and parsed.enable_api
