"""The identity-binding form: thin actions over bot/identity/binding.py (what is asked, in which words,
and what the portal says) and bot/status/check.py (what happens once it is done)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import relay, say, typed_values_only
from bot.applications import state as application_state
from bot.dialogue import Reply
from bot.identity import binding
from bot.identity import words as binding_replies
from bot.portal_client import services as portal_services
from bot.status import check as status_check


class ValidateIdentityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_identity_form"

    @typed_values_only
    async def validate_binding_uscc(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        values, replies = binding.validate_uscc(str(value or ""))
        say(dispatcher, replies)
        return values

    @typed_values_only
    async def validate_binding_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        values, replies = binding.consent_answer(value)
        say(dispatcher, replies)
        return values

    @typed_values_only
    async def validate_binding_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        values, replies = binding.validate_name(str(value or ""))
        say(dispatcher, replies)
        return values

    @typed_values_only
    async def validate_binding_id_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        values, replies = binding.validate_id_number(str(value or ""))
        say(dispatcher, replies)
        return values

    @typed_values_only
    async def validate_binding_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        turn = await binding.verify_code(
            portal_services.services(),
            tracker.sender_id,
            tracker.get_latest_input_channel(),
            tracker.get_slot(binding.BINDING_ID),
            str(value or ""),
            tracker.get_slot(binding.PURPOSE),
            tracker.get_slot(binding.SUBJECT),
        )
        say(dispatcher, turn.replies)
        return turn.slots


class ActionAskBindingConsent(Action):
    """The consent question names the purpose the binding is for (status, 催办 …)."""

    def name(self) -> str:
        return "action_ask_binding_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        say(
            dispatcher,
            binding_replies.consent_request(tracker.get_slot(binding.PURPOSE), tracker.get_slot(binding.SUBJECT)),
        )
        return []


class ActionAskBindingCode(Action):
    """Sends the SMS code (through the portal) the first time the code is asked for."""

    def name(self) -> str:
        return "action_ask_binding_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(binding.BINDING_ID):
            say(dispatcher, Reply(binding_replies.ASK_CODE))
            return []
        turn = await binding.send_code(
            portal_services.services(),
            tracker.sender_id,
            tracker.get_latest_input_channel(),
            tracker.get_slot(binding.NAME) or "",
            tracker.get_slot(binding.ID_NUMBER) or "",
            tracker.get_slot(binding.PURPOSE),
            tracker.get_slot(binding.USCC),
        )
        return relay(dispatcher, turn)


class ActionContinueAfterBinding(Action):
    def name(self) -> str:
        return "action_continue_after_binding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await status_check.after_binding(
            portal_services.services(),
            tracker.sender_id,
            tracker.get_slot(binding.PURPOSE),
            tracker.get_slot(status_check.APPLICATION_NO),
            tracker.get_slot(binding.CONSENT),
            tracker.get_slot(application_state.SLOT),
        )
        return relay(dispatcher, turn)


class ActionCancelBinding(Action):
    def name(self) -> str:
        return "action_cancel_binding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return relay(dispatcher, binding.cancelled())
