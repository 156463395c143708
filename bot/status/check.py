"""Checking and urging applications for a chat user, and what follows an identity binding.

Each function returns a `Turn`. When the user has no live identity, the turn asks for one
(`needs_identity`), remembering why (`identity_purpose`) and which application (the
`application_no` slot is only cleared once answered), so after the binding the original
question is answered without being asked again. A portal that is away gets an apology, and
the application number stays in the slot for the next try.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot import cards, rating_replies, ratings
from bot.applications import flow as application_flow
from bot.applications.state import ACTIVE
from bot.dialogue import Button, Reply, Turn
from bot.identity import words as binding_replies
from bot.identity.binding import CONSENT, NEEDS_IDENTITY, cleared, identity_needed
from bot.identity.store import BoundIdentity
from bot.portal_client.errors import AuthRequired, NotFound, PortalError, PortalUnavailable
from bot.portal_client.services import Answers, PortalServices
from bot.status import words as status_replies

log = logging.getLogger(__name__)

APPLICATION_NO = "application_no"
COMPLETED = "completed"
"""The portal's status of a case done by every department: the moment to offer its rating."""


async def check_status(
    services: PortalServices, sender_id: str, number: str | None, consent_given: bool = False
) -> Turn:
    """By number, or 我的办件: one application is shown at once, several offered as buttons."""
    return await _ask_portal(
        services,
        sender_id,
        number,
        consent_given,
        binding_replies.PURPOSE_STATUS,
        lambda services, identity, number: _status(services, identity, number, sender_id),
        status_replies.status_unavailable,
        (),
    )


async def urge(services: PortalServices, sender_id: str, number: str | None, consent_given: bool = False) -> Turn:
    """催办 the given application, or the one overdue application, or offer the overdue ones."""
    return await _ask_portal(
        services,
        sender_id,
        number,
        consent_given,
        binding_replies.PURPOSE_URGE,
        _urge,
        status_replies.urge_unavailable,
        (status_replies.MY_APPLICATIONS_BUTTON,),
    )


async def _ask_portal(
    services: PortalServices,
    sender_id: str,
    number: str | None,
    consent_given: bool,
    purpose: str,
    work: Callable[[PortalServices, BoundIdentity, str | None], Awaitable[Turn]],
    unavailable: Callable[[str | None], Reply],
    buttons: tuple[Button, ...],
) -> Turn:
    """Status and 催办 go alike: without an identity the binding starts; an expired token asks
    for a new one, an unknown number is said so, a portal that is away keeps the number for the
    next try, and the portal's own refusal (not overdue, urged already today…) is said as is."""
    identity = await services.identity(sender_id)
    if identity is None:
        return identity_needed(purpose, consent_given)
    if purpose == binding_replies.PURPOSE_URGE and not services.fresh_enough_to_act(identity):
        await services.end(sender_id, identity)
        return identity_needed(purpose, consent_given, why=binding_replies.fresh_login_needed("催办"))
    number = number.strip().upper() if number else None
    answers: Answers = {
        AuthRequired: lambda _: identity_needed(purpose, False, expired=True),
        NotFound: lambda _: Turn([status_replies.not_found(number or "")], {APPLICATION_NO: None}),
        PortalUnavailable: lambda _: Turn([unavailable(number)]),
        PortalError: lambda error: Turn([Reply(error.user_message, buttons)], {APPLICATION_NO: None}),
    }
    turn = await services.attempt(work(services, identity, number), answers, sender_id, purpose)
    turn.slots.setdefault(NEEDS_IDENTITY, False)
    return turn


async def _status(services: PortalServices, identity: BoundIdentity, number: str | None, sender_id: str) -> Turn:
    async with services.connect() as client:
        if number is None:
            items = await client.list_applications(identity.token)
            if not items:
                return Turn([Reply(status_replies.NO_APPLICATIONS)])
            if len(items) > 1:
                return Turn([status_replies.application_choice(items)])
            number = items[0].number
        application = await client.get_application(identity.token, number)
    turn = Turn([status_replies.application_detail(application)], {APPLICATION_NO: None})
    if application.summary.status == COMPLETED and _first_offer(sender_id, f"case:{application.number}"):
        turn.say(rating_replies.offer(f"case:{application.number}"))
    return turn


def _first_offer(sender_id: str, target: str) -> bool:
    """A 办结 case is offered for rating once (a courtesy: a database error only skips it)."""
    try:
        return ratings.offer(sender_id, target)
    except Exception:
        log.exception("rating offer not recorded")
        return False


async def _urge(services: PortalServices, identity: BoundIdentity, number: str | None) -> Turn:
    async with services.connect() as client:
        if number is None:
            overdue = [item for item in await client.list_applications(identity.token) if item.overdue]
            if not overdue:
                return Turn([Reply(status_replies.NOTHING_TO_URGE)])
            if len(overdue) > 1:
                return Turn([status_replies.urge_choice(overdue)])
            number = overdue[0].number
        result = await client.urge(identity.token, number)
    return Turn([status_replies.urged(result.message)], {APPLICATION_NO: None})


async def after_binding(
    services: PortalServices,
    sender_id: str,
    purpose: str | None,
    number: str | None,
    consent: bool | None,
    application: object = None,
) -> Turn:
    """Once the form ends: greet a verified user and carry on with what they first asked
    (status, 催办, 挂失 or an application); after a refusal or a portal outage there is nothing
    more to say (the form already said it)."""
    identity = await services.identity(sender_id)
    if identity is None:
        return Turn(slots=cleared(keep_typed=consent is not False) | {ACTIVE: False})
    turn = Turn([binding_replies.verified(identity.display_name_masked)], cleared(keep_typed=False))
    code = application_flow.code_of_purpose(purpose)
    if code:
        return turn.then(await application_flow.start(services, sender_id, code, application))
    turn.slots[ACTIVE] = False
    card_act = cards.kind_of(purpose)
    if card_act:
        turn.then(await cards.act(services, sender_id, card_act))
    elif purpose == binding_replies.PURPOSE_URGE:
        turn.then(await urge(services, sender_id, number))
    else:
        turn.then(await check_status(services, sender_id, number))
    return turn


async def unbind(services: PortalServices, sender_id: str) -> Turn:
    """Ends the binding here and revokes the token at the portal (best effort: it expires anyway)."""
    identity = await services.identity(sender_id)
    if identity is None:
        return Turn([Reply(binding_replies.NOTHING_TO_UNBIND)])
    withdrawn = await _withdraw_consents(services, identity)
    await services.end(sender_id, identity)
    return Turn([Reply(binding_replies.unbound(withdrawn))], {CONSENT: None})


async def _withdraw_consents(services: PortalServices, identity: BoundIdentity) -> int:
    """撤回授权 means the standing consents to release data too, not only the login (best effort:
    a portal that is away keeps them, and the citizen can withdraw them in the portal)."""
    try:
        async with services.connect() as client:
            standing = [c for c in await client.list_consents(identity.token) if not c.withdrawn]
            for consent in standing:
                await client.withdraw_consent(identity.token, consent.id)
        return len(standing)
    except PortalError as error:
        log.warning("consents not withdrawn at the portal: %s", error)
        return 0
