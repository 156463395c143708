"""Pictures a user sends together, taken as one upload.

WeChat delivers each picture of a multi-select as a message of its own, a few hundred
milliseconds apart. A material of three pages must reach the dialogue as one message, or each
page would be taken for the next material on the checklist. So the first picture opens an
album for its sender and its turn waits until no picture has arrived for `quiet_seconds` (at
most `longest_seconds` in all); later pictures join the album and answer nothing themselves.
Each picture's download starts as soon as it arrives.

Albums live in the process, like the channel's other short-lived memory: with several Rasa
workers, WeChat's pushes of one multi-select may land on different workers and arrive as
separate uploads (still attached, only possibly to consecutive materials).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.uploads import MAX_FILES_PER_MESSAGE


@dataclass
class Album:
    openid: str
    opened: float
    changed: float
    pictures: list[asyncio.Task[bytes]] = field(default_factory=list)
    closed: bool = False


class Albums:
    def __init__(
        self, quiet_seconds: float = 1.2, longest_seconds: float = 2.5, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.quiet_seconds = quiet_seconds
        self.longest_seconds = longest_seconds
        self._clock = clock
        self._open: dict[str, Album] = {}

    def join(self, openid: str, fetch: Callable[[], Awaitable[bytes]]) -> Album | None:
        """Starts fetching the picture and adds it to the sender's open album; the album if this
        picture opened it (its turn collects the album), None if it joined one."""
        now = self._clock()
        album = self._open.get(openid)
        if album is not None and len(album.pictures) >= MAX_FILES_PER_MESSAGE:
            self._close(album)
            album = None
        picture = asyncio.ensure_future(fetch())
        if album is not None:
            album.pictures.append(picture)
            album.changed = now
            return None
        album = Album(openid, opened=now, changed=now, pictures=[picture])
        self._open[openid] = album
        return album

    async def collect(self, album: Album) -> list[asyncio.Task[bytes]]:
        """The album's downloads, finished, once no further picture is expected."""
        while not album.closed:
            due = min(album.changed + self.quiet_seconds, album.opened + self.longest_seconds)
            wait = due - self._clock()
            if wait <= 0:
                self._close(album)
            else:
                await asyncio.sleep(wait)
        await asyncio.wait(album.pictures)
        return album.pictures

    def _close(self, album: Album) -> None:
        album.closed = True
        if self._open.get(album.openid) is album:
            del self._open[album.openid]
