"""The portal tells the assistant about case changes: a signed webhook retried until it is
taken (each notice exactly once, however often the receiver failed), and a signed feed to poll.
A portal process of its own, whose webhook is a small receiver that fails at first."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot import signed_hooks
from bot.ops.processes import free_port
from tests.portal.conftest import NOTICE_SECRET, demo_people, start_portal, stop_portal
from tests.support.portal_cases import ordinary_deregistration
from tests.support.waiting import until

TERMINAL = ("completed", "partly_completed", "rejected")


class Receiver:
    """Answers 503 to the first `failures` posts, then 200; keeps what it took."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.posts: list[tuple[bool, dict]] = []
        self.taken: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signed = signed_hooks.verify(NOTICE_SECRET, dict(self.headers), body)
                receiver.posts.append((signed, json.loads(body)))
                failing = len(receiver.posts) <= receiver.failures
                if signed and not failing:
                    receiver.taken.extend(json.loads(body)["notices"])
                self.send_response(503 if failing else 200 if signed else 401)
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/portal-notices"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def receiver():
    running = Receiver(failures=3)
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def noticing_portal(tmp_path_factory, receiver):
    work = tmp_path_factory.mktemp("portal-notices")
    env = {"BANSHI_NOTICE_WEBHOOK_URL": receiver.url, "BANSHI_PORTAL_NOTICE_SECONDS": "0.1"}
    process, portal = start_portal(work, f"sqlite:///{work / 'portal.db'}", env_extra=env)
    yield portal
    stop_portal(process)
    portal.client.close()


def _signed_get(portal, target: str, secret: str = NOTICE_SECRET, now: float | None = None) -> httpx.Response:
    headers = signed_hooks.signed_headers(secret, signed_hooks.poll_message(target), now)
    return httpx.get(portal.url + target, headers=headers, timeout=10)


def test_a_correction_and_the_close_reach_the_webhook_once_each_despite_failures(noticing_portal, receiver):
    portal = noticing_portal
    demo = demo_people(portal)
    company = demo["示例市长风贸易有限公司"]
    token = portal.bind_enterprise(company["uscc"], company["rep"], company["rep_id"])
    ref = portal.get("/me", token).json()["subject"]["ref"]
    draft = portal.post(
        "/applications",
        token,
        json={"service_code": "deregistration", "prefill": False, "fields": ordinary_deregistration(company)},
    )
    number = draft.json()["number"]
    portal.supply(number, token)
    portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": uuid.uuid4().hex})
    portal.wait_for(number, token, lambda a: a["status"] == "correction")
    portal.post(f"/applications/{number}/supplements", token, json={"materials": ["清税证明"]})
    portal.wait_for(number, token, lambda a: a["status"] in TERMINAL)

    mine = until(lambda: [n for n in receiver.taken if n["application_no"] == number and n["kind"] == "completed"])
    assert len(mine) == 1 and mine[0]["subject_ref"] == ref and mine[0]["status"] == "已办结"
    # a notice that failed is retried while the ones behind it go on: arrival order may differ
    notices = sorted((n for n in receiver.taken if n["application_no"] == number), key=lambda n: n["id"])
    kinds = [n["kind"] for n in notices]
    correction = next(n for n in notices if n["kind"] == "correction")
    assert "清税证明" in correction["message"] and "税务" in correction["message"], correction
    shown = json.dumps(notices, ensure_ascii=False)
    assert company["uscc"] not in shown and company["rep"] not in shown  # no personal or register data
    # every notice arrived once, although the first three posts failed and were retried
    assert len({n["id"] for n in receiver.taken}) == len(receiver.taken)
    assert len(receiver.posts) >= len(receiver.taken) + 3 and all(signed for signed, _ in receiver.posts)
    assert kinds.index("correction") < kinds.index("completed")

    # the feed holds the same notices, in order, for an assistant that missed the webhook
    feed = _signed_get(portal, "/notices?after=0&limit=200")
    assert feed.status_code == 200, feed.text
    fed = [n for n in feed.json()["notices"] if n["application_no"] == number]
    assert [n["id"] for n in fed] == [n["id"] for n in notices]
    after = feed.json()["next_after"]
    assert _signed_get(portal, f"/notices?after={after}").json()["notices"] == []


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong secret", "stale", "another query"],
)
def test_the_feed_answers_only_a_fresh_request_signed_with_the_secret(noticing_portal, how):
    target = "/notices?after=0"
    if how == "unsigned":
        answer = httpx.get(noticing_portal.url + target, timeout=10)
    elif how == "wrong secret":
        answer = _signed_get(noticing_portal, target, secret="guessed")
    elif how == "stale":
        answer = _signed_get(noticing_portal, target, now=time.time() - 3600)
    else:
        headers = signed_hooks.signed_headers(NOTICE_SECRET, signed_hooks.poll_message(target))
        answer = httpx.get(noticing_portal.url + "/notices?after=5", headers=headers, timeout=10)
    assert answer.status_code == 401 and answer.json()["code"] == "signature_invalid"


def test_overdue_cases_and_near_deferral_dates_are_told_once(tmp_path):
    """The deadline scan over the seeded sandbox (it has an overdue case and 容缺 commitments)."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal.dates import today
    from portal.db import Database
    from portal.models import Application, DeferredMaterial, Notice
    from portal.notices import record_deadlines
    from portal.seed import seed

    database = Database(f"sqlite:///{tmp_path / 'portal.db'}")
    try:
        seed(database)
        with database.transaction() as session:
            app = session.scalars(select(Application).where(Application.status == "in_progress")).first()
            app.promised_date = today() - timedelta(days=1)
            app.deferred.append(DeferredMaterial(name="房屋租赁合同", due_date=today() + timedelta(days=1)))
            number = app.number
        assert record_deadlines(database) >= 2
        assert record_deadlines(database) == 0  # the next scan finds them told already
        with database.transaction() as session:
            told = session.scalars(select(Notice).join(Application).where(Application.number == number)).all()
            kinds = {n.kind: n.message for n in told}
        assert "承诺办结日期" in kinds["overdue"] and "房屋租赁合同" in kinds["deferred_due"]
    finally:
        database.dispose()


def test_every_kind_of_notice_has_its_short_status():
    from bot.notices.kinds import KINDS
    from portal.notices import PHRASES

    assert set(PHRASES) == set(KINDS) and all(len(phrase) <= 5 for phrase in PHRASES.values())


def test_a_draft_started_out_of_season_is_told_once_when_its_round_opens(tmp_path, monkeypatch):
    """The chat said "报名开始后对我说“继续办理”": the round's first scan tells that draft, and
    not one started in season."""
    from dataclasses import replace
    from datetime import date, datetime

    from sqlalchemy import select

    from bot.applications import form as form_module
    from bot.settings import settings
    from portal.db import Database
    from portal.models import Application, Notice
    from portal.notices import ROUND_OPEN, record_deadlines
    from portal.seed import seed

    monkeypatch.setattr(form_module, "settings", replace(settings, registration_rounds={}))  # the guide's months
    database = Database(f"sqlite:///{tmp_path / 'portal.db'}")
    try:
        seed(database)
        with database.transaction() as session:
            for number, started in (
                ("BS20270301000001", datetime(2027, 3, 1, 2)),
                ("BS20270516000001", datetime(2027, 5, 16, 2)),
            ):
                session.add(
                    Application(
                        number=number,
                        subject_type="citizen",
                        subject_id=1,
                        service_code="school_enrollment",
                        status="draft",
                        fields={},
                        created_at=started,
                        updated_at=started,
                    )
                )
        record_deadlines(database, on=date(2027, 4, 20))
        with database.transaction() as session:
            assert not session.scalars(select(Notice).where(Notice.kind == "round_open")).all(), "not before the round"
        record_deadlines(database, on=date(2027, 5, 20))
        record_deadlines(database, on=date(2027, 5, 21))
        with database.transaction() as session:
            told = session.execute(
                select(Application.number, Notice.message).join(Application).where(Notice.kind == "round_open")
            ).all()
        assert [tuple(row) for row in told] == [("BS20270301000001", ROUND_OPEN)]
    finally:
        database.dispose()
