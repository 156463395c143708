"""rasa-sdk's plugin hook: it imports a top-level package of this name and calls `init_hooks`.

Used for two things: the action server refuses calls without the shared secret
(actions/guard.py), and, when BANSHI_PROFILE_DIR is set, it times its knowledge-base searches
for `bench_load.py --profile` (bot/ops/profiling.py).
"""

from __future__ import annotations

import sys

import pluggy
from sanic import Sanic

hookimpl = pluggy.HookimplMarker("rasa_sdk")


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(sys.modules[__name__])


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    from actions.guard import attach
    from bot.ops.profiling import install_in_action_server

    attach(app)
    install_in_action_server()
