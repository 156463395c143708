"""The upload inbox: where a channel leaves a citizen's file for the action server to attach.

A channel only translates protocols: it takes the file (a widget upload, a WeChat image's
media, a mini-program upload), stages it here under the sender's own prefix and tells the
dialogue with an `/upload_material{"upload_ref": …}` message. The action that reads the message
takes the file with the sender's portal identity, attaches it to the draft, and only then
removes it from the inbox, so a portal that fails halfway loses nothing (the citizen presses
重新上传, the same reference is sent again, and the portal's idempotency key makes the retry
store it once). A reference is found only under the sender who staged it: one citizen cannot
name another's file.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from bot.objectstore import ObjectNotFound, ObjectStore, open_store
from bot.settings import settings

INTENT = "upload_material"
REF_ENTITY = "upload_ref"
MATERIALS_ENTITY = "upload_materials"
"""Which material each file is, when a materials card (several materials in one step) sent them."""
_MATERIALS_SEPARATOR = "|"
MAX_MATERIAL_NAME = 100
KEEP_SECONDS = 24 * 3600
"""A staged file nobody attached (the conversation ended) is removed after a day."""
_REF = re.compile(r"^[0-9a-f]{24}$")
MAX_FILES_PER_MESSAGE = 9
"""WeChat and phone galleries let one pick up to nine pictures at once."""


@dataclass(frozen=True)
class StagedFile:
    ref: str
    data: bytes
    name: str


def _folder(sender_id: str) -> str:
    return "inbox/" + hashlib.sha256(sender_id.encode()).hexdigest()[:32]


def message(refs: list[str], materials: list[str] | None = None) -> str:
    """The dialogue message that says these files arrived (never typed by a citizen: channels
    admit a typed payload only if it was a button they showed). `materials`: the material of
    each file, in the same order, when the citizen named them on a materials card."""
    entities = {REF_ENTITY: ",".join(refs)}
    if materials is not None:
        entities[MATERIALS_ENTITY] = _MATERIALS_SEPARATOR.join(materials)
    return f"/{INTENT}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def parse_refs(value: object) -> list[str]:
    """The references in an `upload_ref` entity; anything that is not one is dropped."""
    return [ref for ref in str(value or "").split(",") if _REF.match(ref)][:MAX_FILES_PER_MESSAGE]


def parse_materials(value: object, refs: list[str]) -> list[str] | None:
    """The material of each of `refs` from an `upload_materials` entity, or None when there is
    none or it does not name one plausible material per file (the files then go where a file
    without a name goes)."""
    if not value:
        return None
    return card_materials(str(value).split(_MATERIALS_SEPARATOR), refs)


def card_materials(names: object, refs: list[str]) -> list[str] | None:
    """One plausible material name per file of `refs`, in order (from a card's form fields or
    JSON list, or from the dialogue's entity), else None: names that do not line up with the
    files are never guessed at."""
    if not isinstance(names, list) or len(names) != len(refs) or not all(isinstance(n, str) for n in names):
        return None
    cleaned = [name.strip() for name in names]
    if not all(0 < len(name) <= MAX_MATERIAL_NAME and _MATERIALS_SEPARATOR not in name for name in cleaned):
        return None
    return cleaned


class Inbox:
    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def stage(self, sender_id: str, data: bytes, name: str = "") -> str:
        """Keeps the file for `sender_id`; its reference."""
        ref = secrets.token_hex(12)
        folder = _folder(sender_id)
        self.store.put(f"{folder}/{ref}", data)
        meta = {"name": name[:100], "at": time.time()}
        self.store.put(f"{folder}/{ref}.json", json.dumps(meta, ensure_ascii=False).encode(), "application/json")
        return ref

    def take(self, sender_id: str, ref: str) -> StagedFile | None:
        """The staged file, or None (unknown, another sender's, or attached already)."""
        if not _REF.match(ref):
            return None
        folder = _folder(sender_id)
        try:
            data = self.store.get(f"{folder}/{ref}")
            meta = json.loads(self.store.get(f"{folder}/{ref}.json"))
        except (ObjectNotFound, ValueError):
            return None
        return StagedFile(ref, data, str(meta.get("name") or ""))

    def done(self, sender_id: str, ref: str) -> None:
        """The file reached the portal: the inbox forgets it."""
        if _REF.match(ref):
            folder = _folder(sender_id)
            self.store.delete(f"{folder}/{ref}")
            self.store.delete(f"{folder}/{ref}.json")

    def sweep(self, now: float | None = None) -> int:
        """Removes files staged more than a day ago; how many."""
        now = now or time.time()
        removed = 0
        for key in self.store.keys("inbox/"):
            if not key.endswith(".json"):
                continue
            try:
                staged_at = float(json.loads(self.store.get(key)).get("at", 0))
            except (ObjectNotFound, ValueError):
                continue
            if now - staged_at > KEEP_SECONDS:
                self.store.delete(key.removesuffix(".json"))
                self.store.delete(key)
                removed += 1
        return removed


@lru_cache(maxsize=1)
def inbox() -> Inbox:
    return Inbox(open_store(settings.upload_inbox))
