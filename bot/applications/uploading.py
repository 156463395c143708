"""Files from the chat to the portal: what a staged upload (bot/uploads.py) becomes once the
dialogue knows which material it is.

Each file is sent with the idempotency key `chat-<reference>`, so a retry (the portal was
away, the citizen pressed 重新上传) stores it once, and is removed from the inbox only when the
portal has it: a portal that fails halfway loses nothing. A file the portal refuses (a program
renamed to .jpg, a 50 MB photo, a PDF with scripts) is dropped with the portal's reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.applications import words
from bot.dialogue import Reply
from bot.identity.store import BoundIdentity
from bot.portal_client.client import PortalClient
from bot.portal_client.errors import AuthRequired, PortalRejected, PortalUnavailable
from bot.uploads import inbox


@dataclass
class Attached:
    """What became of the files: stored at the portal, refused, or kept for a retry."""

    material: str
    stored: int = 0
    thumbnail: str | None = None
    refused: list[str] = field(default_factory=list)
    missing: int = 0
    waiting: list[str] = field(default_factory=list)

    def replies(self) -> list[Reply]:
        replies = []
        if self.stored:
            replies.append(words.file_received(self.material, self.stored, self.thumbnail))
        replies += [words.file_refused(reason) for reason in dict.fromkeys(self.refused)]
        if self.missing:
            replies.append(Reply(words.FILE_GONE))
        if self.waiting:
            replies.append(words.upload_waiting(self.waiting, self.material))
        return replies


async def attach(
    client: PortalClient, identity: BoundIdentity, sender_id: str, number: str, material: str, refs: list[str]
) -> Attached:
    box = inbox()
    result = Attached(material)
    for ref in refs:
        staged = await asyncio.to_thread(box.take, sender_id, ref)
        if staged is None:
            result.missing += 1
            continue
        try:
            uploaded = await client.upload_material(
                identity.token, number, material, staged.data, idempotency_key=f"chat-{ref}", file_name=staged.name
            )
        except AuthRequired:
            raise
        except PortalUnavailable:
            result.waiting.append(ref)
            continue
        except PortalRejected as error:
            await asyncio.to_thread(box.done, sender_id, ref)
            result.refused.append(error.user_message)
            continue
        await asyncio.to_thread(box.done, sender_id, ref)
        result.stored += 1
        result.thumbnail = result.thumbnail or uploaded.thumbnail
    return result
