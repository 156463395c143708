"""Fixtures for the unit tests: a dispatcher and a temporary services database."""

from __future__ import annotations

import os

import pytest
from rasa_sdk.executor import CollectingDispatcher

os.environ.setdefault("BANSHI_KB_WARM_UP", "0")


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def tmp_db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'banshi.db'}"
