"""Files sent after submission: what a department asked for (补正) or what a 容缺 commitment
promised, uploaded in the chat and handed in, so the department's review moves on."""

from __future__ import annotations

import logging

from bot.applications import words
from bot.applications.uploading import attach
from bot.dialogue import Reply, Turn
from bot.portal_client.errors import AuthRequired, PortalError, PortalUnavailable
from bot.portal_client.models import Application
from bot.portal_client.services import Answers, PortalServices

log = logging.getLogger(__name__)


def requested(application: Application) -> list[str]:
    """Materials the departments wait for: 补正 requests and 容缺 promises not yet kept."""
    names = [m for task in application.subtasks if task.status == "correction" for m in task.missing_materials]
    names += [d.name for d in application.deferred_materials if not d.provided]
    return list(dict.fromkeys(names))


async def receive(services: PortalServices, sender_id: str, refs: list[str], material: str | None = None) -> Turn:
    """Attaches the files to the one open application that waits for materials and hands them in."""
    identity = await services.identity(sender_id)
    if identity is None:
        return Turn([Reply(words.UPLOAD_WITHOUT_APPLICATION)])

    async def hand_in() -> Turn:
        async with services.connect() as client:
            waiting = []
            for summary in await client.list_applications(identity.token):
                if summary.status in ("submitted", "in_progress", "correction"):
                    application = await client.get_application(identity.token, summary.number)
                    if requested(application):
                        waiting.append(application)
            if not waiting:
                return Turn([Reply(words.UPLOAD_WITHOUT_APPLICATION)])
            application = waiting[0]
            names = requested(application)
            target = material if material in names else (names[0] if len(names) == 1 else None)
            if target is None:
                return Turn([words.which_material(names, refs)])
            attached = await attach(client, identity, sender_id, application.number, target, refs)
            replies = attached.replies()
            if attached.stored:
                await client.supplement(identity.token, application.number, [target])
                log.info("supplement handed in for %s", application.number)
                replies.append(words.supplement_handed_in(application.number, target))
        return Turn(replies)

    answers: Answers = {
        AuthRequired: lambda _: Turn([Reply(AuthRequired.default_message + words.RESEND_AFTER_LOGIN)]),
        PortalUnavailable: lambda _: Turn([words.upload_waiting(refs, material or "材料")]),
        PortalError: lambda error: Turn([Reply(error.user_message)]),
    }
    return await services.attempt(hand_in(), answers, sender_id, "supplement upload")
