"""The few calls of Rasa's HTTP API the staff web app makes on a citizen's conversation: read it,
pause or resume it, and say an agent's words on the citizen's own channel; and, for agent assist,
the NLU alone on what a caller said (no conversation). Every call carries the API token
(data/secrets/rasa_token); the server listens on loopback only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from bot.settings import secret, settings


class RasaAPI:
    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 30.0) -> None:
        self.url = (url or settings.rasa_url).rstrip("/")
        self._token = token or secret("rasa_token")
        self._client = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {"token": self._token, **kwargs.pop("params", {})}
        answer = await self._client.request(method, self.url + path, params=params, **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def _conversation(self, sender_id: str) -> str:
        return f"/conversations/{quote(sender_id, safe=':@')}"

    async def parse(self, text: str) -> dict:
        """The NLU's reading of `text` (intent, ranking, entities) without touching any
        conversation: a caller's words on the phone are nobody's chat."""
        return await self._call("POST", "/model/parse", json={"text": text})

    async def tracker(self, sender_id: str) -> dict:
        return await self._call("GET", self._conversation(sender_id) + "/tracker")

    async def append(self, sender_id: str, events: list[dict]) -> None:
        await self._call("POST", self._conversation(sender_id) + "/tracker/events", json=events)

    async def pause(self, sender_id: str) -> None:
        await self.append(sender_id, [{"event": "pause"}])

    async def resume(self, sender_id: str) -> None:
        await self.append(sender_id, [{"event": "resume"}])

    async def say(self, sender_id: str, text: str) -> list[dict]:
        """An agent's words, said by `action_relay_agent_message` on the channel the citizen
        last wrote on (their widget, WeChat…); what Rasa answers with the messages it sent."""
        return await self.run(sender_id, "action_relay_agent_message", {"agent_message": text})

    async def offer_rating(self, sender_id: str, target: str) -> list[dict]:
        """`action_offer_rating` on the citizen's channel: the 好差评 offer for `target` (with
        what happened first, for a solved ticket or a rectified 差评)."""
        return await self.run(sender_id, "action_offer_rating", {"rating_target": target})

    async def run(self, sender_id: str, action: str, slots: dict[str, Any]) -> list[dict]:
        """Sets `slots`, runs `action` with its messages sent on the channel the citizen last
        wrote on, and ends the turn; returns the messages sent."""
        await self.append(sender_id, [{"event": "slot", "name": name, "value": value} for name, value in slots.items()])
        answer = await self._call(
            "POST",
            self._conversation(sender_id) + "/execute",
            params={"output_channel": "latest"},
            json={"name": action},
        )
        # a turn ends by listening: without it the policies would read the citizen's next
        # message as part of this (unseen) turn and fall back
        await self.append(sender_id, [{"event": "action", "name": "action_listen"}])
        return (answer or {}).get("messages") or []
