"""Filling and submitting a 一件事 application in the chat, one question per turn.

The Rasa form `application_form` has a single requested slot, `form_answer`; this module
decides what each answer means for the current step (bot/applications/state.py), keeps the
values in the portal's draft, and words every reply (bot/applications/words.py). The order:
identity (bound once per user) → consent to pre-fill → the draft, pre-filled from data the
government holds → only the missing fields → one upload step per material still needed →
summary with the materials checklist → optional 容缺 → the commitments signed with an SMS code
→ submission. A stop, a correction or a portal outage at any point keeps everything typed so
far.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import date

from bot.applications import words
from bot.applications.form import FieldSpec, Form, consent_fields, consent_labels, get_form
from bot.applications.parsing import parse_answer
from bot.applications.state import (
    ACTIVE,
    ANSWER,
    CONSENT,
    DEFER_DATE,
    DEFER_PICK,
    EDIT,
    FIELD_PREFIX,
    FIX_PREFIX,
    PAUSE,
    PAUSED,
    REVIEW,
    SIGN,
    SLOT,
    SUBMIT,
    UPLOAD_PREFIX,
    ApplicationState,
)
from bot.applications.uploading import attach
from bot.catalogue import ServiceItem, get_item
from bot.dialogue import Reply, Turn
from bot.identity import binding
from bot.identity import words as binding_words
from bot.identity.store import BoundIdentity
from bot.identity.words import APPLY_PREFIX
from bot.language.text import normalize
from bot.portal_client.client import PortalClient
from bot.portal_client.errors import AuthRequired, Conflict, NotFound, PortalError, PortalRejected, PortalUnavailable
from bot.portal_client.models import Application, Signing
from bot.portal_client.services import Answers, PortalServices
from bot.reading import read
from bot.working_days import add_working_days, today

log = logging.getLogger(__name__)

MAX_DEFER_WORKING_DAYS = 30
EXPIRED = "expired"
UNAVAILABLE = "unavailable"
GONE = "gone"

_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.S)
_STOP = re.compile(
    r"先不办|不办了|不想办|回头再办|回头再填|下次再办|下次再说|以后再办|以后再说|改天再办|改天再说|"
    r"取消申请|取消办理|先保存|先到这|就到这|到此为止|不填了|先不填|算了"
)
_STOP_INTENTS = ("stop_application", "goodbye")
_SKIP = re.compile(r"^(跳过|不需要|不用|不用了|没有|无|不填|暂无|先不填)[。.!！]?$")
_CORRECTION = re.compile(
    r"写错|填错|搞错|弄错|打错|输错|说错|选错|不对|有误|更正|改成|改为|改一下|修改|换成|应该是|应为"
)
_VALUE_CUE = re.compile(
    r"(?:应该是|应该为|应为|改成|改为|换成|更正为|更正成|正确的是|其实是|(?<![不并还就])是)[:：]?\s*"
)
_REJECTED = re.compile(r"[，,]?(?:而)?不是[^，,。；;！!]*")
"""“不是张一若” names the wrong value, never the new one."""
_ERROR_CUE = re.compile(r"写错|填错|搞错|弄错|打错|输错|说错|选错|不对|有误|更正|改一下|修改")
_WANTS_DEFERRAL = re.compile(r"暂缺|容缺|缺材料|材料.{0,4}(没有|没带|不全|还没)|(没有|缺).{0,6}材料")
_WANTS_EDIT = re.compile(r"^(我要|我想|需要|要)?(修改|改一下|改改|更改)(信息|一下|内容)?[。.!！]?$")
_BACK = re.compile(r"^(不改了?|不用改了?|没有要改的?|不修改了?|返回|返回核对|算了|都对|没问题)[。.!！吧]*$")
_CONFIRM = re.compile(r"^(确认|提交|确认提交|没问题|无误|对的|正确|可以提交|好的?提交|都对)")
_IDENTITY_PATHS = {"name", "id_number", "uscc"}
_REDO = re.compile(r"重新上传|重传|重拍|重新拍|换一张|换个文件|传错|发错|拍错|删掉|删除|不要了")
_DELETE = re.compile(r"删掉|删除|不要了")
_SIGN_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_RESEND = re.compile(r"重新(获取|发送|发)|再发|没收到|收不到|没有收到")


def purpose_for(code: str) -> str:
    return APPLY_PREFIX + code


def code_of_purpose(purpose: str | None) -> str | None:
    if purpose and purpose.startswith(APPLY_PREFIX):
        return purpose[len(APPLY_PREFIX) :]
    return None


def choice_in(text: str) -> str | None:
    """The value a form button sent (`/inform{"form_choice": …}`), if the message is one."""
    match = _PAYLOAD.match(text.strip())
    if not match or not match.group(2):
        return None
    try:
        value = json.loads(match.group(2)).get("form_choice")
    except (ValueError, AttributeError):
        return None
    return str(value) if value is not None else None


def _yes_no(text: str, intent: str | None) -> bool | None:
    choice = choice_in(text)
    if choice is not None:
        text = choice
    elif intent in ("affirm", "deny") and text.startswith("/"):
        return intent == "affirm"
    parsed = parse_answer("bool", text)
    if parsed.ok:
        return bool(parsed.value)
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    return None


def _filled(value: object) -> bool:
    return value not in (None, "", [])


def next_step(form: Form, state: ApplicationState, application: Application) -> str:
    """The first field still empty (not skipped, not one the summary offers), else the first
    material still to upload (not promised for later), else the summary."""
    for spec in form.fields:
        if (
            spec.name not in state.skipped
            and not spec.offer
            and spec.applies(application.fields)
            and not _filled(application.fields.get(spec.name))
        ):
            return FIELD_PREFIX + spec.name
    uploads = _uploads_due(state, application)
    return UPLOAD_PREFIX + uploads[0] if uploads else REVIEW


def _uploads_due(state: ApplicationState, application: Application) -> list[str]:
    return [m.name for m in application.materials("needed") if m.name not in state.deferred]


def identity_turn(
    item: ServiceItem,
    form: Form,
    identity: BoundIdentity | None,
    expired: bool = False,
    state: ApplicationState | None = None,
) -> Turn:
    """Starts identity binding of the kind this item needs; the application resumes after it."""
    needs_enterprise = form.subjects == ("enterprise",)
    wrong_subject = identity is not None and _usable(identity, form) is None
    turn = binding.identity_needed(
        purpose_for(item.code), False, expired and not wrong_subject, "enterprise" if needs_enterprise else "citizen"
    )
    if wrong_subject:
        turn.say(words.wrong_subject(item, needs_enterprise))
    state = state or ApplicationState(code=item.code)
    turn.slots.update({ACTIVE: False, ANSWER: None, SLOT: state.to_slot()})
    return turn


def _active(state: ApplicationState, *replies: Reply) -> Turn:
    return Turn(list(replies), {SLOT: state.to_slot(), ACTIVE: True, binding.NEEDS_IDENTITY: False})


def _stopped(*replies: Reply, state: ApplicationState | None = None) -> Turn:
    """Leaves the form; `state` is kept when there is something to come back to."""
    return Turn(
        list(replies),
        {SLOT: state.to_slot() if state else None, ACTIVE: False, ANSWER: None, binding.NEEDS_IDENTITY: False},
    )


def _usable(identity: BoundIdentity | None, form: Form) -> BoundIdentity | None:
    """The bound identity if it may apply for this item (a citizen cannot apply as a company)."""
    return identity if identity is not None and identity.subject_type in form.subjects else None


async def _identity(services: PortalServices, sender_id: str, form: Form) -> BoundIdentity | None:
    return _usable(await services.identity(sender_id), form)


async def start(
    services: PortalServices, sender_id: str, code: str | None, slot: object = None, consent_given: bool = False
) -> Turn:
    """Begins (or picks up) the application for `code`: an unfinished draft of the same item
    is continued rather than duplicated, in this conversation or a new one."""
    state = ApplicationState.from_slot(slot)
    code = code or (state.code if state else None)
    item = get_item(code) if code else None
    if item is None:
        return _stopped(Reply(words.NO_ITEM))
    form = get_form(item.code)
    if state is not None and state.code != item.code:
        state = None
    consent_given = consent_given or bool(state and state.consent_given)
    bound = await services.identity(sender_id)
    identity = _usable(bound, form)
    if identity is None:
        pending = state or ApplicationState(code=item.code)
        pending.consent_given = consent_given
        return identity_turn(item, form, bound, state=pending)

    async def open_draft() -> Turn:
        nonlocal state, consent_given
        async with services.connect() as client:
            if state and state.number:
                application = await _draft(client, identity, state.number)
                if application is not None and application.summary.status != "draft":
                    return _stopped(words.already_submitted(application.number))
                if application is not None:
                    state.outcome = None
                    return _active(state.go(next_step(form, state, application)))
            drafts = [a for a in await client.list_applications(identity.token, "draft") if a.service_code == item.code]
            if drafts:
                application = await client.get_application(identity.token, drafts[0].number)
                state = ApplicationState(code=item.code, number=application.number)
                return _active(
                    state.go(next_step(form, state, application)), words.draft_resumed(item, application.number)
                )
            state = ApplicationState(code=item.code)
            fields = consent_fields(form, identity.subject_type)
            # the start button named the data of the form's first kind of applicant only
            consent_given = consent_given and identity.subject_type == form.subjects[0]
            if fields and not consent_given and not await _consented(client, identity, item.code, fields):
                return _active(state.go(CONSENT))
            return await _create(client, identity, form, item, state, prefill=bool(fields))

    answers: Answers = {
        AuthRequired: lambda _: identity_turn(item, form, None, expired=True),
        PortalUnavailable: lambda _: _stopped(words.portal_unavailable(), state=state),
        Conflict: lambda error: _stopped(words.same_case(error.user_message)),
        PortalError: lambda error: _stopped(Reply(error.user_message, (words.HUMAN_BUTTON,))),
    }
    return await services.attempt(open_draft(), answers, sender_id, "application start")


async def resume(services: PortalServices, sender_id: str, code: str | None, slot: object = None) -> Turn:
    """继续办理: the draft of this conversation, else the user's latest draft at the portal."""
    state = ApplicationState.from_slot(slot)
    if state is not None:
        return await start(services, sender_id, state.code, slot)
    identity = await services.identity(sender_id)
    if identity is None:
        return await start(services, sender_id, code) if code else _stopped(Reply(words.NO_DRAFT))

    async def latest_draft() -> Turn:
        async with services.connect() as client:
            drafts = await client.list_applications(identity.token, "draft")
        if not drafts:
            return await start(services, sender_id, code) if code else _stopped(Reply(words.NO_DRAFT))
        # the item last talked about, if it has a draft; else the most recent draft
        chosen = next((d for d in drafts if d.service_code == code), drafts[0])
        return await start(services, sender_id, chosen.service_code)

    answers: Answers = {
        AuthRequired: lambda _: _stopped(Reply(words.NO_DRAFT)),
        PortalError: lambda _: _stopped(words.portal_unavailable()),
    }
    return await services.attempt(latest_draft(), answers, sender_id, "resume")


async def unfinished(services: PortalServices, sender_id: str) -> list[Reply]:
    """For a returning user: the drafts kept at the portal, offered to continue. Best effort:
    the menu must show even when the portal is away."""
    identity = await services.identity(sender_id)
    if identity is None:
        return []
    try:
        async with services.connect() as client:
            drafts = await client.list_applications(identity.token, "draft")
    except PortalError:
        return []
    return [words.unfinished(drafts)] if drafts else []


async def _draft(client: PortalClient, identity: BoundIdentity, number: str) -> Application | None:
    """The application this conversation was filling, or None when it is gone."""
    try:
        return await client.get_application(identity.token, number)
    except NotFound:
        return None


async def _consented(client: PortalClient, identity: BoundIdentity, code: str, fields: list[str]) -> bool:
    granted: set[str] = set()
    for consent in await client.list_consents(identity.token):
        if consent.purpose == code and not consent.withdrawn:
            granted.update(consent.fields)
    return set(fields) <= granted


async def _create(
    client: PortalClient, identity: BoundIdentity, form: Form, item: ServiceItem, state: ApplicationState, prefill: bool
) -> Turn:
    if prefill:
        await client.grant_consent(identity.token, item.code, consent_fields(form, identity.subject_type))
    try:
        application = await client.create_application(identity.token, item.code, {}, prefill=prefill)
    except PortalRejected as error:
        if error.code != NOT_ELIGIBLE:
            raise
        return _stopped(Reply(error.user_message, (words.HUMAN_BUTTON,)))  # the registers rule it out
    state.number = application.number
    labels = [spec.label for spec in form.fields if spec.name in application.prefilled_fields]
    log.info("draft %s started (%s, %d pre-filled)", application.number, item.code, len(labels))
    started = words.draft_started(item, application.number, labels)
    closed = form.closed_window(today())
    return _active(state.go(next_step(form, state, application)), started, *([words.blocked(closed)] if closed else []))


async def question(services: PortalServices, sender_id: str, slot: object) -> Turn:
    """The question for the current step (the form's `action_ask_form_answer`); the summary
    may start the signing, which the slots then record."""
    state = ApplicationState.from_slot(slot)
    if state is None:
        return Turn([Reply(words.NO_ITEM)])
    if state.step == REVIEW:
        return await _summary(services, sender_id, state)
    return Turn(await _ask(services, sender_id, state))


async def _ask(services: PortalServices, sender_id: str, state: ApplicationState) -> list[Reply]:
    item, form = get_item(state.code), get_form(state.code)
    step = state.step or ""
    spec = form.field(state.field_name or "")
    if step == CONSENT:
        identity = await services.identity(sender_id)
        subject = identity.subject_type if identity else form.subjects[0]
        return [words.consent_request(form, item, consent_labels(form, subject))]
    if spec is not None and step.startswith(FIX_PREFIX):
        return [words.ask_fix(spec)]
    if spec is not None:
        return [words.question(spec, retry=state.retries > 0)]
    if state.material:
        application = await _fetch(services, sender_id, form, state)
        material = form.material(state.material)
        if application is None or material is None:
            return [words.portal_unavailable()]
        asked = [m.name for m in application.materials("needed", "uploaded", "deferred")]
        position = asked.index(material.name) + 1 if material.name in asked else 1
        return [words.ask_upload(material, position, len(asked), _uploads_due(state, application))]
    if step == DEFER_PICK:
        application = await _fetch(services, sender_id, form, state)
        if application is None:
            return [words.portal_unavailable()]
        return [words.defer_pick(words.deferrable_now(application))]
    if step == DEFER_DATE:
        return [words.defer_date(add_working_days(today(), MAX_DEFER_WORKING_DAYS))]
    if step == SIGN:
        return [words.ASK_SIGN_CODE_REPLY]
    if step == PAUSE:
        return [words.pause_request(state.number)]
    return [words.ask_edit(form)]


async def _summary(services: PortalServices, sender_id: str, state: ApplicationState) -> Turn:
    item, form = get_item(state.code), get_form(state.code)
    identity = await _identity(services, sender_id, form)
    if identity is None or not state.number:
        return Turn([words.portal_unavailable()])
    try:
        async with services.connect() as client:
            application = await client.get_application(identity.token, state.number)
            signing = await _sign_with_summary(client, identity, form, state, application)
    except PortalError:
        return Turn([words.portal_unavailable()])
    pending = signing is None and state.signing_id is not None
    reply = words.summary(form, item, application, state.deferred, state.skipped, today(), signing, pending)
    return Turn([reply], {SLOT: state.to_slot()})


async def _sign_with_summary(
    client: PortalClient, identity: BoundIdentity, form: Form, state: ApplicationState, application: Application
) -> Signing | None:
    """The first summary of a case with commitments comes with them and sends the code, so
    the code the citizen sends back confirms, signs and submits in one step. Not when something
    must come first (a block, the date of a 容缺, a fresh verification), and only once: a
    later summary names the code already sent instead of sending another unasked."""
    if (
        state.signing_offered
        or not application.materials("sign")
        or form.blockers(application.fields, today())
        or (state.deferred and not state.due_date)
        or not PortalServices.fresh_enough_to_act(identity)
    ):
        return None
    state.signing_offered = True
    try:
        signing = await client.start_signing(identity.token, state.number or "", _promised(state))
    except (Conflict, PortalRejected):  # nothing to sign after all, or no code just now: 确认提交 says why
        return None
    state.signing_id = signing.signing_id
    state.go(SIGN)
    return signing


async def _fetch(services: PortalServices, sender_id: str, form: Form, state: ApplicationState) -> Application | None:
    identity = await _identity(services, sender_id, form)
    if identity is None or not state.number:
        return None
    try:
        async with services.connect() as client:
            return await client.get_application(identity.token, state.number)
    except PortalError:
        return None


_QUESTION_WORDS = re.compile(
    r"[？?吗呢]|怎么|什么|多久|多长|多少钱|哪些|哪里|哪儿|如何|能不能|可不可以|要不要|为什么|是否|咋"
)


_ASKS = re.compile(r"[？?]|吗|呢")
"""A question mark or particle makes a message a question, even if it holds a usable value."""
_STRONG_QUESTION = re.compile(
    r"什么|啥|哪个|哪些|哪里|哪儿|哪家|去哪|在哪|怎么|咋|如何|为什么|为啥|多少|多久|能不能|可不可以|是不是|有没有|要不要|"
    r"区别|一定要|帮我查|查一下|查查"
)
"""Words no answer to a form question carries ("个体户和公司注销有啥区别" is not a choice)."""
_NOT_KNOWN = re.compile(
    r"记不清|记不得|不记得|忘了|忘记|不知道|不晓得|不清楚|不确定|想不起|搞不清|拿不准|好像是|大概是|可能是|也许是|说不准"
)


def reads_as_answer(slot: object, raw_text: str) -> bool:
    """Whether a message the NLU took for a policy question is really the answer to the
    field being asked ("东湖区湖滨路8号" for an address): no question words, and it parses."""
    state = ApplicationState.from_slot(slot)
    text = normalize(raw_text)
    if state is None or not text or _QUESTION_WORDS.search(text) or not_known(text):
        return False
    if state.step == DEFER_DATE:
        return parse_answer("date", text).ok
    spec = get_form(state.code).field(state.field_name or "")
    return spec is not None and _parse(spec, text).ok


def reads_as_question(slot: object, raw_text: str) -> bool:
    """Whether a message inside the form is a policy question or a non-answer rather than an
    answer, whatever the NLU said ("开餐饮店一共要多久？" came back as need_restaurant): it
    asks, or says the citizen does not know ("文号我记不清了 好像是118号" is not a document
    number), and it is not a value the current question accepts."""
    state = ApplicationState.from_slot(slot)
    text = normalize(raw_text)
    if state is None or raw_text.startswith("/") or state.step in (CONSENT, PAUSE, SIGN):
        return False
    if not_known(text) or _STRONG_QUESTION.search(text):
        return True
    if not (_QUESTION_WORDS.search(text) or read(text).asks):
        return False
    if _ASKS.search(text):
        return True
    spec = get_form(state.code).field(state.field_name or "")
    return spec is None or not _parse(spec, text).ok


_FREE_TEXT = ("text", "name", "address")
STATEMENT_CHARS = 8


def explains_instead(slot: object, raw_text: str) -> bool:
    """Whether a message at a field that takes a date, a number or a choice is a sentence about
    the citizen's situation the field cannot read ("罚款是在银行交的，缴款记录系统里还没显示"):
    worth an answer from the guide before the field is asked again."""
    state = ApplicationState.from_slot(slot)
    text = normalize(raw_text)
    if state is None or raw_text.startswith("/") or not (state.step or "").startswith(FIELD_PREFIX):
        return False
    spec = get_form(state.code).field(state.field_name or "")
    if spec is None or spec.kind in _FREE_TEXT or len(text) < STATEMENT_CHARS:
        return False
    return not _parse(spec, text).ok


def not_known(text: str) -> bool:
    """Whether it says "不知道", "记不清了", "好像是…": a form field is never filled with a guess."""
    return bool(_NOT_KNOWN.search(normalize(text)))


async def answer(
    services: PortalServices, sender_id: str, slot: object, raw_text: str, intent: str | None = None
) -> Turn:
    """What the user's message means at the current step; the slots say what comes next."""
    state = ApplicationState.from_slot(slot)
    if state is None:
        return _stopped(Reply(words.NO_ITEM))
    item, form = get_item(state.code), get_form(state.code)
    text = raw_text if raw_text.startswith("/") else normalize(raw_text)
    choice = choice_in(text)
    identity = await _identity(services, sender_id, form)
    if identity is None:
        return _expired(state)
    editing = state.step == EDIT or (state.step or "").startswith(FIX_PREFIX)
    if editing and choice is None and _BACK.match(text):
        back = state.resume_step if state.resume_step not in (None, EDIT) else REVIEW
        state.resume_step = None
        return _continue(state.go(back))
    if state.step != PAUSE and choice is None and (intent in _STOP_INTENTS or _STOP.search(text)):
        if state.step not in (EDIT,) and not (state.step or "").startswith(FIX_PREFIX):
            state.resume_step = state.step
        return _continue(state.go(PAUSE))

    async def save_answer() -> Turn:
        async with services.connect() as client:
            return await _answer(client, identity, form, item, state, text, choice, intent)

    answers: Answers = {
        AuthRequired: lambda _: _expired(state),
        PortalUnavailable: lambda _: _leave(state, UNAVAILABLE, _not_saved(state)),
        (NotFound, Conflict): lambda _: _leave(None, GONE, words.draft_gone(state.number)),
        PortalRejected: lambda error: _continue(state, Reply(error.user_message)),
    }
    return await services.attempt(save_answer(), answers, sender_id, "answer")


def _not_saved(state: ApplicationState) -> Reply:
    """The portal was away: on the way to submission that means "not submitted yet"."""
    if state.step in (REVIEW, DEFER_DATE, SIGN) and state.number:
        return words.submit_unavailable(state.number)
    return words.answer_not_saved()


def _leave(state: ApplicationState | None, outcome: str, reply: Reply) -> Turn:
    """Ends the form without submitting; `state` (if any) is kept for "继续办理"."""
    if state is not None:
        state.outcome = outcome
    return Turn([reply], {SLOT: state.to_slot() if state else None, ANSWER: outcome})


def _expired(state: ApplicationState) -> Turn:
    """The login lapsed mid-form: leave it; "继续办理" binds again and carries on from here."""
    return _leave(state, EXPIRED, Reply(AuthRequired.default_message + words.AFTER_EXPIRY))


def _continue(state: ApplicationState, *replies: Reply) -> Turn:
    """Stays in the form: `form_answer` empty makes the form ask the current step's question."""
    return Turn(list(replies), {SLOT: state.to_slot(), ANSWER: None})


def _finish(state: ApplicationState, outcome: str) -> Turn:
    state.outcome = outcome
    return Turn([], {SLOT: state.to_slot(), ANSWER: outcome})


async def _answer(
    client: PortalClient,
    identity: BoundIdentity,
    form: Form,
    item: ServiceItem,
    state: ApplicationState,
    text: str,
    choice: str | None,
    intent: str | None,
) -> Turn:
    step = state.step or ""
    if step == CONSENT:
        agreed = _yes_no(text, intent)
        if agreed is None:
            return _continue(state, Reply(words.NOT_UNDERSTOOD_CONSENT))
        turn = await _create(client, identity, form, item, state, prefill=agreed)
        return turn.then(Turn(slots={ANSWER: None}))
    if step == PAUSE:
        stop = _yes_no(text, intent)
        if stop:
            return _finish(state, PAUSED)
        return _continue(state.go(state.resume_step or REVIEW))
    if choice is None and step != EDIT and _is_correction(form, state, text, intent):
        return await _correct(client, identity, form, state, text)
    if step.startswith(FIX_PREFIX):
        return await _fix(client, identity, form, state, text, choice)
    if step.startswith(FIELD_PREFIX):
        return await _fill(client, identity, form, state, text, choice)
    if state.material:
        return await _upload_step(client, identity, form, state, text, choice)
    if step in (REVIEW, SIGN):
        return await _review_or_sign(client, identity, form, state, text, choice, intent)
    if step == EDIT:
        if (
            choice == words.BACK
            or (choice is None and _BACK.match(text))
            or (choice is None and _CONFIRM.match(text) and find_field(form, state, text) is None)
        ):
            return _continue(state.go(REVIEW))
        return await _correct(client, identity, form, state, text)
    if step == DEFER_PICK:
        application = await client.get_application(identity.token, state.number or "")
        return _defer_pick(words.deferrable_now(application), state, text, choice)
    if step == DEFER_DATE:
        refused = _defer_date(state, choice or text)
        return refused or await _to_signing(client, identity, state)
    return _continue(state.go(REVIEW))


async def _review_or_sign(
    client: PortalClient,
    identity: BoundIdentity,
    form: Form,
    state: ApplicationState,
    text: str,
    choice: str | None,
    intent: str | None,
) -> Turn:
    """The summary, or the commitments with a code on its way (they may come together): a code
    signs and submits, 重新获取 sends a new one, and a change, a 容缺 or a wrong file is taken
    as at the summary, where 确认提交 starts the signing (or asks for the code already sent)."""
    signing = state.step == SIGN or state.signing_id is not None
    if signing and choice is None and _SIGN_CODE.search(text):
        return await _sign(client, identity, state, text)
    if signing and (choice == words.RESEND or (choice is None and _RESEND.search(text))):
        return await _to_signing(client, identity, state)
    if state.step == SIGN and (choice == words.BACK or (choice is None and _BACK.match(text))):
        state.signing_id = None
        return _continue(state.go(REVIEW))
    if _confirms(text, choice, intent):
        if state.signing_id:  # the code was sent with the summary
            return _continue(state.go(SIGN))
        application = await client.get_application(identity.token, state.number or "")
        blockers = form.blockers(application.fields, today())
        if blockers:  # said before any code is sent; the portal would refuse it too
            return _continue(state, *(words.blocked(b) for b in blockers))
        if state.deferred and not state.due_date:  # promised during the uploads: the date first
            return _continue(state.go(DEFER_DATE))
        return await _to_signing(client, identity, state)
    redone = await _redo_upload(client, identity, form, state, text) if choice is None else None
    if redone is not None:
        return redone
    offered = find_field(form, state, text) if choice is None else None
    if offered is not None and offered.offer and offered.name not in state.answered:
        return _continue(state.go(FIELD_PREFIX + offered.name))  # "需要入学评估": its question
    if state.step == SIGN and choice is None and not _WANTS_EDIT.match(text) and not _wants_deferral(form, text):
        return _continue(state, Reply(words.ASK_SIGN_CODE))
    return _review(form, state, text, choice, intent)


def _is_correction(form: Form, state: ApplicationState, text: str, intent: str | None) -> bool:
    """A message changing an earlier answer rather than answering the question asked: an error
    word ("写错了", "不对") or a change word ("改成") with another field named. A button-like
    answer that the question accepts ("修改法定代表人" for 变更事项) and answers to a field that
    takes change wording ("法定代表人换成何志明" for 变更后内容) stay answers."""
    named = find_field(form, state, text)
    current = form.field(state.field_name or "") if (state.step or "").startswith(FIELD_PREFIX) else None
    if current is not None and (
        current.takes_changes or (current.kind in ("choice", "choices", "bool") and _parse(current, text).ok)
    ):
        return False  # "修改法定代表人" picks 变更事项; "法定代表人换成何志明" is 变更后内容
    if _ERROR_CUE.search(text):
        return named is not None or intent == "correct_field"
    if named is None or not _CORRECTION.search(text):
        return False
    return current is None or named.name != current.name


async def _fill(
    client: PortalClient, identity: BoundIdentity, form: Form, state: ApplicationState, text: str, choice: str | None
) -> Turn:
    spec = form.field(state.field_name or "")
    if spec is None:
        return _continue(state.go(REVIEW))
    skip = choice == words.SKIP or (choice is None and spec.kind != "bool" and _SKIP.match(text))
    if skip and not spec.required:
        state.skipped.append(spec.name)
        application = await client.get_application(identity.token, state.number or "")
        return _continue(state.go(next_step(form, state, application)))
    parsed = _parse(spec, choice if choice is not None else text)
    if not parsed.ok:
        state.retries += 1
        problem = parsed.problem or words.not_read(spec)
        reply = words.help_after_failures(spec, problem) if state.retries >= 2 else Reply(problem)
        return _continue(state, reply)
    if spec.not_before:
        earlier = form.field(spec.not_before)
        current = await client.get_application(identity.token, state.number or "")
        before = current.fields.get(spec.not_before)
        if earlier is not None and before and str(parsed.value) < str(before):  # ISO dates order as text
            return _continue(state, words.dates_contradict(spec, str(parsed.value), earlier, str(before)))
    application = await _save_answer(client, identity, state, spec, parsed.value)
    return _continue(state.go(next_step(form, state, application)), *_blocked_by(form, spec, application))


async def _save_answer(
    client: PortalClient, identity: BoundIdentity, state: ApplicationState, spec: FieldSpec, value: object
) -> Application:
    """Keeps an answer in the draft. A code sent for the commitments is given up: their texts
    name the answers (店名, 地址), so it may no longer sign what the case says; the summary then
    offers 确认提交 again, which sends a code for the texts as they are now."""
    application = await client.update_application(identity.token, state.number or "", {spec.name: value})
    state.signing_id = None
    if spec.name not in state.answered:
        state.answered.append(spec.name)
    return application


def _blocked_by(form: Form, spec: FieldSpec, application: Application) -> list[Reply]:
    """The guide's reason an answer just given makes the application fail, if it does."""
    return [words.blocked(b) for b in form.blockers(application.fields) if b.when[0] == spec.name]


def _parse(spec: FieldSpec, text: str):  # noqa: ANN202 - field_parsing.Parsed
    return parse_answer(
        spec.kind,
        spec.in_choice_terms(text),
        choices=spec.choices,
        minimum=spec.minimum,
        maximum=spec.maximum,
        label=spec.label,
    )


async def _redo_upload(
    client: PortalClient, identity: BoundIdentity, form: Form, state: ApplicationState, text: str
) -> Turn | None:
    """ "平面图传错了，重新上传": the files of the material named are taken off the draft and it is
    asked for again (a material only some cases have is just removed when asked to delete it)."""
    if not _REDO.search(text):
        return None
    application = await client.get_application(identity.token, state.number or "")
    named = [m for m in application.checklist if m.file_ids and (m.name in text or _short_name(m.name) in text)]
    if len(named) != 1:
        return None
    item = named[0]
    for file_id in item.file_ids:
        await client.remove_material(identity.token, state.number or "", file_id)
    material = form.material(item.name)
    removed = words.files_removed(item.name, len(item.file_ids))
    if material is not None and material.optional and _DELETE.search(text):
        return _continue(state, removed)
    return _continue(state.go(UPLOAD_PREFIX + item.name), removed)


def _confirms(text: str, choice: str | None, intent: str | None) -> bool:
    return choice == "确认提交" or (choice is None and (_CONFIRM.match(text) is not None or intent == "affirm"))


def _review(form: Form, state: ApplicationState, text: str, choice: str | None, intent: str | None) -> Turn:
    if form.deferrable and (choice == words.DEFER or (choice is None and _wants_deferral(form, text))):
        return _continue(state.go(DEFER_PICK))
    if choice == words.EDIT or intent == "deny" or (choice is None and _WANTS_EDIT.match(text)):
        state.resume_step = REVIEW
        return _continue(state.go(EDIT))
    return _continue(state, Reply(words.NOT_UNDERSTOOD_CONFIRM))


def _wants_deferral(form: Form, text: str) -> bool:
    """ "有材料暂缺", or a 容缺-able material named as missing ("监护证明还没有")."""
    text = text.replace("没问题", "")
    if _WANTS_DEFERRAL.search(text):
        return True
    named = any(_short_name(m.name) in text for m in form.deferrable)
    return named and bool(re.search(r"没|缺|未|补交|晚点", text))


def _short_name(material: str) -> str:
    """How a citizen names a material: "结婚证照片" → 结婚证, "营业执照正、副本原件" → 营业执照."""
    return re.split(r"正、|[（(、，,]|照片|原件|正本|副本", material)[0][:6] or material


def _defer_pick(names: list[str], state: ApplicationState, text: str, choice: str | None) -> Turn:
    value = choice if choice is not None else text
    if value in ("不用", "不需要", "不用了"):
        return _continue(state.go(REVIEW))
    parsed = parse_answer("choices", value, choices=names)
    if not parsed.ok:
        return _continue(state, Reply(parsed.problem or words.PICK_MATERIAL))
    state.deferred = list(parsed.value)  # type: ignore[arg-type]
    return _continue(state.go(DEFER_DATE))


def _defer_date(state: ApplicationState, text: str) -> Turn | None:
    """Keeps the promised date; a turn that asks again if it is not one, None once it is."""
    parsed = parse_answer("date", text)
    latest = add_working_days(today(), MAX_DEFER_WORKING_DAYS)
    if not parsed.ok:
        return _continue(state, Reply(parsed.problem or words.ASK_DUE_DATE))
    due = date.fromisoformat(str(parsed.value))
    if not today() < due <= latest:
        return _continue(state, words.due_date_out_of_range(latest))
    state.due_date = due.isoformat()
    return None


def _promised(state: ApplicationState) -> list[dict[str, str | None]]:
    """The materials promised under 容缺, as the signing and the submission both name them."""
    return [{"name": name, "due_date": state.due_date} for name in state.deferred]


async def _to_signing(client: PortalClient, identity: BoundIdentity, state: ApplicationState) -> Turn:
    """确认提交: the commitments the case needs (its 承诺书, and the 容缺 one for what is promised)
    are shown in full and a code goes to the phone on record. Submission takes over when there
    is nothing to sign, when the draft went in elsewhere, or when the login is too old to act
    on (it asks for a fresh verification before anything is signed). A code asked for too soon
    after the last is said so, with 重新获取 to press a minute later."""
    if not PortalServices.fresh_enough_to_act(identity):
        return _finish(state, SUBMIT)
    try:
        signing = await client.start_signing(identity.token, state.number or "", _promised(state))
    except Conflict:  # nothing (left) to sign, or submitted already: submission says which
        return _finish(state, SUBMIT)
    except PortalRejected as error:
        if error.status != 429:
            raise
        state.signing_id = None
        return _continue(state.go(SIGN), Reply(error.user_message))
    state.signing_id = signing.signing_id
    return _continue(state.go(SIGN), words.to_sign(signing))


async def _sign(client: PortalClient, identity: BoundIdentity, state: ApplicationState, text: str) -> Turn:
    """The code signs and submits."""
    code = _SIGN_CODE.search(text)
    if code is None or not state.signing_id:
        return _continue(state.go(SIGN), Reply(words.ASK_SIGN_CODE))
    try:
        await client.sign(identity.token, state.number or "", state.signing_id, code.group(0))
    except PortalRejected as error:  # the message says how many tries are left, or why not
        if error.status != 422:  # used, locked, expired or out of date: a new code is needed
            state.signing_id = None
        return _continue(state.go(SIGN), Reply(error.user_message))
    state.signing_id = None
    return _finish(state, SUBMIT)


def find_field(form: Form, state: ApplicationState, text: str) -> FieldSpec | None:
    """The field a correction names: the longest label or alias found, the most recently
    answered among equals ("户口地址" is the address, not 落户方式)."""
    matches: list[tuple[int, int, FieldSpec]] = []
    for spec in form.fields:
        words_for = [spec.label, *spec.aliases]
        longest = max((len(w) for w in words_for if w and w in text), default=0)
        if longest:
            recency = state.answered.index(spec.name) if spec.name in state.answered else -1
            matches.append((recency, longest, spec))
    if not matches:
        return None
    matches.sort(key=lambda m: (m[1], m[0]), reverse=True)
    return matches[0][2]


def _new_value(text: str) -> str | None:
    """The new value after the last cue ("应该是…", "改成…"), ignoring "不是…" parts; None
    when the message names no new value (the bot then asks for it)."""
    text = _REJECTED.sub("", text)
    cues = list(_VALUE_CUE.finditer(text))
    if not cues:
        return None
    value = text[cues[-1].end() :].strip(" ，,。.！!")
    return value or None


async def _correct(
    client: PortalClient, identity: BoundIdentity, form: Form, state: ApplicationState, text: str
) -> Turn:
    spec = find_field(form, state, text)
    if spec is None:
        if state.step != EDIT:
            state.resume_step = state.step
        bare = state.step == REVIEW and _WANTS_EDIT.match(text)
        return _continue(state.go(EDIT), *([] if bare else [Reply(words.UNKNOWN_CORRECTION)]))
    if spec.prefill in _IDENTITY_PATHS:
        application = await client.get_application(identity.token, state.number or "")
        if spec.name in application.prefilled_fields:
            return _continue(state, Reply(words.CANNOT_CHANGE_PREFILLED_IDENTITY, (words.HUMAN_BUTTON,)))
    if state.step and not state.step.startswith(FIX_PREFIX) and state.step != EDIT:
        state.resume_step = state.step
    value = _new_value(text)
    if value is None:
        return _continue(state.go(FIX_PREFIX + spec.name))
    parsed = _parse(spec, value)
    if not parsed.ok:
        return _continue(state.go(FIX_PREFIX + spec.name), Reply(parsed.problem or words.new_value_not_read(spec)))
    return await _store_fix(client, identity, form, state, spec, parsed.value)


async def _fix(
    client: PortalClient, identity: BoundIdentity, form: Form, state: ApplicationState, text: str, choice: str | None
) -> Turn:
    spec = form.field(state.field_name or "")
    if spec is None:
        return _continue(state.go(REVIEW))
    parsed = _parse(spec, choice if choice is not None else text)
    if not parsed.ok:
        state.retries += 1
        problem = parsed.problem or words.new_value_not_read(spec)
        return _continue(state, words.help_after_failures(spec, problem) if state.retries >= 2 else Reply(problem))
    return await _store_fix(client, identity, form, state, spec, parsed.value)


async def _store_fix(
    client: PortalClient, identity: BoundIdentity, form: Form, state: ApplicationState, spec: FieldSpec, value: object
) -> Turn:
    application = await _save_answer(client, identity, state, spec, value)
    if spec.name in state.skipped:
        state.skipped.remove(spec.name)
    back = state.resume_step
    state.resume_step = None
    following = next_step(form, state, application)
    # a field the change made necessary (领取方式 → 邮寄地址) is asked before going back
    if following.startswith(FIELD_PREFIX) or back not in (REVIEW, DEFER_PICK, DEFER_DATE):
        back = following
    return _continue(state.go(back), words.corrected(spec, value), *_blocked_by(form, spec, application))


_LATER_UPLOAD = re.compile(r"暂缺|没有|还没|没带|不在身边|后补|晚点|以后|容缺")


async def _upload_step(
    client: PortalClient, identity: BoundIdentity, form: Form, state: ApplicationState, text: str, choice: str | None
) -> Turn:
    """A typed answer where a file is asked for: "暂缺" on a 可容缺 material promises it for
    later (the date is asked at submission); anything else is told how to send a file."""
    material = form.material(state.material)
    if material is None:
        return _continue(state.go(REVIEW))
    later = choice == words.DEFER or (choice is None and _LATER_UPLOAD.search(text))
    if later and material.deferrable:
        state.deferred.append(material.name)
        application = await client.get_application(identity.token, state.number or "")
        return _continue(state.go(next_step(form, state, application)), words.deferred_for_now(material.name))
    if later:
        return _continue(state, words.not_deferrable(material.name))
    return _continue(state, Reply(words.SEND_A_FILE))


async def receive_files(
    services: PortalServices,
    sender_id: str,
    slot: object,
    refs: list[str],
    material: str | None = None,
    materials: list[str] | None = None,
) -> Turn:
    """Files the citizen sent during the application: attached to the material asked for (or
    the one a button named, or the only one still needed); otherwise the citizen is asked which
    material they are, with the files kept until then. `materials`: the material of each file,
    when a materials card sent several materials at once."""
    state = ApplicationState.from_slot(slot)
    if state is None or not state.number:
        return Turn([Reply(words.UPLOAD_WITHOUT_APPLICATION)], {ANSWER: None})
    form = get_form(state.code)
    identity = await _identity(services, sender_id, form)
    if identity is None:
        return _expired(state)

    async def upload() -> Turn:
        async with services.connect() as client:
            application = await client.get_application(identity.token, state.number or "")
            open_items = [m.name for m in application.materials("needed", "optional", "uploaded", "deferred")]
            if materials is not None:
                batches: dict[str, list[str]] = {}
                for ref, name in zip(refs, materials):
                    batches.setdefault(name, []).append(ref)
                unknown = [ref for name, group in batches.items() if name not in open_items for ref in group]
                if unknown:  # a card of another draft: the citizen says which these are
                    return _continue(state, words.which_material(open_items, unknown))
            else:
                target = material or state.material
                if target is None:
                    needed = [m.name for m in application.materials("needed")]
                    if len(needed) != 1:
                        return _continue(state, words.which_material(open_items, refs))
                    target = needed[0]
                batches = {target: refs}
            replies: list[Reply] = []
            for target, group in batches.items():
                attached = await attach(client, identity, sender_id, state.number or "", target, group)
                if target in state.deferred and attached.stored:
                    state.deferred.remove(target)  # supplied after all: no promise needed
                log.info("%d file(s) attached to %s", attached.stored, state.number)
                replies += attached.replies()
            application = await client.get_application(identity.token, state.number or "")
        following = next_step(form, state, application)
        if state.material or following.startswith(UPLOAD_PREFIX):
            state.go(following)
        return _continue(state, *replies)

    answers: Answers = {
        AuthRequired: lambda _: _expired(state),
        PortalUnavailable: lambda _: _continue(state, words.upload_waiting(refs, material or state.material or "材料")),
        PortalError: lambda error: _continue(state, Reply(error.user_message)),
    }
    return await services.attempt(upload(), answers, sender_id, "upload")


NOT_ELIGIBLE = "not_eligible"
"""The portal's code for an applicant the registers rule out (a 吊销 company changing its registration)."""
SAME_CASE = "same_case_exists"
"""The portal's code for a second application of a case already in hand (the same baby)."""


def _submit_key(state: ApplicationState) -> str:
    """Stable for the same submission (a retry after an outage is not a second one)."""
    digest = hashlib.sha256(json.dumps([state.number, state.deferred, state.due_date]).encode()).hexdigest()[:24]
    return f"chat-{state.number}-{digest}"


async def finish(services: PortalServices, sender_id: str, slot: object) -> Turn:
    """After the form: submit, or confirm the draft is kept for later."""
    state = ApplicationState.from_slot(slot)
    if state is None:
        return _stopped()
    item, form = get_item(state.code), get_form(state.code)
    if state.outcome == PAUSED:
        return _stopped(words.paused(item, state.number))
    if state.outcome != SUBMIT or not state.number:
        return _stopped(state=state)
    state.outcome = None
    state.go(REVIEW)  # where "继续办理" picks up if this attempt does not go through
    identity = await _identity(services, sender_id, form)
    if identity is None:
        return _stopped(Reply(AuthRequired.default_message + words.AFTER_EXPIRY), state=state)
    if not services.fresh_enough_to_act(identity):
        await services.end(sender_id, identity)
        return _stopped(Reply(binding_words.fresh_login_needed("提交") + words.AFTER_STEP_UP), state=state)
    missing = _promised(state)

    async def submit() -> Turn:
        async with services.connect() as client:
            result = await client.submit(
                identity.token,
                state.number,
                missing_materials=missing,
                commitment=bool(missing),
                idempotency_key=_submit_key(state),
            )
        replayed = ", replayed" if result.replayed else ""
        log.info("application %s submitted (%s%s)", result.application.number, state.code, replayed)
        return _stopped(words.submitted(item, result.application, form.promise_basis(result.application.fields)))

    answers: Answers = {
        AuthRequired: lambda _: _stopped(Reply(AuthRequired.default_message + words.AFTER_EXPIRY), state=state),
        PortalUnavailable: lambda _: _stopped(words.submit_unavailable(state.number), state=state),
        # submitted already (another channel, or a lost answer): nothing to redo
        Conflict: lambda error: _stopped(
            words.same_case(error.user_message) if error.code == SAME_CASE else words.already_submitted(state.number)
        ),
        PortalRejected: lambda error: _stopped(words.submit_refused(error.user_message), state=state),
    }
    return await services.attempt(submit(), answers, sender_id, "submit")
