"""What a citizen hears when the action server cannot answer (issue 17, faults under load).

Rasa 3.6 logs a failed custom action and carries on without its events: the turn ends with no
answer at all, on every channel (measured by scripts/bench_faults.py, killing the action
server under load: REST answered `[]`, WeChat waited for a reply that never came). Here the
failed call becomes an apology that asks the citizen to send the message again, and the turn
ends there (listening), so a form does not try its next custom action and apologise twice.

Only an unreachable or failing action server is answered this way; a rejected action (a form's
validation saying no) keeps Rasa's own handling. Installed by `bot/ops/rasa_server.py`.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.settings import settings

log = logging.getLogger(__name__)

BUSY = "系统繁忙"
"""How every apology of the assistant for a server that did not answer begins (the portal's in
bot/*/words.py too): a citizen, or the fault benchmark, reads it as "send it again later"."""
"""The apology for a message the assistant could not process: an action server that did not
answer, or (on the web widget) a dialogue that failed before answering."""
NOT_PROCESSED = (
    f"{BUSY}，您刚才这句话没能处理，请稍等片刻再发一次；着急的话也可以拨打{settings.hotline}政务服务便民热线。"
)


def install() -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import BotUttered, FollowupAction
    from rasa.shared.exceptions import RasaException

    run = RemoteAction.run

    async def run_or_apologise(self: RemoteAction, *args: Any, **kwargs: Any) -> list[Any]:  # noqa: ANN401
        try:
            return await run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except RasaException as error:
            log.error("custom action %s failed, the citizen is asked to resend: %s", self.name(), error)
            return [BotUttered(NOT_PROCESSED), FollowupAction(ACTION_LISTEN_NAME)]

    RemoteAction.run = run_or_apologise
