"""The web chat page and the socket.io protocol it speaks to Rasa."""
from __future__ import annotations

import httpx
import socketio


def test_page_is_served_with_the_rasa_address(stack):
    page = httpx.get(stack.console_url + "/", timeout=10)
    assert page.status_code == 200
    assert "示例市政务服务助手" in page.text and stack.rasa_url.split(":")[-1] in page.text
    assert httpx.get(stack.console_url + "/vendor/socket.io.min.js", timeout=10).status_code == 200
    assert httpx.get(stack.console_url + "/static/chat.js", timeout=10).status_code == 200


def test_socketio_round_trip_with_session_persistence(stack):
    with socketio.SimpleClient() as client:
        client.connect(stack.rasa_url, transports=["websocket"])
        client.emit("session_request", {"session_id": None})
        event, session_id = client.receive(timeout=30)
        assert event == "session_confirm"
        client.emit("user_uttered", {"message": "你好", "session_id": session_id})
        replies = []
        while len(replies) < 3:
            event, data = client.receive(timeout=60)
            if event == "bot_uttered":
                replies.append(data)
        assert any(data.get("quick_replies") for data in replies)
