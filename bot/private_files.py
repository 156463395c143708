"""Files that hold personal data or secrets, created readable by their owner alone.

No dependency beyond the standard library: both runtimes (Rasa's SQLAlchemy 1.4 and the
services' 2.x) and the launcher use it.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_sqlite_file(url_or_path: str | Path) -> None:
    """A SQLite file readable by its owner alone (0600, in a folder made 0700 if new).

    The files hold conversations, tokens and case data: another account on the machine must
    not read them. SQLite creates its -wal/-shm files with the main file's mode."""
    text = str(url_or_path)
    if "://" in text:  # a database URL: only a SQLite file is ours to create
        if not text.startswith("sqlite:///") or text.endswith(":memory:"):
            return
        text = text.removeprefix("sqlite:///")
    path = Path(text)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
