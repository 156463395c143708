"""The supervisors' dashboard in figures: plain functions over a period of China dates, so that
the console's route, a report script and the tests read the same numbers.

Two kinds of figure, on purpose:
- **the state now**, whatever the period: who is waiting for a human and for how long, which
  办不成事 tickets and 差评 follow-ups are past their deadline. A late ticket made last month
  must not vanish from the supervisor's view because the filter says "last 7 days";
- **what happened in the period**, counted by the China date a thing was made on: 转人工
  requests and their times against the targets, tickets by category and on-time shares,
  ratings by level and the reasons of the bad ones, and the service items and questions that
  most often ended in 转人工.

Targets. Tickets and rating follow-ups carry their own deadlines (knowledge/general.md, set when
they are made). A 转人工 request has two configurable targets, an agent's first words and the
request's closing (BANSHI_HANDOFF_FIRST_REPLY_MINUTES / _RESOLVE_MINUTES), counted from when the
human service opens (BANSHI_HUMAN_HOURS): a request made on Saturday night is not "late" before
Monday morning. A share within a target counts what was done (on time or late) and what is
still undone past its deadline — a request nobody answered is a miss, not a gap in the data.
Requests closed without an agent's words (the citizen had gone, or handed straight back) are
left out of the first-response figure; those closed as 群众未回复 out of the resolution figure.

The transcripts are stored masked (bot/handoff.py), so the questions shown are masked too.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from bot.catalogue import load_catalogue
from bot.db import as_utc, session_factory
from bot.handoff import OUTCOMES, HandoffRequest
from bot.handoff import REASONS as REASON_NAMES
from bot.language.text import normalize
from bot.periods import MAX_DAYS, Period, PeriodError  # noqa: F401 - the dashboard's period
from bot.ratings import BAD, FOLLOW_UPS, LEVELS, REASONS, TARGETS, Rating
from bot.service_hours import ServiceHours, service_hours
from bot.settings import settings
from bot.tickets import CATEGORIES, KINDS, STATUSES, WorkTicket
from bot.working_days import CHINA

TOP = 10
"""How many service items and questions the "most often ended in 转人工" lists keep."""

RESOLVED = ("resolved", "returned")
"""Outcomes that count as the request dealt with (the resolution figure)."""
NO_ITEM = "未识别事项"
OPEN_TICKET = ("registered", "contacted")
LATE_TICKET = {"contact": "联系超时", "solution": "办理超时", "final": "超过最长时限"}

_ASKED_FOR_HUMAN = re.compile(
    r"(转|找|接|要|换|叫|安排|需要|让)个?(人工|真人|活人|客服|坐席|工作人员)|^人工|人工(客服|服务|坐席)?$"
    r"|(不想|不要|别让).{0,4}机器人|人呢|没人理"
)
"""A line that only asks for a person ("帮我转人工客服", "我不想跟机器人聊"), not a question."""
_NOT_IN_KEY = re.compile(r"[\s，。？！、；：,.?!;:~～…·“”\"'（）()]+")


def china_date(moment: datetime) -> date:
    return as_utc(moment).astimezone(CHINA).date()


@dataclass(frozen=True)
class Targets:
    """The 转人工 targets (the tickets' and follow-ups' deadlines are stored with them)."""

    first_reply: timedelta
    resolve: timedelta

    @classmethod
    def from_settings(cls) -> Targets:
        return cls(
            timedelta(minutes=settings.handoff_first_reply_minutes), timedelta(minutes=settings.handoff_resolve_minutes)
        )


# ---- small pieces every figure uses ----


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (p50: fraction 0.5): always a value that occurred."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class Share:
    met: int
    counted: int

    def as_json(self) -> dict:
        rate = round(self.met / self.counted, 3) if self.counted else None
        return {"met": self.met, "counted": self.counted, "rate": rate}


def on_time(deadlines: Iterable[tuple[datetime | None, datetime]], now: datetime) -> Share:
    """Of (done at, due) pairs: those done by their deadline, out of those done at all or due
    already. Something not done and not yet due is not counted either way."""
    met = counted = 0
    for done, due in deadlines:
        if done is None and as_utc(due) >= now:
            continue
        counted += 1
        met += done is not None and as_utc(done) <= as_utc(due)
    return Share(met, counted)


def ranked(counts: Counter, names: dict | None = None, limit: int | None = None) -> list[dict]:
    """Counts as [{"name", "count"}], most first (ties in first-seen order)."""
    return [{"name": (names or {}).get(key, key), "count": n} for key, n in counts.most_common(limit)]


Clocked = list[tuple[datetime | None, datetime, datetime]]
"""(done at, due, clock start) of each request a 转人工 figure counts."""


def _timing(clocked: Clocked, now: datetime, target: timedelta) -> dict:
    """p50/p90 of the times taken (from the clock's start; never below zero: an agent may
    answer before the service formally opens) and the share within the target."""
    durations = [max(0.0, (done - start).total_seconds()) for done, _due, start in clocked if done is not None]
    share = on_time(((done, due) for done, due, _start in clocked), now)
    return {
        "target_minutes": target.total_seconds() / 60,
        "p50_seconds": _seconds(percentile(durations, 0.5)),
        "p90_seconds": _seconds(percentile(durations, 0.9)),
        "measured": len(durations),
        "within_target": share.as_json(),
    }


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


# ---- 转人工 ----


def queue_now(now: datetime | None = None, db_url: str | None = None) -> dict:
    """Who is waiting for a human right now, and the longest wait so far."""
    now = now or datetime.now(timezone.utc)
    with session_factory(db_url)() as session:
        rows = session.execute(
            select(HandoffRequest.status, HandoffRequest.created_at).where(HandoffRequest.status != "closed")
        ).all()
    waiting = [as_utc(created) for status, created in rows if status == "open"]
    return {
        "open": len(waiting),
        "claimed": sum(1 for status, _ in rows if status == "claimed"),
        "oldest_wait_seconds": int((now - min(waiting)).total_seconds()) if waiting else None,
    }


def question_before_handoff(transcript: list[dict], reason: str) -> str | None:
    """What the citizen last asked before 转人工: their last line in words, not the request for
    a human itself (when that was the reason) nor a button's payload. A complaint or distress
    is its own subject: its last line is what matters."""
    said = [
        (line.get("text") or "").strip()
        for line in transcript or []
        if line.get("who") in ("user", "citizen") and (line.get("text") or "").strip()
    ]
    if reason == "user_request":
        said = said[:-1]  # the words (or the button) that asked for a human
    for text in reversed(said):
        if not text.startswith("/") and not _ASKED_FOR_HUMAN.search(text):
            return text
    return None


def question_key(text: str) -> str:
    """Two questions count as one when they differ only in script, width, case or punctuation."""
    return _NOT_IN_KEY.sub("", normalize(text)).lower()


def top_questions(requests: Iterable[HandoffRequest], limit: int = TOP) -> tuple[list[dict], int]:
    """The questions that most often ended in 转人工 (as first asked), and how many requests had
    none before it (the citizen asked for a human straight away)."""
    counts: Counter = Counter()
    wording: dict[str, str] = {}
    direct = 0
    for request in requests:
        question = question_before_handoff(request.transcript, request.reason)
        if question is None:
            direct += 1
            continue
        key = question_key(question) or question
        wording.setdefault(key, question)
        counts[key] += 1
    return [{"text": wording[key], "count": n} for key, n in counts.most_common(limit)], direct


def top_items(requests: Iterable[HandoffRequest], limit: int = TOP) -> list[dict]:
    """The 一件事 most often handed to a human, by their short names (a chart's axis is narrow)."""
    catalogue = load_catalogue()
    counts = Counter(request.service_item for request in requests)
    return [
        {"code": code, "name": catalogue[code].short_name if code in catalogue else code or NO_ITEM, "count": n}
        for code, n in counts.most_common(limit)
    ]


def _handoffs_in(period: Period, db_url: str | None) -> list[HandoffRequest]:
    query = (
        select(HandoffRequest)
        .where(HandoffRequest.created_at >= period.since, HandoffRequest.created_at < period.until)
        .order_by(HandoffRequest.id)
    )
    with session_factory(db_url)() as session:
        return list(session.scalars(query))


def per_day(period: Period, moments: Iterable[tuple[datetime, str]], names: dict[str, str]) -> dict:
    """Daily counts split by kind, as a chart reads them: {"days": [...], "series": [{name, counts}]}."""
    days = period.days()
    index = {day: n for n, day in enumerate(days)}
    series = {key: [0] * len(days) for key in names}
    for moment, key in moments:
        day = china_date(moment)
        if day in index and key in series:
            series[key][index[day]] += 1
    return {
        "days": [day.isoformat() for day in days],
        "series": [{"key": key, "name": names[key], "counts": counts} for key, counts in series.items()],
    }


def handoff_figures(
    period: Period,
    now: datetime | None = None,
    db_url: str | None = None,
    targets: Targets | None = None,
    hours: ServiceHours | None = None,
) -> dict:
    """转人工 requests made in the period: how many, why, how they ended, how fast an agent first
    wrote and closed them against the targets, and what they were about."""
    now = now or datetime.now(timezone.utc)
    targets = targets or Targets.from_settings()
    hours = hours or service_hours()
    requests = _handoffs_in(period, db_url)
    starts = {request.id: hours.next_opening(as_utc(request.created_at)) for request in requests}
    first, resolve = _first_replies(requests, starts, targets), _resolutions(requests, starts, targets)
    questions, direct = top_questions(requests)
    return {
        "total": len(requests),
        "by_reason": ranked(Counter(r.reason for r in requests), REASON_NAMES),
        "outcomes": ranked(Counter(r.outcome for r in requests if r.outcome), OUTCOMES),
        "per_day": per_day(period, ((r.created_at, r.reason) for r in requests), REASON_NAMES),
        "first_reply": _timing(first, now, targets.first_reply),
        "resolution": _timing(resolve, now, targets.resolve),
        "top_items": top_items(requests),
        "top_questions": questions,
        "asked_straight_away": direct,
    }


def _first_replies(requests: list[HandoffRequest], starts: dict, targets: Targets) -> Clocked:
    """Every request answered, or still waiting for its first words (closed unanswered: left out)."""
    return [
        (as_utc(r.first_reply_at), starts[r.id] + targets.first_reply, starts[r.id])
        for r in requests
        if r.first_reply_at is not None or r.status != "closed"
    ]


def _resolutions(requests: list[HandoffRequest], starts: dict, targets: Targets) -> Clocked:
    """Every request dealt with (resolved, handed back) or not closed yet (群众未回复: left out)."""
    return [
        (as_utc(r.closed_at) if r.outcome in RESOLVED else None, starts[r.id] + targets.resolve, starts[r.id])
        for r in requests
        if r.status != "closed" or r.outcome in RESOLVED
    ]


# ---- 办不成事 ----


def ticket_figures(period: Period, now: datetime | None = None, db_url: str | None = None) -> dict:
    """Tickets made in the period (by category, kind, state, on time), and every ticket still
    open now with the deadlines it has missed."""
    now = now or datetime.now(timezone.utc)
    with session_factory(db_url)() as session:
        made = list(
            session.scalars(
                select(WorkTicket).where(WorkTicket.created_at >= period.since, WorkTicket.created_at < period.until)
            )
        )
        still_open = list(session.scalars(select(WorkTicket).where(WorkTicket.status.in_(OPEN_TICKET))))
    late = [ticket.overdue(now) for ticket in still_open]
    return {
        "total": len(made),
        "by_category": ranked(Counter(t.category for t in made), CATEGORIES),
        "by_kind": ranked(Counter(t.kind for t in made), KINDS),
        "by_status": ranked(Counter(t.status for t in made), STATUSES),
        "contact_on_time": on_time(((t.contacted_at, t.contact_due) for t in made if _was_worked(t)), now).as_json(),
        "solution_on_time": on_time(
            ((t.solved_at if t.status == "solved" else None, t.solution_due) for t in made if t.status != "closed"),
            now,
        ).as_json(),
        "open_now": len(still_open),
        "overdue_now": sum(1 for missed in late if missed),
        "overdue_by_clock": ranked(Counter(name for missed in late for name in missed), LATE_TICKET),
    }


def _was_worked(ticket: WorkTicket) -> bool:
    """A ticket closed without contact (withdrawn, a duplicate) has no contact to time."""
    return ticket.status != "closed" or ticket.contacted_at is not None


# ---- 好差评 ----


def rating_figures(period: Period, now: datetime | None = None, db_url: str | None = None) -> dict:
    """Ratings given in the period (by level, the 满意率, the reasons of the 差评, by what was
    rated), and every 差评 follow-up still open now with those past their deadline."""
    now = now or datetime.now(timezone.utc)
    with session_factory(db_url)() as session:
        made = list(
            session.scalars(select(Rating).where(Rating.created_at >= period.since, Rating.created_at < period.until))
        )
        pending = list(session.scalars(select(Rating).where(Rating.follow_up.in_(("open", "visited")))))
    bad = [r for r in made if r.level <= BAD]
    levels = Counter(r.level for r in made)
    reasons = Counter(reason for r in bad for reason in r.reasons or [])
    return {
        "total": len(made),
        "satisfied": Share(len(made) - len(bad), len(made)).as_json(),
        "bad": len(bad),
        "levels": [{"level": level, "name": name, "count": levels[level]} for level, name in LEVELS.items()],
        "bad_reasons": [{"name": reason, "count": reasons[reason]} for reason in _by_count(reasons, REASONS)],
        "by_target": ranked(Counter(r.target_kind for r in made), TARGETS),
        "visit_on_time": on_time(((r.visited_at, r.visit_due) for r in bad if r.visit_due), now).as_json(),
        "follow_ups_now": ranked(Counter(r.follow_up for r in pending), FOLLOW_UPS),
        "follow_ups_open": len(pending),
        "follow_ups_overdue": sum(1 for r in pending if r.overdue(now)),
    }


def _by_count(counts: Counter, known: Sequence[str]) -> list[str]:
    """Every known tag, most used first (unused ones too, so the chart's axis stays the same),
    then any tag the list does not know."""
    tags = list(known) + [tag for tag in counts if tag not in known]
    return sorted(tags, key=lambda tag: -counts[tag])


# ---- all together ----


def dashboard(
    period: Period,
    now: datetime | None = None,
    db_url: str | None = None,
    targets: Targets | None = None,
    hours: ServiceHours | None = None,
) -> dict:
    """Everything the dashboard shows, in one JSON-ready answer."""
    now = now or datetime.now(timezone.utc)
    return {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "generated_at": now.isoformat(),
        "queue": queue_now(now, db_url),
        "handoffs": handoff_figures(period, now, db_url, targets, hours),
        "tickets": ticket_figures(period, now, db_url),
        "ratings": rating_figures(period, now, db_url),
    }
