"""What an agent does for a caller, step by step, against the portal: check the caller's identity
(name + ID number, then the code texted to the phone on record), start the pre-filled draft, and
text the caller the link to it. Each step checks what must come before it and refuses in words
the agent can act on (`Refused`); the console only relays.

The draft is started by the chat's own application flow (bot/applications/flow.py `start`):
the same consent, pre-fill and "continue an unfinished draft instead of a second one", with the
caller's identity coming from this call instead of a chat's store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from bot.applications import flow as application_flow
from bot.applications import words as application_words
from bot.applications.form import get_form
from bot.applications.state import SLOT, ApplicationState
from bot.assist import words
from bot.assist.calls import MAX_CHECKS, MAX_LINKS, MAX_WRONG_CODES, Call, Caller
from bot.catalogue import ServiceItem, get_item
from bot.db import session_factory
from bot.identity.binding import NEEDS_IDENTITY, parse_code, parse_name
from bot.identity.store import BoundIdentity
from bot.notices.store import NoticeRecipient
from bot.portal_client.client import PortalClient, connect
from bot.portal_client.errors import PortalError, PortalRejected, PortalUnavailable, RateLimited
from bot.portal_client.services import PortalServices
from bot.privacy import mask_name, mask_text
from bot.settings import settings
from bot.validation import is_valid_id_number, is_valid_uscc

CHANNEL = "assist"
"""The portal's channel name for bindings made on a call."""
WECHAT = "wechat"

Connect = Callable[[], PortalClient]


class Refused(Exception):
    """A step that cannot be done now; `message` says the agent why and what to do."""

    def __init__(self, message: str, status: int = 422, code: str = "invalid") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@dataclass(frozen=True)
class Draft:
    item: ServiceItem
    number: str
    resumed: bool
    prefilled: list[str]
    missing: list[str]
    checklist: list[dict]

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "title": self.item.title,
            "resumed": self.resumed,
            "prefilled": self.prefilled,
            "missing": self.missing,
            "checklist": self.checklist,
            "message": words.draft_ready(self.item, self.number, self.resumed, self.prefilled),
        }


def _portal_refusal(error: PortalError) -> Refused:
    """A portal failure in the agent's words: away (try later), too many (wait), or its reason."""
    if isinstance(error, PortalUnavailable):
        return Refused(error.user_message, 503, "portal_unavailable")
    if isinstance(error, RateLimited):
        return Refused(words.portal_said(error.user_message), 429, "too_many_requests")
    return Refused(words.portal_said(error.user_message), 409, error.code or "rejected")


# ---- identity ------------------------------------------------------------------------------


async def start_check(call: Call, name_text: str, id_text: str, uscc_text: str = "", connect: Connect = connect) -> str:
    """Has the portal text a code to the caller's phone on record; what to tell the caller."""
    if call.checks >= MAX_CHECKS:
        raise Refused(words.too_many_checks(call.checks), 429, "too_many_checks")
    if call.wrong_codes >= MAX_WRONG_CODES:
        raise Refused(words.too_many_wrong_codes(call.wrong_codes), 429, "too_many_wrong_codes")
    name = parse_name((name_text or "").strip())
    if not name:
        raise Refused(words.BAD_NAME)
    id_number = (id_text or "").replace(" ", "").strip().upper()
    if not is_valid_id_number(id_number):
        raise Refused(words.BAD_ID_NUMBER)
    uscc = (uscc_text or "").replace(" ", "").strip().upper() or None
    if uscc is not None and not is_valid_uscc(uscc):
        raise Refused(words.BAD_USCC)
    try:
        async with connect() as client:
            started = await client.start_binding(CHANNEL, call.sender_id, name, id_number, uscc)
    except PortalError as error:
        raise _portal_refusal(error) from None
    call.checks += 1
    call.binding_id = started.binding_id
    call.caller = None  # a new check replaces whatever was verified before on this call
    call.claim = mask_text(uscc or id_number)
    minutes = max(1, round((started.expires_at - datetime.now(timezone.utc)).total_seconds() / 60))
    return words.code_sent(minutes)


async def check_code(call: Call, code_text: str, connect: Connect = connect) -> Caller:
    """Checks the code the caller read out; the caller is verified for this call."""
    if call.binding_id is None:
        raise Refused(words.ASK_FOR_CODE_FIRST, 409, "no_code_sent")
    if call.wrong_codes >= MAX_WRONG_CODES:
        raise Refused(words.too_many_wrong_codes(call.wrong_codes), 429, "too_many_wrong_codes")
    code = parse_code(code_text or "")
    if code is None:
        raise Refused(words.BAD_CODE)
    try:
        async with connect() as client:
            token = await client.verify_binding(call.binding_id, code)
    except PortalRejected as error:
        if error.code == "code_invalid":
            call.wrong_codes += 1
            left = MAX_WRONG_CODES - call.wrong_codes
            if left <= 0:
                call.binding_id = None
                raise Refused(words.too_many_wrong_codes(call.wrong_codes), 429, "too_many_wrong_codes") from None
            raise Refused(words.code_wrong(error.user_message, left), 422, "code_invalid") from None
        call.binding_id = None  # expired, locked or used: only a new code helps
        raise _portal_refusal(error) from None
    except PortalError as error:
        raise _portal_refusal(error) from None
    shown = token.display_name if token.subject_type == "enterprise" else mask_name(token.display_name)
    call.caller = Caller(
        token=token.token,
        token_expires_at=token.expires_at,
        subject_type=token.subject_type,
        subject_ref=token.subject_ref,
        name_masked=shown,
        id_masked=call.claim or "",
        verified_at=datetime.now(timezone.utc),
    )
    call.binding_id = None
    return call.caller


def fresh_caller(call: Call) -> Caller:
    """The caller verified on this call recently enough to act for, or a refusal."""
    if call.caller is None:
        raise Refused(words.VERIFY_FIRST, 409, "not_verified")
    if not call.caller.fresh():
        raise Refused(words.stale(settings.fresh_login_minutes), 409, "verification_stale")
    return call.caller


async def end(call: Call, connect: Connect = connect) -> None:
    """Revokes the caller's token at the portal (best effort: it expires anyway) and forgets it."""
    caller, call.caller, call.binding_id = call.caller, None, None
    if caller is None:
        return
    try:
        async with connect() as client:
            await client.logout(caller.token)
    except PortalError:
        pass


# ---- the draft -----------------------------------------------------------------------------


class _CallerOnly:
    """The identity store the application flow reads, for one call: the caller verified on the
    phone, in memory. (The chat's IdentityStore would write the token and make the call a
    recipient of the caller's case notices.)"""

    db_url = None

    def __init__(self, call: Call) -> None:
        self.call = call

    def current(self, sender_id: str) -> BoundIdentity | None:
        caller = self.call.caller
        return caller.identity(sender_id) if caller and sender_id == self.call.sender_id else None

    def forget(self, sender_id: str) -> bool:
        """The portal no longer takes the token: the caller must be checked again."""
        if sender_id != self.call.sender_id or self.call.caller is None:
            return False
        self.call.caller = None
        return True


async def start_draft(call: Call, code: str, consent: bool, connect: Connect = connect) -> Draft:
    """Starts (or picks up) the caller's pre-filled draft of `code`, with their consent to the
    pre-fill given on the phone."""
    caller = fresh_caller(call)
    item = get_item(code or "")
    if item is None:
        raise Refused(words.CHOOSE_ITEM)
    form = get_form(item.code)
    if caller.subject_type not in form.subjects:
        raise Refused(words.wrong_subject(item, form.subjects == ("enterprise",)), 409, "wrong_subject")
    if not consent:
        raise Refused(words.CONSENT_NEEDED, 422, "consent_needed")
    services = PortalServices(connect=connect, store=_CallerOnly(call))  # type: ignore[arg-type]
    turn = await application_flow.start(services, call.sender_id, item.code, None, consent_given=True)
    state = ApplicationState.from_slot(turn.slots.get(SLOT))
    if turn.slots.get(NEEDS_IDENTITY):
        call.caller = None
        raise Refused(words.stale(settings.fresh_login_minutes), 409, "verification_stale")
    if state is None or not state.number:
        said = turn.replies[0].text if turn.replies else ""
        raise Refused(words.portal_said(said), 409, "not_started")
    try:
        async with connect() as client:
            application = await client.get_application(caller.token, state.number)
    except PortalError as error:
        raise _portal_refusal(error) from None
    resumed = any(r.text == application_words.draft_resumed(item, state.number).text for r in turn.replies)
    call.draft, call.draft_item, call.item = state.number, item.code, item.code
    labels = {spec.name: spec.label for spec in form.fields}
    return Draft(
        item=item,
        number=state.number,
        resumed=resumed,
        prefilled=[labels[n] for n in application.prefilled_fields if n in labels],
        missing=[labels[n] for n in application.missing_fields if n in labels],
        checklist=[
            {"name": m.name, "how": application_words.material_status(material, [], m.status)}
            for m in application.checklist
            if (material := form.material(m.name)) is not None
        ],
    )


# ---- the link ------------------------------------------------------------------------------


def ready_to_link(call: Call) -> tuple[Caller, str]:
    """The verified caller and the draft a link may be sent for, or a refusal."""
    caller = fresh_caller(call)
    if not call.draft or not call.draft_item:
        raise Refused(words.DRAFT_FIRST, 409, "no_draft")
    if call.links >= MAX_LINKS:
        raise Refused(words.too_many_links(call.links), 429, "too_many_links")
    return caller, call.draft


async def send_sms_link(call: Call, url: str, connect: Connect = connect) -> str:
    """Has the portal text the link to the caller's phone on record; the phone, masked."""
    caller, number = ready_to_link(call)
    try:
        async with connect() as client:
            sent = await client.send_continue_link(caller.token, number, url)
    except PortalError as error:
        raise _portal_refusal(error) from None
    call.links += 1
    return sent.phone_masked


def wechat_user(subject_ref: str | None, db_url: str | None = None) -> str | None:
    """The official-account user (openid) who last verified as this subject, if any: the
    notifier's recipients are exactly the chat users bound to a subject (bot/notices)."""
    if not subject_ref:
        return None
    with session_factory(db_url)() as session:
        return session.scalar(
            select(NoticeRecipient.sender_id)
            .where(NoticeRecipient.subject_ref == subject_ref, NoticeRecipient.channel == WECHAT)
            .order_by(NoticeRecipient.since.desc())
            .limit(1)
        )


async def has_wechat(caller: Caller, db_url: str | None = None) -> bool:
    return await asyncio.to_thread(wechat_user, caller.subject_ref, db_url) is not None
