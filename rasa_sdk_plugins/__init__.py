"""rasa-sdk's plugin hook: it imports a top-level package of this name and calls `init_hooks`.

Used for three things: the action server refuses calls without the shared secret
(actions/guard.py); it answers `GET /ready` with 503 until the knowledge base's model and index
are loaded, 200 after (load balancers and Kubernetes' readiness probe send it work only then;
`/health` says only that the process answers); and, when BANSHI_PROFILE_DIR is set, it times its
knowledge-base searches for `bench_load.py --profile` (bot/ops/profiling.py).
"""

from __future__ import annotations

import sys

import pluggy
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

hookimpl = pluggy.HookimplMarker("rasa_sdk")


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(sys.modules[__name__])


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    from actions.guard import attach
    from bot.ops.profiling import install_in_action_server

    attach(app)
    install_in_action_server()
    app.add_route(_ready, "/ready", methods=["GET"])
    app.register_listener(_warm_up, "before_server_start")


async def _warm_up(_app: Sanic, _loop: object) -> None:
    from actions.knowledge import start_warm_up

    start_warm_up()


async def _ready(_request: Request) -> HTTPResponse:
    from actions.knowledge import is_ready

    ready = is_ready()
    return json({"status": "ready" if ready else "warming up"}, status=200 if ready else 503)
