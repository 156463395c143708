"""Values sealed at rest with a key of the installation (Fernet from `cryptography`).

Portal tokens in the services database and the personal slots in Rasa's tracker store are
stored sealed, so a copied database file or backup reads as noise without the key. Each use
has its own key (BANSHI_<NAME>, else data/secrets/<name>); a value sealed with another key
unseals to None, which every caller treats as "not there".
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from bot.settings import secret

PREFIX = "sealed:"


class Sealer:
    def __init__(self, key: str) -> None:
        # Fernet wants 32 bytes in base64; an installation's secret may be any string
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))

    @classmethod
    def named(cls, name: str, root: Path | None = None) -> Sealer:
        return cls(secret(name, root))

    def seal(self, value: Any) -> str:
        """Any JSON value, as one opaque string."""
        return PREFIX + self._fernet.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()

    def unseal(self, stored: Any) -> Any:
        """The value `seal` was given; None for anything this key did not seal."""
        if not isinstance(stored, str) or not stored.startswith(PREFIX):
            return None
        try:
            return json.loads(self._fernet.decrypt(stored[len(PREFIX) :].encode()))
        except (InvalidToken, ValueError):
            return None


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)
