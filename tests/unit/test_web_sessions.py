"""Web chat sessions the console issues, and the private files that hold what people typed."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import jwt

from bot.identity import web_session
from bot.private_files import private_sqlite_file

KEY = "an-installation-key-of-the-usual-length-32+"


def test_a_session_names_a_fresh_subject_and_verifies_with_the_key():
    first, second = web_session.issue(KEY), web_session.issue(KEY)
    assert first.subject.startswith("web:") and first.subject != second.subject
    assert web_session.verify(KEY, first.token) == first.subject
    assert web_session.verify("another-installation-key-of-the-same-length", first.token) is None


def test_anything_but_a_live_token_of_ours_is_refused():
    expired = web_session.issue(KEY, timedelta(seconds=-5))
    borrowed = jwt.encode(
        {"sub": "mp:oSomeoneElse", "aud": web_session.AUDIENCE, "exp": 4102444800}, KEY, algorithm="HS256"
    )
    unsigned = jwt.encode({"sub": "web:x", "aud": web_session.AUDIENCE, "exp": 4102444800}, None, algorithm="none")
    for token in (expired.token, borrowed, unsigned, None, 42, "", "x" * 5000, {"sub": "web:x"}):
        assert web_session.verify(KEY, token) is None, token


def test_sqlite_files_are_the_owners_alone(tmp_path):
    path = tmp_path / "new" / "tracker.db"
    private_sqlite_file(f"sqlite:///{path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)
    private_sqlite_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "an existing file is closed too"

    for url in ("sqlite://", "postgresql+psycopg://postgres@127.0.0.1:5432/test"):
        private_sqlite_file(url)  # nothing to create for these
    assert not any(p.name.startswith("postgresql") for p in Path.cwd().iterdir()), "no folder named after a URL"
