"""社保卡挂失 in the chat, as the guide describes it (knowledge/social_security_card.md, 二、挂失):
a 临时挂失 takes effect at once and freezes the card for five days, a 正式挂失 is for good and
leads to 补领, and a card found again within the five days is 解挂.

A citizen who says the card is lost hears this before anything about 补领: a lost card can be
used by someone else until it is frozen. Each act needs the cardholder's verified identity (the
binding starts if there is none and the act follows it); a 正式挂失 cannot be undone, so it
needs a recent verification, as submitting an application does.
"""

from __future__ import annotations

import json
import re

from bot.dialogue import Button, Reply, Turn
from bot.identity import words as binding_words
from bot.identity.binding import NEEDS_IDENTITY, identity_needed
from bot.identity.store import BoundIdentity
from bot.portal_client.errors import AuthRequired, PortalError, PortalUnavailable
from bot.portal_client.services import Answers, PortalServices
from bot.settings import settings

INTENT = "report_card_lost"
KIND_ENTITY = "loss_kind"
TEMPORARY, FORMAL, RECOVER = "temporary", "formal", "recover"
PURPOSE_PREFIX = binding_words.PURPOSE_CARD_PREFIX
ITEM = "social_security_card"
_LOSS = re.compile(r"丢|遗失|掉了|被偷|被盗|被扒|找不到|挂失")
_FOUND = re.compile(r"找到了|找回|解挂|解除挂失")


def mentions_loss(text: str) -> bool:
    return bool(_LOSS.search(text)) and not _FOUND.search(text)


def _button(title: str, kind: str) -> Button:
    return Button(title, f"/{INTENT}" + json.dumps({KIND_ENTITY: kind}, separators=(",", ":")))


def offer() -> Reply:
    """What a lost card needs first, before 补领."""
    return Reply(
        "卡丢了请先挂失，免得被人冒用：临时挂失马上生效，社保和金融功能同时冻结，5天内有效，"
        "卡找回来可以解除；正式挂失长期有效、不能解除，之后补领新卡（遗失补领工本费20元）。要现在挂失吗？",
        (_button("临时挂失（立即生效）", TEMPORARY), _button("正式挂失", FORMAL)),
    )


def purpose(kind: str) -> str:
    return PURPOSE_PREFIX + kind


def kind_of(purpose_value: str | None) -> str | None:
    if purpose_value and purpose_value.startswith(PURPOSE_PREFIX):
        kind = purpose_value[len(PURPOSE_PREFIX) :]
        return kind if kind in (TEMPORARY, FORMAL, RECOVER) else None
    return None


def _after(kind: str, message: str) -> Reply:
    if kind == TEMPORARY:
        return Reply(
            message + "卡找到了可以解除挂失；确定找不回来的，正式挂失后补领新卡。",
            (_button("找到了，解除挂失", RECOVER), _button("正式挂失并补卡", FORMAL)),
        )
    if kind == FORMAL:
        return Reply(message, (Button("申请补领新卡", "/need_social_security_card"),))
    return Reply(message)


UNAVAILABLE = (
    f"系统繁忙，挂失暂时没能办成，卡片还没有冻结。请稍后再试；着急的话请马上拨打{settings.hotline}"
    "（转人社专线）或12333办理临时挂失。"
)
NOT_A_CARDHOLDER = "社保卡挂失须由持卡人本人办理：请用持卡人本人的身份核验后再试，或拨打12333。"


async def act(services: PortalServices, sender_id: str, kind: str, consent_given: bool = False) -> Turn:
    """挂失 or 解挂 for the bound cardholder; without an identity, the binding comes first."""
    why = purpose(kind)
    identity = await services.identity(sender_id)
    if identity is None:
        return identity_needed(why, consent_given)
    if identity.subject_type != "citizen":
        return Turn([Reply(NOT_A_CARDHOLDER)], {NEEDS_IDENTITY: False})
    if kind == FORMAL and not services.fresh_enough_to_act(identity):
        await services.end(sender_id, identity)
        return identity_needed(why, consent_given, why=binding_words.fresh_login_needed("正式挂失"))
    answers: Answers = {
        AuthRequired: lambda _: identity_needed(why, False, expired=True),
        PortalUnavailable: lambda _: Turn([Reply(UNAVAILABLE, (binding_words.HUMAN_BUTTON,))], {NEEDS_IDENTITY: False}),
        PortalError: lambda error: Turn([Reply(error.user_message)], {NEEDS_IDENTITY: False}),
    }
    return await services.attempt(_act(services, identity, kind), answers, sender_id, why)


async def _act(services: PortalServices, identity: BoundIdentity, kind: str) -> Turn:
    async with services.connect() as client:
        if kind == RECOVER:
            card = await client.recover_card(identity.token)
        else:
            card = await client.report_card_loss(identity.token, kind)
    return Turn([_after(kind if card.status != "正式挂失" else FORMAL, card.message)], {NEEDS_IDENTITY: False})
