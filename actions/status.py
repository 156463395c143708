"""Application (and 办不成事 ticket) status, 催办, 社保卡挂失 and unbinding: thin actions over
bot/status/check.py, bot/tickets.py and bot/cards.py."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entity, relay, say
from actions.context import answer_in_context
from actions.tickets import file_ticket
from bot import cards, tickets
from bot.identity.binding import CONSENT, NEEDS_IDENTITY
from bot.portal_client import services as portal_services
from bot.reading import asks_status, read
from bot.status import check as status_check
from bot.ticket_replies import asks_progress, mentions_tickets, progress


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        if mentions_tickets(text):  # "我反映的问题处理得怎么样了": 办不成事 tickets, not applications
            if not asks_progress(text):  # "办不成 系统一直报错" read as a status question
                return file_ticket(dispatcher, tracker)
            say(dispatcher, progress(tickets.of_sender(tracker.sender_id)))
            return [SlotSet(NEEDS_IDENTITY, False)]
        if read(text).asks and not asks_status(text) and not latest_entity(tracker, status_check.APPLICATION_NO):
            # "公示完了过了期限没去申请会咋样" is about the rule, not about an application made
            answered = await answer_in_context(tracker, text)
            say(dispatcher, answered.replies)
            return [*answered.events, SlotSet(NEEDS_IDENTITY, False)]
        turn = await status_check.check_status(
            portal_services.services(),
            tracker.sender_id,
            tracker.get_slot(status_check.APPLICATION_NO),
            consent_given=tracker.get_slot(CONSENT) is True,
        )
        return relay(dispatcher, turn)


class ActionUrgeApplication(Action):
    def name(self) -> str:
        return "action_urge_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await status_check.urge(
            portal_services.services(),
            tracker.sender_id,
            tracker.get_slot(status_check.APPLICATION_NO),
            consent_given=tracker.get_slot(CONSENT) is True,
        )
        return relay(dispatcher, turn)


class ActionUnbindIdentity(Action):
    def name(self) -> str:
        return "action_unbind_identity"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return relay(dispatcher, await status_check.unbind(portal_services.services(), tracker.sender_id))


class ActionReportCardLost(Action):
    """挂失 (临时 or 正式) or 解挂 of the citizen's own social security card, from its buttons."""

    def name(self) -> str:
        return "action_report_card_lost"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kind = latest_entity(tracker, cards.KIND_ENTITY)
        turn = await cards.act(
            portal_services.services(),
            tracker.sender_id,
            kind if kind in (cards.TEMPORARY, cards.FORMAL, cards.RECOVER) else cards.TEMPORARY,
            consent_given=tracker.get_slot(CONSENT) is True,
        )
        return relay(dispatcher, turn)
