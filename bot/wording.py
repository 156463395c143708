"""The bot's own replies that editors may reword (工作台 → 机器人话术), and the wording they
published, as every process reads it.

A reply's wording is a template: `{hotline}`, `{ticket}`… stand for what the code fills in. With
no published edit the bot says what `domain.yml` or the Python constant says (`REPLIES` names
where each one's default lives); with one, it says the edit, read from the `bot_wording` table
at most every `TTL_SECONDS`, so a publication reaches every process within seconds, with no
retrain and no restart. Reading never breaks a reply: if the database cannot be read, the last
wording read (or the default) is said.

This module runs in both runtimes — the Rasa server (Python 3.10, SQLAlchemy 1.4: its NLG in
`bot/nlg.py` serves the domain's replies) and the services (3.11: the actions say the replies
written in Python, through `said`) — so it reads the table with SQLAlchemy Core only and
imports nothing either runtime lacks. The table lives beside the revisions that publish it, in
the knowledge base's database (BANSHI_KB_DB_URL, by default the services database). How a
reply is edited, checked, reviewed and published is `bot.editing.wording`.

To make one more reply editable: keep its default where it is (a response in `domain.yml`, or a
constant, a template if it has values, in the code), add it to `REPLIES` with the placeholders
its code fills, and say it through `said(key, default, **values)` (a domain response needs
nothing more: the NLG serves it). `tests/unit/test_wording.py` checks that every default is
found and passes its own checks.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.knowledge.config import KnowledgeSettings
from bot.settings import settings

log = logging.getLogger(__name__)

TTL_SECONDS = 2.0
"""How stale a process's copy of the published wording may be."""
RETRY_SECONDS = 15.0
"""After a failed read, how long the last wording read is kept before trying again."""
DOMAIN = "domain"
"""The `source` of a reply whose default is the response of that name in domain.yml."""
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Placeholder:
    name: str
    meaning: str
    """What it stands for, as the editors' page says it."""
    sample: str
    """What the preview shows in its place (the configured value, for the settings' ones)."""


def placeholders() -> dict[str, Placeholder]:
    """Every placeholder a reply may use; the settings' ones with their configured values."""
    return {
        p.name: p
        for p in (
            Placeholder("hotline", "政务服务便民热线号码", settings.hotline),
            Placeholder("hours", "人工服务时间", settings.human_hours),
            Placeholder("ticket", "转人工登记号", "RG202612050003"),
            Placeholder("queue", "排队情况（如“您前面还有2位在等待，”或“您是下一位，”）", "您前面还有2位在等待，"),
            Placeholder("when", "工作人员最早接待的时间", "明天9:00"),
            Placeholder("name", "接入的工作人员（如“（工号 wang.fang）”）", "（工号 wang.fang）"),
            Placeholder("data", "经同意后调取的数据项", "姓名、身份证号码、户籍地址"),
            Placeholder("item", "要办理的事项名称", "新生儿出生一件事"),
        )
    }


def fixed_values() -> dict[str, str]:
    """The placeholders every reply may use, filled from the settings wherever it is said."""
    return {"hotline": settings.hotline, "hours": settings.human_hours}


@dataclass(frozen=True)
class EditableReply:
    key: str
    """The response's name for a domain reply (utter_…), else a short name of our own."""
    name: str
    where: str
    """When citizens read it."""
    source: str
    """DOMAIN, or "module:ATTRIBUTE[.attribute]" naming the constant that holds the default."""
    placeholders: tuple[str, ...] = ()
    """Those the code fills besides `fixed_values` (always allowed)."""
    required: tuple[str, ...] = ()
    """Those the reply must keep: without them it would not say what the citizen needs."""

    @property
    def in_domain(self) -> bool:
        return self.source == DOMAIN

    @property
    def allowed(self) -> tuple[str, ...]:
        return (*fixed_values(), *self.placeholders)


REPLIES: dict[str, EditableReply] = {
    r.key: r
    for r in (
        EditableReply(
            "greeting", "问候语（服务菜单开头）", "群众打招呼或说“你好”时，服务菜单前的第一句", "bot.words:GREETING"
        ),
        EditableReply("capabilities", "能力介绍", "群众问“你能做什么”时，服务菜单前的介绍", "bot.words:CAPABILITIES"),
        EditableReply("which_item", "请选择事项", "没听出要办哪件事时，服务菜单前的一句", "bot.words:WHICH_ITEM"),
        EditableReply(
            "fallback_ask", "没听懂时（第一次）", "没听懂时，列出可能要办的事请群众选", "bot.words:ASK_AFFIRMATION"
        ),
        EditableReply(
            "fallback_gave_up", "没听懂时（最后）", "仍然没听懂时，给出菜单、转人工和热线", "bot.words:GAVE_UP.text"
        ),
        EditableReply("utter_ask_rephrase", "请换个说法", "一句话没听懂时，请群众换个说法", DOMAIN),
        EditableReply("utter_out_of_scope", "超出服务范围", "群众问的事不在服务范围内时", DOMAIN),
        EditableReply(
            "kb_not_found",
            "知识库找不到答案",
            "办事指南里找不到确切答案时（附“转人工”按钮）",
            "bot.knowledge.words:NOT_IN_KB",
        ),
        EditableReply(
            "handoff_accepted",
            "转人工：已受理（服务时间内）",
            "服务时间内转人工，告诉群众登记号和排队情况",
            "bot.words:HANDOFF_ACCEPTED",
            ("ticket", "queue"),
            ("ticket",),
        ),
        EditableReply(
            "handoff_after_hours",
            "转人工：非服务时间",
            "人工服务时间以外转人工，告诉群众最早何时有人接待",
            "bot.words:HANDOFF_AFTER_HOURS",
            ("ticket", "when"),
            ("ticket", "when"),
        ),
        EditableReply(
            "handoff_failed",
            "转人工：登记失败",
            "转人工或登记办不成事没有成功时",
            "bot.words:HANDOFF_FAILED",
            required=("hotline",),
        ),
        EditableReply(
            "agent_joined",
            "转人工：工作人员接入",
            "工作人员在工作台接入对话时",
            "bot.words:AGENT_JOINED",
            ("name",),
            ("name",),
        ),
        EditableReply(
            "back_to_bot", "转人工：交回智能助手", "工作人员结束服务、交回智能助手时", "bot.words:BACK_TO_BOT"
        ),
        EditableReply(
            "prefill_consent",
            "预填授权说明",
            "在线申请前，请群众同意从政府已有数据中调取信息预填申请表",
            "bot.applications.words:PREFILL_CONSENT",
            ("data", "item"),
            ("data", "item"),
        ),
        EditableReply("utter_inform_id", "提醒勿发证件号", "群众在聊天中直接发送证件号码时", DOMAIN),
        EditableReply("utter_stop_outside_form", "不办了（未在填表时）", "没有在填表时群众说“不办了”", DOMAIN),
        EditableReply("utter_inform_outside_form", "收到信息（未在填表时）", "没有在填表时群众发来一段信息", DOMAIN),
        EditableReply("utter_affirm_ack", "群众说“好的”时", "群众回答“好的”“是的”，但没有待确认的事时", DOMAIN),
        EditableReply("utter_deny_ack", "群众说“不用了”时", "群众回答“不用”“不是”，但没有待确认的事时", DOMAIN),
        EditableReply("utter_thank", "致谢回应", "群众说“谢谢”时", DOMAIN),
        EditableReply("utter_goodbye", "告别语", "群众说“再见”时", DOMAIN),
    )
}


def fill(template: str, values: Mapping[str, Any] | None = None) -> str:
    """The template with its placeholders filled: the settings' ones, then `values` (a
    placeholder with no value is left as written; values are not filled again)."""
    known = fixed_values() | {name: str(value) for name, value in (values or {}).items()}
    return PLACEHOLDER.sub(lambda match: known.get(match.group(1), match.group(0)), template)


class PublishedWording:
    """The `bot_wording` table as one process sees it: the whole table (a few dozen short
    rows) read again when the copy is older than `ttl` seconds, by one thread at a time (the
    others go on with the copy they have)."""

    def __init__(self, db_url: str | None = None, ttl: float = TTL_SECONDS) -> None:
        self.db_url = db_url
        self.ttl = ttl
        self._texts: dict[str, str] = {}
        self._next_read = 0.0
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._engine_url = ""
        self._failing = False

    def stale(self) -> bool:
        return time.monotonic() >= self._next_read

    def refresh(self) -> None:
        """Reads the table if the copy is stale (and no other thread is reading it now)."""
        if not self.stale() or not self._lock.acquire(blocking=False):
            return
        try:
            if self.stale():
                self._read()
        finally:
            self._lock.release()

    def get(self, key: str) -> str | None:
        """The published wording of `key`, None if editors never changed it."""
        self.refresh()
        return self._texts.get(key)

    def cached(self, key: str) -> str | None:
        """The wording as last read, without reading (for a caller on an event loop that has
        refreshed off it)."""
        return self._texts.get(key)

    def forget(self) -> None:
        """Reads again at the next use (tests, and after publishing in this process)."""
        self._next_read = 0.0

    def _read(self) -> None:
        try:
            engine = self._connectable()
            if engine is None:
                self._texts = {}
            else:
                with engine.connect() as connection:
                    rows = connection.execute(text("SELECT key, text FROM bot_wording"))
                    self._texts = {key: body for key, body in rows}
            self._next_read = time.monotonic() + self.ttl
            if self._failing:
                log.info("the published wording is readable again")
            self._failing = False
        except Exception as error:  # a reply is never lost to the database: the last copy stands
            if not self._failing:
                log.warning("the published wording could not be read (%s); the last copy is said", error)
            self._failing = True
            self._next_read = time.monotonic() + RETRY_SECONDS

    def _connectable(self) -> Engine | None:
        """The engine, made on first use; None while a SQLite database does not exist yet (it is
        not created here, but by the services with its schema and its file mode)."""
        url = self.db_url or KnowledgeSettings.from_env().db_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
            return None
        if self._engine is None or self._engine_url != url:
            # a database that does not answer must not hold a reply up for long
            timeout = {"connect_timeout": 3} if url.startswith("postgresql") else {}
            self._engine = create_engine(runtime_url(url), pool_pre_ping=True, connect_args=timeout)
            self._engine_url = url
        return self._engine


def runtime_url(url: str) -> str:
    """The URL with a driver this runtime has: the services name psycopg (3), which the Rasa
    runtime lacks; its psycopg2 reads the same database."""
    if url.startswith("postgresql+psycopg://"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return url.replace("postgresql+psycopg://", "postgresql+psycopg2://", 1)
    return url


LIVE = PublishedWording()
"""This process's copy of the published wording."""


def published(key: str) -> str | None:
    return LIVE.get(key)


def said(key: str, default: str, **values: Any) -> str:
    """What the bot says for the editable reply `key`: its published wording if editors changed
    it, else `default` (the text the code holds), with the placeholders filled."""
    if key not in REPLIES:
        raise KeyError(f"{key} is not an editable reply (bot.wording.REPLIES)")
    edited = published(key)
    return fill(default if edited is None else edited, values)
