"""The whole suite applies in season: see tests/support/seasons.py. Set before anything
imports bot.settings, so the test process and every process it starts agree."""

import os

from tests.support.seasons import ROUNDS, open_round

os.environ.setdefault(ROUNDS, open_round())
