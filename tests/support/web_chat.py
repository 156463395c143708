"""A web chat session as the widget opens one: a token from the console, then socket.io to Rasa."""

from __future__ import annotations

import httpx
import socketio


def new_session(console_url: str) -> str:
    answer = httpx.post(console_url + "/chat/session", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def connect(rasa_url: str, token: str | None, origin: str | None = None) -> socketio.SimpleClient:
    """A connected client (raises socketio.exceptions.ConnectionError when the server refuses).

    `origin`: the page a browser would name; without it no Origin is sent, as from a script
    (websocket-client otherwise sends the server's own address as the Origin)."""
    handshake = {"origin": origin} if origin else {"suppress_origin": True}
    client = socketio.SimpleClient(websocket_extra_options=handshake)
    client.connect(rasa_url, transports=["websocket"], auth={"token": token} if token else None)
    return client


def session_id(client: socketio.SimpleClient, asked: str | None = None) -> str:
    """What the server confirms as this connection's sender id (whatever the client asks for)."""
    client.emit("session_request", {"session_id": asked})
    event, confirmed = client.receive(timeout=30)
    assert event == "session_confirm"
    return confirmed


def replies(client: socketio.SimpleClient, at_least: int = 1, timeout: float = 60) -> list[dict]:
    found: list[dict] = []
    while len(found) < at_least:
        event, data = client.receive(timeout=timeout)
        if event == "bot_uttered":
            found.append(data)
    return found
