"""Rasa's responses with the editors' wording: `nlg: type: bot.nlg.EditedWordingNLG` in the
endpoints (written by `bot/ops/processes.py`). Runs inside the Rasa server (3.10 runtime).

Rasa's NLG *server* endpoint would take over every response; this class is Rasa's own
templated generator (domain.yml: variations, channels, conditions, buttons, slots filled) that
only swaps the text of an editable reply (`bot.wording.REPLIES`) for its published wording.
Rasa 3.6 builds it from the endpoint's `type` with `(endpoint_config=…, domain=…)` and, being a
`TemplatedNaturalLanguageGenerator`, hands it the model's responses when the model loads.

An edit replaces the text of whichever variation Rasa picks (a channel's or a condition's
included), keeping its buttons, image and custom payload: the editors wrote one wording, and
citizens read it on every channel. A variation with no text is left as it is. `{hotline}` and
`{hours}` are filled from the settings, then the slots as Rasa always does.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import wording

EDITABLE = frozenset(key for key, reply in wording.REPLIES.items() if reply.in_domain)


class EditedWordingNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__(domain.responses if domain else {})
        self.endpoint_config = endpoint_config

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        if utter_action in EDITABLE and wording.LIVE.stale():
            await asyncio.to_thread(wording.LIVE.refresh)  # a database read stays off the event loop
        return self.generate_from_slots(utter_action, tracker.current_slot_values(), output_channel, **kwargs)

    def generate_from_slots(
        self, utter_action: str, filled_slots: dict[str, Any], output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        edited = wording.LIVE.cached(utter_action) if utter_action in EDITABLE else None
        if edited is None:
            return super().generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
        response = copy.deepcopy(self._random_response_for(utter_action, output_channel, filled_slots))
        if response is None:
            return None
        if response.get("text") is not None:
            response["text"] = wording.fill(edited)
        return self._fill_response(response, filled_slots, **kwargs)
