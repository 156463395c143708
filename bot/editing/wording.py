"""The bot's own words (greeting, menu, fallback, handoff and out-of-hours messages…) as the
editors change them: the same draft → review → publish as the guides (`bot.editing.revisions`,
kind WORDING, target = the reply's key), with checks a reviewer can trust.

What each editable reply is, and how the published wording is said, is `bot.wording` (both
runtimes read it). Here: its default as a template (read from `domain.yml` or the code's
constant, the configured hotline and hours turned back into `{hotline}` and `{hours}`, so an
editor starts from the words citizens read today), the checks (placeholders, braces, length,
no markup), the preview, and publishing: the `bot_wording` row written in the revision's own
transaction, version + 1. Publishing the default wording again removes the row, so the reply is
once more exactly what domain.yml says (with its variations) or what the code says.
"""

from __future__ import annotations

import importlib
import re
from datetime import datetime, timezone
from functools import lru_cache

import yaml
from sqlalchemy import DateTime, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot import wording as live
from bot.db import Base, as_utc
from bot.editing import revisions
from bot.editing.diff import line_diff, summary
from bot.editing.revisions import PUBLISHED, WORDING, ContentRevision, Published, RevisionError
from bot.settings import settings
from bot.staff.accounts import StaffUser
from bot.wording import PLACEHOLDER, REPLIES, EditableReply, fill, fixed_values

MAX_CHARS = 1000
"""A reply longer than this is a document, not a chat message (WeChat cuts at about 2,000 bytes)."""
_BRACES = re.compile(r"[{}｛｝]")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]|javascript\s*:|&#?[a-zA-Z0-9]+;", re.IGNORECASE)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class BotWording(Base):
    __tablename__ = "bot_wording"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    published_by: Mapped[str] = mapped_column(String(32))
    revision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


def reply(key: str) -> EditableReply:
    found = REPLIES.get(key)
    if found is None:
        raise RevisionError("not_found", "没有这段话术。")
    return found


@lru_cache(maxsize=1)
def _domain_responses() -> dict[str, list[dict]]:
    domain = yaml.safe_load((settings.project_root / "domain.yml").read_text(encoding="utf-8"))
    return domain.get("responses") or {}


def domain_variations(key: str) -> list[dict]:
    """The response's variations in domain.yml (with their channels and conditions)."""
    return list(_domain_responses().get(key) or [])


def _as_template(text: str, allowed: tuple[str, ...]) -> str:
    """The configured hotline and hours in a default's text, as the placeholders they came from."""
    for name, value in fixed_values().items():
        if name in allowed and value:
            text = text.replace(value, "{" + name + "}")
    return text


def default_text(key: str) -> str:
    """The reply's wording when nobody edited it, as a template: the first plain variation of
    a domain response (one without channel or condition), else the code's constant."""
    entry = reply(key)
    if entry.in_domain:
        variations = domain_variations(key)
        plain = [v for v in variations if not v.get("channel") and not v.get("condition")]
        text = str((plain or variations or [{}])[0].get("text") or "")
    else:
        module, _, path = entry.source.partition(":")
        value: object = importlib.import_module(module)
        for attribute in path.split("."):
            value = getattr(value, attribute)
        text = str(value)
    return _as_template(text, entry.allowed)


def current(key: str) -> str:
    """The wording citizens read now (as this process last read it, at most two seconds ago)."""
    edited = live.published(reply(key).key)
    return default_text(key) if edited is None else edited


# ----------------------------------------------------------------- checks


def problems(key: str, text: str) -> list[str]:
    """What stops this wording from going live, in the editor's words; none when it may."""
    entry = reply(key)
    meanings = live.placeholders()
    found: list[str] = []
    if not text.strip():
        return ["话术不能为空。"]
    if len(text) > MAX_CHARS:
        found.append(f"话术太长（{len(text)} 字），请控制在 {MAX_CHARS} 字以内。")
    if _MARKUP.search(text):
        found.append("话术里不能有网页代码（如 <a>、<script>、&nbsp;），请只写文字。")
    used = PLACEHOLDER.findall(text)
    if _BRACES.search(PLACEHOLDER.sub("", text)):
        found.append("花括号不成对，或用了全角花括号：占位符要写成 {hotline} 这样，花括号里只写占位符的名字。")
    unknown = [name for name in dict.fromkeys(used) if name not in entry.allowed]
    if unknown:
        offered = "、".join(f"{{{name}}}（{meanings[name].meaning}）" for name in entry.allowed)
        found.append(f"不认识占位符 {'、'.join('{' + n + '}' for n in unknown)}。这段话术可用的占位符有：{offered}。")
    for name in entry.required:
        if name not in used:
            found.append(f"请保留占位符 {{{name}}}（{meanings[name].meaning}），群众需要看到它。")
    return found


def notes(key: str, text: str) -> list[str]:
    """What a reviewer should notice but may accept: a placeholder of the default left out."""
    dropped = [n for n in dict.fromkeys(PLACEHOLDER.findall(default_text(key))) if n not in PLACEHOLDER.findall(text)]
    meanings = live.placeholders()
    return [f"原话术里的 {{{name}}}（{meanings[name].meaning}）在新话术里没有了。" for name in dropped]


def check(_session: Session, revision: ContentRevision) -> list[dict]:
    """The findings shown to the reviewer; problems block submission."""
    return [
        *({"code": "wording", "message": m, "blocking": True} for m in problems(revision.target, revision.body)),
        *({"code": "wording_note", "message": m, "blocking": False} for m in notes(revision.target, revision.body)),
    ]


def preview(key: str, text: str) -> dict:
    """The wording as a citizen would read it (placeholders filled with examples), and its checks."""
    samples = {name: p.sample for name, p in live.placeholders().items()}
    return {"text": fill(text, samples), "problems": problems(key, text), "notes": notes(key, text)}


# ----------------------------------------------------------------- publishing


def _last_version(session: Session, key: str) -> int:
    row = session.get(BotWording, key)
    if row is not None:
        return row.version
    return (
        session.scalar(
            select(func.max(ContentRevision.published_version)).where(
                ContentRevision.kind == WORDING, ContentRevision.target == key
            )
        )
        or 0
    )


def publish(session: Session, revision: ContentRevision, actor: str) -> Published:
    """Makes the revision's wording the one said, in the revision's transaction; every process
    says it within `bot.wording.TTL_SECONDS`."""
    key = revision.target
    found = problems(key, revision.body)
    if found:
        raise RevisionError("invalid", "这段话术不能发布：" + "".join(found))
    version = _last_version(session, key)
    if revision.base_version is not None and revision.base_version != version:
        raise RevisionError("moved", "这段话术在您起草之后已经发布过新的版本，请撤回这份修改，重新打开后再改。")
    row = session.get(BotWording, key)
    before = row.text if row is not None else default_text(key)
    if revision.body == default_text(key):
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(
            BotWording(key=key, text=revision.body, version=version + 1, published_by=actor, revision_id=revision.id)
        )
    else:
        row.text, row.version, row.published_at = revision.body, version + 1, _now()
        row.published_by, row.revision_id = actor, revision.id
    session.flush()
    live.LIVE.forget()
    return Published(version + 1, revision.body != before)


def register() -> None:
    """The wording's publisher and checks in the review workflow (once per process that publishes)."""
    revisions.register(WORDING, publish, check)


def save_draft(session: Session, user: StaffUser, key: str, text: str, note: str | None = None) -> ContentRevision:
    """The editor's draft of a reply: the open revision, created or overwritten."""
    entry = reply(key)
    return revisions.save_draft(
        session, user, WORDING, key, entry.name, text, base_version=_last_version(session, key), note=note
    )


# ----------------------------------------------------------------- the editors' page


def _placeholders_json(entry: EditableReply) -> list[dict]:
    meanings = live.placeholders()
    return [
        {
            "name": name,
            "meaning": meanings[name].meaning,
            "sample": meanings[name].sample,
            "required": name in entry.required,
        }
        for name in entry.allowed
    ]


def _summary(entry: EditableReply, row: BotWording | None, revision: ContentRevision | None) -> dict:
    default = default_text(entry.key)
    return {
        "key": entry.key,
        "name": entry.name,
        "where": entry.where,
        "source": "domain.yml" if entry.in_domain else entry.source.partition(":")[0].replace(".", "/") + ".py",
        "variations": len(domain_variations(entry.key)) if entry.in_domain else 1,
        "default": default,
        "current": row.text if row is not None else default,
        "edited": row is not None,
        "version": row.version if row is not None else None,
        "published_at": as_utc(row.published_at).isoformat() if row is not None else None,
        "published_by": row.published_by if row is not None else None,
        "placeholders": _placeholders_json(entry),
        "revision": revision.as_json() if revision is not None else None,
    }


def overview(session: Session) -> list[dict]:
    """Every editable reply with its default, what is said now and its open revision."""
    rows = {row.key: row for row in session.scalars(select(BotWording))}
    open_ones = {
        r.target: r
        for r in session.scalars(
            select(ContentRevision).where(ContentRevision.kind == WORDING, ContentRevision.status.in_(revisions.OPEN))
        )
    }
    return [_summary(entry, rows.get(key), open_ones.get(key)) for key, entry in REPLIES.items()]


def detail(session: Session, key: str) -> dict:
    """One reply for the editor and the reviewer: its open revision's text and how it differs
    from what citizens read now, and its published history."""
    entry = reply(key)
    row = session.get(BotWording, key)
    revision = revisions.open_revision(session, WORDING, key)
    out = _summary(entry, row, revision)
    if revision is not None:
        rows = line_diff(out["current"], revision.body)
        out["revision"] = revision.as_json(with_body=True)
        out["diff"] = {"lines": rows, "summary": summary(rows)}
        out["preview"] = preview(key, revision.body)
    history = revisions.listing(session, WORDING, PUBLISHED, key, limit=20)
    out["history"] = [r.as_json(with_body=True) for r in history]
    return out
