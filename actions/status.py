"""Application status, 催办 and unbinding: thin actions over bot/status/check.py."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import relay
from bot.identity.binding import CONSENT
from bot.portal_client import services as portal_services
from bot.status import check as status_check


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
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
