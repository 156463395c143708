"""The widget's socket rooms across Rasa workers (channels/web/channel.py, `SocketRooms`): an
answer still reaches a socket of this worker when Redis does not take the emit (a restart)."""

from __future__ import annotations

import socketio
from aiohttp import web

from bot.ops.processes import free_port
from channels.web.channel import SocketRooms


async def test_an_emit_redis_does_not_take_still_reaches_this_workers_sockets():
    server = socketio.AsyncServer(
        async_mode="aiohttp", client_manager=SocketRooms(f"redis://127.0.0.1:{free_port()}/0")
    )

    @server.on("connect")
    async def connect(sid, _environ, _auth=None):  # noqa: ANN001, ANN202
        server.enter_room(sid, "subject-1")

    @server.on("user_uttered")
    async def answer(_sid, _data):  # noqa: ANN001, ANN202
        await server.emit("bot_uttered", {"text": "答复"}, room="subject-1")

    app = web.Application()
    server.attach(app)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    client = socketio.AsyncClient()
    told = []
    client.on("bot_uttered", told.append)
    try:
        await client.connect(f"http://127.0.0.1:{port}", transports=["polling"])
        await client.emit("user_uttered", {"message": "你好"})
        await client.sleep(1.5)
        assert told == [{"text": "答复"}]
    finally:
        await client.disconnect()
        await runner.cleanup()


async def test_a_custom_payload_reaches_the_widget_as_a_message():
    """Rasa's socket.io output passes a custom payload's keys to `emit` as keyword arguments,
    which raised after the turn's text (the offer of notices, a materials card): ours sends it."""
    from channels.payloads import SentButtons
    from channels.web.channel import WebChatOutput

    class Recorder:
        def __init__(self) -> None:
            self.emitted: list[tuple] = []

        async def emit(self, event, data=None, to=None, room=None, skip_sid=None, namespace=None, callback=None):  # noqa: ANN001, ANN202, PLR0913 - python-socketio's
            self.emitted.append((event, data, room))

    sio = Recorder()
    output = WebChatOutput(sio, "bot_uttered", SentButtons.__new__(SentButtons), reply_to="m1")
    card = {"materials_card": {"items": ["店招效果图", "排水水质检测报告"]}}
    await output.send_custom_json("subject-1", card)
    assert sio.emitted == [("bot_uttered", {**card, "reply_to": "m1"}, "subject-1")]
    assert output.said == [{**card, "reply_to": "m1"}]
