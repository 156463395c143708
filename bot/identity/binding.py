"""Binding a chat user to their portal identity: consent, name, ID number, SMS code.

The Rasa form `identity_form` asks; this module reads what the citizen typed (a name and an
ID number may come in one message, a code inside a sentence), talks to the portal and says
what happened. Every step returns a `Turn`, so the actions only relay it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timezone

from bot.applications.parsing import read_name
from bot.dialogue import Reply, Turn
from bot.identity import words
from bot.portal_client.errors import AuthRequired, PortalError, PortalRejected, PortalUnavailable, RateLimited
from bot.portal_client.services import Answers, PortalServices
from bot.privacy import mask_identifier
from bot.validation import is_valid_id_number, is_valid_uscc

log = logging.getLogger(__name__)

FORM = "identity_form"
CONSENT, NAME, ID_NUMBER, CODE = "binding_consent", "binding_name", "binding_id_number", "binding_code"
USCC, SUBJECT = "binding_uscc", "binding_subject"
"""An enterprise binds with its credit code plus its legal representative's name and ID number."""
NO_USCC = "-"
"""The credit-code slot of a citizen's binding: filled, so the form skips the question."""
BINDING_ID = "binding_id"
PURPOSE = "identity_purpose"
NEEDS_IDENTITY = "needs_identity"
REQUESTED = "requested_slot"
FORM_SLOTS = (CONSENT, NAME, ID_NUMBER, CODE, BINDING_ID, USCC, SUBJECT)
VERIFIED = "已核验"
"""What the code slot holds once verified: the code itself is never kept."""

_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_USCC_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_NOT_RECEIVED = re.compile(r"(没|没有|未|收不)(收到|到|收)|收不到|没来|没短信|没有短信")
_CHANNEL = re.compile(r"[^a-z0-9_]")
_RESTART_CODES = {"code_expired", "binding_not_found", "binding_used"}
_MISMATCH_CODES = {"identity_mismatch", "invalid_id_number", "validation_failed"}


def find_id_number(text: str) -> str | None:
    """The first 18-character ID-shaped token, upper-cased, whether or not its check digit holds."""
    match = _ID_CANDIDATE.search((text or "").replace(" ", ""))
    return match.group(0).upper() if match else None


def parse_name(text: str) -> str | None:
    """The name in "马志强", "我叫王芳", "姓名：阿依古丽·买买提"; None when it is not a name."""
    return read_name(_ID_CANDIDATE.sub("", text or ""))


def parse_code(text: str) -> str | None:
    match = _CODE.search(text or "")
    return match.group(0) if match else None


def portal_channel(input_channel: str | None) -> str:
    """The portal wants `^[a-z][a-z0-9_]{1,19}$`; Rasa's channel names are close enough."""
    name = _CHANNEL.sub("_", (input_channel or "").lower())[:20]
    return name if len(name) >= 2 and name[0].isalpha() else "web"


def validate_name(text: str) -> tuple[dict, list[Reply]]:
    """Slot values and replies for what was typed at the name step (may carry the ID too)."""
    values: dict = {NAME: parse_name(text)}
    id_number = find_id_number(text)
    if id_number and is_valid_id_number(id_number):
        values[ID_NUMBER] = id_number  # kept even when the name is missing: asked once only
    return values, [] if values[NAME] else [Reply(words.BAD_NAME)]


def validate_id_number(text: str) -> tuple[dict, list[Reply]]:
    id_number = find_id_number(text)
    if id_number is None or not is_valid_id_number(id_number):
        return {ID_NUMBER: None}, [Reply(words.BAD_ID_NUMBER)]
    return {ID_NUMBER: id_number}, []


def subject_slots(subject: str) -> dict:
    """What the identity form needs to know before it starts: a citizen has no credit code,
    so that question is marked answered and never asked."""
    return {SUBJECT: subject, USCC: None if subject == "enterprise" else NO_USCC}


def validate_uscc(text: str) -> tuple[dict, list[Reply]]:
    if text == NO_USCC:  # a citizen's binding: the form validates pre-filled slots when it starts
        return {USCC: NO_USCC}, []
    match = _USCC_CANDIDATE.search((text or "").replace(" ", ""))
    uscc = match.group(0).upper() if match else None
    if uscc is None or not is_valid_uscc(uscc):
        return {USCC: None}, [Reply(words.BAD_USCC)]
    return {USCC: uscc}, []


def consent_answer(value: object) -> tuple[dict, list[Reply]]:
    """A refusal ends the form at once; nothing of the person is asked for afterwards."""
    if value is False:
        return {CONSENT: False, REQUESTED: None}, [words.refused()]
    return {CONSENT: True}, []


async def send_code(
    services: PortalServices,
    sender_id: str,
    channel: str | None,
    name: str,
    id_number: str,
    purpose: str | None,
    uscc: str | None = None,
) -> Turn:
    """Starts a binding (the portal texts a code) and asks for the code.

    A mismatch asks for the name again; a portal that is away ends the form with everything
    typed so far kept, so the next attempt starts right here.
    """
    uscc = None if uscc == NO_USCC else uscc

    async def send_code() -> Turn:
        async with services.connect() as client:
            started = await client.start_binding(portal_channel(channel), sender_id[:128], name, id_number, uscc)
        log.info("binding started for %s", mask_identifier(sender_id))
        return Turn([Reply(f"{started.message}\n{words.ASK_CODE}")], {BINDING_ID: started.binding_id})

    def refused(error: PortalError) -> Turn:
        if error.code in _MISMATCH_CODES:
            again = {USCC: None, REQUESTED: USCC} if uscc else {REQUESTED: NAME}
            return Turn(
                [Reply(error.user_message + "\n" + (words.RETYPE_USCC if uscc else words.RETYPE_NAME))],
                {NAME: None, ID_NUMBER: None} | again,
            )
        return Turn(
            [Reply(error.user_message, (words.HUMAN_BUTTON,))],
            {NAME: None, ID_NUMBER: None, CONSENT: None, REQUESTED: None},
        )

    answers: Answers = {
        PortalUnavailable: lambda _: Turn([words.binding_unavailable(purpose)], {REQUESTED: None}),
        RateLimited: lambda error: Turn([words.try_again_later(error.user_message, purpose)], {REQUESTED: None}),
        PortalRejected: refused,
    }
    return await services.attempt(send_code(), answers, sender_id, "binding")


async def verify_code(
    services: PortalServices,
    sender_id: str,
    channel: str | None,
    binding_id: str | None,
    text: str,
    purpose: str | None,
    subject: str | None = None,
) -> Turn:
    """Checks the code with the portal and, on success, remembers the identity for this user.

    The portal says the same whether or not a code went out (it does not reveal whether the
    name fits the number), so "没收到" is answered with what may be wrong and a fresh start."""
    code = parse_code(text)
    if code is None and _NOT_RECEIVED.search(text or ""):
        enterprise = subject == "enterprise"
        again = {USCC: None, REQUESTED: USCC} if enterprise else {REQUESTED: NAME}
        retype = words.RETYPE_USCC if enterprise else words.RETYPE_NAME
        return Turn(
            [Reply(f"{words.CODE_NOT_RECEIVED}\n{retype}", (words.HUMAN_BUTTON,))],
            {CODE: None, BINDING_ID: None, NAME: None, ID_NUMBER: None} | again,
        )
    if code is None:
        return Turn([Reply(words.BAD_CODE)], {CODE: None})
    if not binding_id:
        return Turn([], {CODE: None})  # the ask action (re)sends a code first

    async def check_code() -> Turn:
        async with services.connect() as client:
            token = await client.verify_binding(binding_id, code)
        await asyncio.to_thread(
            services.store.save, sender_id, portal_channel(channel), token, datetime.now(timezone.utc)
        )
        log.info("identity bound for %s", mask_identifier(sender_id))
        return Turn([], {CODE: VERIFIED})

    def refused(error: PortalError) -> Turn:
        if error.code in _RESTART_CODES:
            return Turn([Reply(words.CODE_RESENT)], {CODE: None, BINDING_ID: None})
        if error.code == "code_invalid":
            return Turn([Reply(error.user_message)], {CODE: None})
        return Turn(
            [words.try_again_later(error.user_message, purpose)], {CODE: None, BINDING_ID: None, REQUESTED: None}
        )

    answers: Answers = {
        PortalUnavailable: lambda _: Turn([words.binding_unavailable(purpose)], {CODE: None, REQUESTED: None}),
        PortalError: refused,
    }
    return await services.attempt(check_code(), answers, sender_id, "code check")


def identity_needed(
    purpose: str, consent_given: bool, expired: bool = False, subject: str = "citizen", why: str | None = None
) -> Turn:
    """Starts (or resumes) the identity form for `purpose`; the form's first question explains.
    `why` says why a binding that existed is asked for again."""
    turn = Turn(slots={NEEDS_IDENTITY: True, PURPOSE: purpose, **subject_slots(subject)})
    if why:
        turn.say(Reply(why))
    elif expired:
        turn.say(Reply(AuthRequired.default_message))
    elif consent_given:
        turn.say(Reply(words.RESUMING))
    return turn


def cleared(keep_typed: bool) -> dict:
    """Slot values after the form: what was typed is kept only to resume after a portal outage."""
    values = {CODE: None, PURPOSE: None, NEEDS_IDENTITY: False}
    if not keep_typed:
        values.update({slot: None for slot in FORM_SLOTS})
    return values


def cancelled() -> Turn:
    """The citizen stopped the binding: nothing typed is used or kept."""
    return Turn([Reply(words.CANCELLED)], cleared(keep_typed=False))
