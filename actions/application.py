"""Guided applications: thin actions over bot/applications/flow.py, which decides what each
answer means, keeps the draft in the portal and words every reply."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entity, latest_intent, relay, say, typed_button, typed_values_only
from actions.context import answer_in_context
from actions.handoff import hand_off, in_danger
from actions.knowledge import knowledge_replies
from bot import uploads
from bot.applications import flow as application_flow
from bot.applications import supplements, words
from bot.applications.state import ANSWER, SLOT
from bot.catalogue import code_for_intent
from bot.dialogue import Reply
from bot.portal_client import services as portal_services


class ActionStartApplication(Action):
    """开始办理 / 继续办理: starts the item in `service_item` or picks up a saved draft."""

    def name(self) -> str:
        return "action_start_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        services = portal_services.services()
        intent = latest_intent(tracker)
        code = code_for_intent(intent) or tracker.get_slot("service_item")
        if intent == "resume_application":
            turn = await application_flow.resume(services, tracker.sender_id, code, tracker.get_slot(SLOT))
        else:
            turn = await application_flow.start(
                services,
                tracker.sender_id,
                code,
                tracker.get_slot(SLOT),
                consent_given=latest_entity(tracker, "prefill_consent") == "yes" or _typed_consent(tracker),
            )
        return relay(dispatcher, turn)


def _typed_consent(tracker: Tracker) -> bool:
    """Typed, "同意" for the button "同意调取，开始办理" gives the consent the button gives."""
    button = typed_button(tracker)
    return button is not None and '"prefill_consent":"yes"' in str(button.get("payload", ""))


class ValidateApplicationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_application_form"

    @typed_values_only
    async def validate_form_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or str(value or "")
        if latest_intent(tracker) == uploads.INTENT:
            refs = uploads.parse_refs(latest_entity(tracker, uploads.REF_ENTITY))
            turn = await application_flow.receive_files(
                portal_services.services(),
                tracker.sender_id,
                tracker.get_slot(SLOT),
                refs,
                latest_entity(tracker, "material"),
                uploads.parse_materials(latest_entity(tracker, uploads.MATERIALS_ENTITY), refs),
            )
            say(dispatcher, turn.replies)
            return turn.slots
        if in_danger(tracker):
            hand_off(dispatcher, tracker, "distress")  # safety first; the draft stays as it is
            return {ANSWER: None}
        if application_flow.reads_as_question(tracker.get_slot(SLOT), text):
            if application_flow.not_known(text):
                say(dispatcher, Reply(words.NOT_SURE))
            say(dispatcher, await knowledge_replies(tracker, text))
            return {ANSWER: None}
        if application_flow.explains_instead(tracker.get_slot(SLOT), text):
            answered = await answer_in_context(tracker, text)
            if answered.answered:
                say(dispatcher, answered.replies)
                return {ANSWER: None}
        turn = await application_flow.answer(
            portal_services.services(),
            tracker.sender_id,
            tracker.get_slot(SLOT),
            text,
            latest_intent(tracker),
        )
        say(dispatcher, turn.replies)
        return turn.slots


class ActionAskFormAnswer(Action):
    """The form's question: the current step's, from the item's form file."""

    def name(self) -> str:
        return "action_ask_form_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await application_flow.question(portal_services.services(), tracker.sender_id, tracker.get_slot(SLOT))
        return relay(dispatcher, turn)


class ActionFinishApplication(Action):
    def name(self) -> str:
        return "action_finish_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await application_flow.finish(portal_services.services(), tracker.sender_id, tracker.get_slot(SLOT))
        return relay(dispatcher, turn)


class ActionReceiveMaterial(Action):
    """Files sent outside the application form: a 补正 or a promised 容缺 material for an
    application in hand, handed in to the department; otherwise where to start."""

    def name(self) -> str:
        return "action_receive_material"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        refs = uploads.parse_refs(latest_entity(tracker, uploads.REF_ENTITY))
        turn = await supplements.receive(
            portal_services.services(), tracker.sender_id, refs, latest_entity(tracker, "material")
        )
        return relay(dispatcher, turn)
