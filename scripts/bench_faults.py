"""Faults under load (issue 17, part 6): the scaled profile (Rasa on two workers, trackers in
PostgreSQL, locks and channel state in Redis) under a steady load of citizens on REST, WeChat and
the web widget while, one after another, the portal turns slow, PostgreSQL restarts, Redis restarts, the action
server is killed (kill -9, then started again as an orchestrator would) and one Rasa worker is
killed (kill -9). It reports what the citizens saw around each fault.

Redis and PostgreSQL are the run's own, on free loopback ports in a temporary folder (the
machine's shared servers are never restarted); the slow portal is a relay in front of the portal
whose delay the harness sets. Citizens behave as during an outage: a message that is refused or
left unanswered is sent once more (WeChat resends with the same MsgId, as its servers do; the
widget with its own message id once its socket is back, as widget.js does), and a
conversation goes on after a failed turn. During each fault one bound citizen applies for an
item (a whole scenario of tests/application_scenarios.yml), with the same single retry.

Per fault it prints: turns answered, answered only on the retry, lost (refused twice), late
(WeChat: answered after the passive reply's deadline, by a customer-service message), p50/p95
before / during / after, the seconds of degraded service (the first to the last turn that failed
or took over DEGRADED_S), conversations hit and whether each went on afterwards, the messages a
tracker holds twice (processed twice), and the applicant's application: submitted once, or not.

    .venv-actions/bin/python scripts/bench_faults.py                 # every fault, 12 users
    .venv-actions/bin/python scripts/bench_faults.py --faults redis-restart --users 4 --hold 4
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import httpx
import socketio
from bench_load import (
    TURN_TIMEOUT_S,
    TURNS,
    Conversation,
    RestConversation,
    Target,
    TurnFailed,
    WebConversation,
    WeChatConversation,
    listening_pids,
    target_of,
    warm_up,
)

from bot.ops.processes import free_port, stop_processes
from bot.ops.rasa_resilience import BUSY
from bot.ops.scaled import LOCK_LIFETIME_S, ScaledProfile
from bot.settings import secret
from channels.wechat import texts as wechat_texts
from tests.support.application_runs import applications_of, run_scenario

from measure import ROOT, percentiles, start_server, start_stack

FAULTS = ("portal-slow", "postgres-restart", "redis-restart", "actions-kill", "rasa-worker-kill")
APPLICANTS = ("newborn", "social_security_card", "retirement", "disability", "enterprise_change")
"""One scenario per fault, each a different subject or item, so none is refused as a duplicate."""
RETRY_AFTER_S = 3.0
"""How long a citizen waits before sending a refused or unanswered message again (WeChat's
servers retry after 5 s without an answer)."""
DURING_S = 5.0
"""A fault put right at once (a kill, a restart) is judged on the turns of the next seconds."""
REFUSED = ("AssertionError", "ReadTimeout", "RemoteProtocolError", "ConnectError", "ReadError")
"""How a push WeChat's servers would retry fails: no 200 in time (the others were answered)."""
CHECK = "你好"
"""Sent once more at the end of a conversation that a fault hit: does it go on?"""
DEGRADED_S = 2.0
"""A turn slower than this counts as degraded service (the load's p95 is a fraction of it)."""
LATE_WAIT_S = LOCK_LIFETIME_S + 10
"""How long a WeChat citizen waits for a customer-service answer: a turn whose Rasa worker died
waits up to the conversation lock's lifetime before another worker takes it."""
BURST_S = 0.05
"""Chunks closer together than this are one request to the slow link."""
SLOW_PORTAL_S = 2.5
"""The portal's added delay per request: slow, but under the client's 3 s read timeout."""
MAX_USERS = 50


# ---- the run's own Redis and PostgreSQL ----


def _wait_port(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s:.0f} s")


class OwnRedis:
    """A Redis of the run's own that keeps nothing on disk, as the machine's: a restart loses
    the locks and the channel state."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.work = work
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        log = (self.work / "redis.log").open("a")
        self.process = subprocess.Popen(cmd, cwd=self.work, stdout=log, stderr=subprocess.STDOUT)
        _wait_port(self.port)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self, down_s: float) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()


class OwnPostgres:
    """A PostgreSQL cluster of the run's own (initdb in the work folder, trust on loopback). As
    root, its programs run as the `postgres` user, which PostgreSQL requires."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.data = work / "pg"
        self.log = work / "postgres.log"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/banshi_trackers"

    def _run(self, *cmd: str) -> None:
        binary = next(Path("/usr/lib/postgresql").glob(f"*/bin/{cmd[0]}"), None) or shutil.which(cmd[0])
        if binary is None:
            raise RuntimeError(f"PostgreSQL's {cmd[0]} is not installed")
        argv = [str(binary), *cmd[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.data.mkdir(mode=0o700)
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
            shutil.chown(self.log, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self._pg_ctl("start")

    def _pg_ctl(self, verb: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", verb, *extra)

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")


class SlowLink:
    """A TCP relay in front of the portal: every request waits `delay` seconds before it goes
    on, which is how a slow portal looks to the action server and the console."""

    def __init__(self) -> None:
        self.port = free_port()
        self.target_port: int | None = None
        self.delay = 0.0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()
        self.ready.wait(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._relay, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_until_complete(server.serve_forever())

    async def _relay(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        try:
            server_in, server_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_out.close()
            return

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, slow: bool) -> None:
            try:
                last = 0.0
                while chunk := await source.read(65536):
                    if slow and self.delay and time.monotonic() - last > BURST_S:
                        await asyncio.sleep(self.delay)  # once per request, not per chunk of it
                    last = time.monotonic()
                    sink.write(chunk)
                    await sink.drain()
            except OSError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(client_in, server_out, True), pump(server_in, client_out, False))


# ---- the citizens ----


@dataclass(frozen=True)
class Turn:
    channel: str
    kind: str
    sender: str
    started: float  # time.monotonic()
    seconds: float
    first_error: str | None = None
    error: str | None = None
    late: bool = False

    @property
    def answered(self) -> bool:
        return self.error is None


@dataclass
class Load:
    turns: list[Turn] = field(default_factory=list)
    senders: dict[str, int] = field(default_factory=dict)
    """Each conversation's sender and the messages its citizen sent (a retry is the same one)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.monotonic)

    def record(self, turn: Turn) -> None:
        with self.lock:
            self.turns.append(turn)


def _attempt(say: Callable[[str], None], text: str) -> str | None:
    """None when the citizen had the answer, else what went wrong."""
    try:
        say(text)
        return None
    except Exception as error:  # noqa: BLE001 - named in the report
        return str(error) if isinstance(error, TurnFailed) else type(error).__name__


class Apologised(TurnFailed):
    """The citizen was told the system is busy and asked to send the message again: it is in the
    tracker once more than the messages that were answered."""

    def __init__(self) -> None:
        super().__init__("apologised")


class ApologisingRest(RestConversation):
    def say(self, text: str) -> list[dict]:
        messages = super().say(text)
        if any(BUSY in (m.get("text") or "") for m in messages):
            raise Apologised()
        return messages

    def resend(self, text: str, first_error: str) -> None:
        """REST has no message id: the citizen's client sends the words again."""
        self.say(text)


class FaultyWeb(WebConversation):
    """The widget as console/static/widget.js behaves: every message carries an id, and one
    whose socket dropped before its answer is sent again with the same id once the socket is
    back (the server answers an id once, replaying an answer already given)."""

    def say(self, text: str) -> None:
        self.message = {"message": text, "message_id": uuid.uuid4().hex[:16]}
        self._ask()

    def resend(self, text: str, first_error: str) -> None:
        """After an apology the citizen types the message again (a new one); otherwise the
        widget sends it again, same id, on the socket that came back."""
        if first_error == "apologised":
            self.say(text)
            return
        deadline = time.monotonic() + TURN_TIMEOUT_S
        while not self.client.connected and time.monotonic() < deadline:
            time.sleep(0.2)
        self._ask()

    def _ask(self) -> None:
        sid = self.client.sid
        self.client.emit("user_uttered", self.message)
        deadline = time.monotonic() + TURN_TIMEOUT_S
        while True:
            if not self.client.connected or self.client.sid != sid:
                raise TurnFailed("socket dropped")
            if time.monotonic() >= deadline:
                raise TurnFailed("unanswered")
            try:
                event, data = self.client.receive(timeout=0.5)
            except socketio.exceptions.TimeoutError:
                continue
            if event == "bot_uttered" and data.get("reply_to") == self.message["message_id"]:
                if BUSY in (data.get("text") or ""):
                    raise Apologised()
                return


class FaultyWeChat(WeChatConversation):
    """WeChat's pushes: the passive reply, or the customer-service message that comes later; a
    reply saying the dialogue failed is a failure, not an answer."""

    def say(self, text: str) -> None:
        before = len(self.user._received())
        reply = self.user._push(f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>")
        if reply == wechat_texts.DIALOGUE_FAILED:
            raise TurnFailed("dialogue failed")
        if BUSY in reply:
            raise Apologised()
        if not reply:
            self.before_late = before
            raise TurnFailed("late")

    def resend(self, text: str, first_error: str) -> None:
        """A push refused: WeChat's own retry, the same MsgId again; otherwise WeChat had its
        answer (an apology, or nothing in time) and the citizen types it again."""
        if first_error in REFUSED:
            self.user.msg_id -= 1
        self.say(text)

    def answered_later(self) -> bool:
        deadline = time.monotonic() + LATE_WAIT_S
        while time.monotonic() < deadline:
            if len(self.user._received()) > self.before_late:
                return True
            time.sleep(0.5)
        return False


def _awaited(conversation: Conversation, error: str | None) -> tuple[str | None, bool]:
    """A WeChat push not answered in the passive window may still be answered by a
    customer-service message (a retry that waited for a dead worker's conversation lock does):
    (the error left, whether it came late)."""
    if error != "late":
        return error, False
    if conversation.answered_later():
        return None, True
    return "late, never answered", False


def send(conversation: Conversation, channel: str, sender: str, kind: str, text: str, load: Load) -> bool:
    """One message, sent again once after RETRY_AFTER_S if refused or unanswered (a WeChat push
    answered later by a customer-service message is not refused); True when the first try failed."""
    started, clock = time.monotonic(), time.perf_counter()
    first = _attempt(conversation.say, text)
    error, late = _awaited(conversation, first)
    if error:
        time.sleep(RETRY_AFTER_S)
        error, late = _awaited(conversation, _attempt(partial(conversation.resend, first_error=first), text))
    load.senders[sender] += 1 + (first == "apologised")
    load.record(Turn(channel, kind, sender, started, time.perf_counter() - clock, first, error, late))
    return first is not None


CITIZENS: dict[str, Callable[[Target], Conversation]] = {
    "rest": ApologisingRest,
    "wechat": FaultyWeChat,
    "web": FaultyWeb,
}


def converse(target: Target, channel: str, load: Load, stop: threading.Event, rng: random.Random, think: float) -> None:
    """One conversation of TURNS; every message sent at most twice; going on after a failure."""
    conversation = CITIZENS[channel](target)
    sender = conversation.user.openid if channel == "wechat" else conversation.sender
    load.senders[sender] = 0
    hit = False
    for kind, text in TURNS:
        hit |= send(conversation, channel, sender, kind, text, load)
        if stop.wait(rng.expovariate(1 / think) if think > 0 else 0.0):
            break
    if hit:
        send(conversation, channel, sender, "check", CHECK, load)
    conversation.close()


def run_citizens(target: Target, users: int, think: float, stop: threading.Event, load: Load) -> list[threading.Thread]:
    """`users` citizens, in turn on REST, WeChat and the web widget, each holding one
    conversation after another until `stop` is set."""

    def citizen(index: int) -> None:
        rng = random.Random(1700 + index)
        stop.wait(rng.uniform(0, think))
        while not stop.is_set():
            converse(target, list(CITIZENS)[index % len(CITIZENS)], load, stop, rng, think)

    threads = [threading.Thread(target=citizen, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    return threads


# ---- the faults ----


@dataclass
class Window:
    fault: str
    injected: float
    recovered: float = 0.0
    ended: float = 0.0
    applicant: dict = field(default_factory=dict)


class Faults:
    """What each fault does to the running stack, and how it is put right."""

    def __init__(self, stack, processes: list[subprocess.Popen], redis: OwnRedis, pg: OwnPostgres, link: SlowLink):
        self.stack, self.processes, self.redis, self.pg, self.link = stack, processes, redis, pg, link
        self.work = Path(stack.env["BANSHI_DB_URL"].removeprefix("sqlite:///")).parent

    def inject(self, fault: str, hold: float) -> None:
        """Does the fault and puts it right; returns once the stack should be whole again."""
        if fault == "portal-slow":
            self.link.delay = SLOW_PORTAL_S
            time.sleep(hold)
            self.link.delay = 0.0
        elif fault == "postgres-restart":
            self.pg.restart()
        elif fault == "redis-restart":
            self.redis.restart(down_s=1.0)
        elif fault == "actions-kill":
            self._restart("actions 1" if "actions 1" in self.stack.specs else "actions")
        elif fault == "rasa-worker-kill":
            os.kill(self.rasa_workers()[-1], signal.SIGKILL)
        else:
            raise ValueError(fault)

    def _restart(self, name: str) -> None:
        """kill -9 of the server and every process it started (rasa-sdk's Sanic serves from a
        worker process under a manager: a container's death takes both), then a new one."""
        index = list(self.stack.specs).index(name)
        for pid in [*descendants(self.processes[index].pid), self.processes[index].pid]:
            os.kill(pid, signal.SIGKILL)
        self.processes[index].wait()
        cmd, health = self.stack.specs[name]
        self.processes[index] = start_server(cmd, health, self.stack.env, self.work / f"{name}-restarted.log")

    def rasa_workers(self) -> list[int]:
        """Sanic's worker processes: those holding Rasa's listening socket besides the server."""
        port = int(self.stack.rasa_url.rsplit(":", 1)[1])
        return sorted(listening_pids(port) - {self.processes[list(self.stack.specs).index("rasa")].pid})


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from the parent ids in /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def apply_during(stack, code: str, window: Window) -> None:
    """One bound citizen's whole application while the fault is on; then the portal is asked
    how many applications of the item the subject has past the draft stage."""
    inbox = stack.env["BANSHI_UPLOAD_INBOX"]
    began = datetime.now(timezone.utc)
    try:
        run = run_scenario(stack.rasa_url, stack.portal_url, stack.db_url, inbox, code, retry_after=RETRY_AFTER_S)
    except Exception as error:  # noqa: BLE001 - the finding
        window.applicant = {"code": code, "error": type(error).__name__}
        return
    mine = applications_of(stack.portal_url, run.token)["items"]
    submitted = [
        a
        for a in mine
        if a["service_code"] == code and a["submitted_at"] and datetime.fromisoformat(a["submitted_at"]) >= began
    ]
    window.applicant = {
        "code": code,
        "number": run.number,
        "turns": run.user_turns,
        "retried": run.retried,
        "submitted": len(submitted),
    }
    if not run.number:
        window.applicant["last reply"] = run.transcript[-1][1][:120]


# ---- the report ----


def duplicates(rasa_url: str, senders: dict[str, int]) -> list[str]:
    """The conversations whose tracker holds more user messages than the citizen sent."""
    token = secret("rasa_token", ROOT)
    twice = []
    with httpx.Client(timeout=30) as client:
        for sender, sent in senders.items():
            events = client.get(f"{rasa_url}/conversations/{sender}/tracker", params={"token": token}).json()
            said = sum(1 for e in events.get("events", []) if e.get("event") == "user")
            if said > sent:
                twice.append(sender)
    return twice


def _ms(turns: list[Turn]) -> str:
    seconds = [t.seconds for t in turns if t.answered and not t.late]
    if not seconds:
        return "      –       –"
    figures = percentiles(seconds)
    return f"{figures['p50_ms']:7.0f} {figures['p95_ms']:7.0f}"


def _story(turns: list[Turn], sender: str, injected: float) -> str:
    """One conversation's turns, what went wrong with each, and when, from the fault."""
    return ", ".join(
        f"{t.channel} {t.kind}{' (' + t.first_error + ')' if t.first_error else ''}"
        f"{' → ' + t.error if t.error else ''} at {t.started - injected:+.1f} s, {t.seconds:.1f} s"
        for t in turns
        if t.sender == sender
    )


def window_report(window: Window, turns: list[Turn], before: float, processed_twice: list[str]) -> list[str]:
    mine = [t for t in turns if before <= t.started < window.ended]
    pre = [t for t in mine if t.started < window.injected]
    over = max(window.recovered, window.injected + DURING_S)
    during = [t for t in mine if window.injected <= t.started < over]
    post = [t for t in mine if t.started >= over]
    bad = [t for t in mine if t.first_error or t.seconds > DEGRADED_S]
    degraded = (max(t.started + t.seconds for t in bad) - min(t.started for t in bad)) if bad else 0.0
    first_hit = {t.sender: t.started for t in sorted(mine, key=lambda t: -t.started) if t.first_error}
    went_on = {
        t.sender for t in turns if t.sender in first_hit and t.started > first_hit[t.sender] and not t.first_error
    }
    lines = [
        f"\n== {window.fault}: fault at +{window.injected - before:.1f} s, whole again after "
        f"{window.recovered - window.injected:.1f} s",
        f"   turns {len(mine)}, answered {sum(t.answered for t in mine)}, on the retry "
        f"{sum(1 for t in mine if t.first_error and t.answered and not t.late)}, late (WeChat, by a customer-service "
        f"message) {sum(t.late for t in mine)}, lost {sum(not t.answered for t in mine)}",
        f"   p50/p95 ms  before {_ms(pre)}   during {_ms(during)}   after {_ms(post)}",
        f"   degraded service {degraded:.1f} s; conversations hit {len(first_hit)}, went on afterwards {len(went_on)}",
    ]
    errors = Counter(f"{t.channel} {t.first_error}" for t in mine if t.first_error)
    if errors:
        hits = [t.started - window.injected for t in mine if t.first_error]
        lines.append(
            "   first errors: "
            + "; ".join(f"{name} ×{count}" for name, count in errors.most_common())
            + f" (turns started {min(hits):+.1f} to {max(hits):+.1f} s from the fault)"
        )
    for sender in sorted({t.sender for t in mine if t.sender in processed_twice}):
        lines.append(f"   a tracker holds a message twice: {_story(turns, sender, window.injected)}")
    for sender in sorted({t.sender for t in mine if not t.answered}):
        lines.append(f"   a turn was lost: {_story(turns, sender, window.injected)}")
    slow = [t for t in mine if t.seconds > DEGRADED_S and not t.first_error]
    if slow:
        lines.append(
            f"   slow turns (> {DEGRADED_S:g} s): "
            + ", ".join(
                f"{t.channel} {t.kind} {t.seconds:.1f} s at {t.started - window.injected:+.1f}" for t in slow[:8]
            )
        )
    if window.applicant:
        lines.append(f"   applicant: {window.applicant}")
    return lines


@dataclass
class Outcome:
    """A fault run: each fault's window, every turn, and the conversations processed twice."""

    windows: list[Window]
    load: Load
    processed_twice: list[str]
    checked: int

    @property
    def twice(self) -> int:
        return len(self.processed_twice)

    @property
    def lost(self) -> int:
        return sum(not t.answered for t in self.load.turns)

    @property
    def submitted_twice(self) -> int:
        return sum(1 for w in self.windows if w.applicant.get("submitted", 1) > 1)

    def report(self) -> str:
        lines: list[str] = []
        for window, before in zip(self.windows, [self.load.started, *(w.ended for w in self.windows)]):
            lines += window_report(window, self.load.turns, before, self.processed_twice)
        median = statistics.median(t.seconds for t in self.load.turns) * 1000
        lines.append(
            f"\nall: {len(self.load.turns)} turns, lost {self.lost}, processed twice in {self.twice} of "
            f"{self.checked} conversations, applications submitted twice {self.submitted_twice}; "
            f"median turn {median:.0f} ms"
        )
        return "\n".join(lines)


def run_faults(
    faults: list[str],
    users: int,
    think: float = 1.0,
    settle: float = 15.0,
    hold: float = 10.0,
    applicants: bool = True,
    keep: bool = False,
) -> Outcome:
    """The scaled stack on a Redis and a PostgreSQL of its own, citizens on it, and each fault in
    turn with `settle` seconds of load before and after; everything stopped and removed after."""
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    work.chmod(0o755)  # PostgreSQL's user reaches its folder inside
    redis, pg, link = OwnRedis(work), OwnPostgres(work), SlowLink()
    processes: list[subprocess.Popen] = []
    try:
        redis.start()
        pg.start()
        scaled = ScaledProfile(redis_url=redis.url, tracker_db_url=pg.url, workers=2)
        portal_via_link = {"BANSHI_PORTAL_URL": f"http://127.0.0.1:{link.port}"}
        stack = start_stack(work, processes, knowledge=True, extra_env=portal_via_link, scaled=scaled)
        link.target_port = int(stack.portal_url.rsplit(":", 1)[1])
        target = target_of(stack)
        warm_up(target, ("rest", "wechat"))
        injector = Faults(stack, processes, redis, pg, link)
        load = Load()
        stop = threading.Event()
        threads = run_citizens(target, users, think, stop, load)
        windows: list[Window] = []
        time.sleep(settle)
        for i, name in enumerate(faults):
            window = Window(name, time.monotonic())
            applicant = None
            if applicants:
                code = APPLICANTS[i % len(APPLICANTS)]
                applicant = threading.Thread(target=apply_during, args=(stack, code, window))
                applicant.start()
                time.sleep(1.0)
                window.injected = time.monotonic()
            injector.inject(name, hold)
            window.recovered = time.monotonic()
            time.sleep(settle)
            if applicant:
                applicant.join(timeout=120)
            window.ended = time.monotonic()
            windows.append(window)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        return Outcome(windows, load, duplicates(stack.rasa_url, load.senders), len(load.senders))
    finally:
        stop_processes(processes, timeout_s=30)
        redis.stop()
        pg.stop()
        if keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"among {', '.join(FAULTS)}")
    parser.add_argument("--users", type=int, default=12, help=f"concurrent conversations (≤ {MAX_USERS})")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time in seconds")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds of load before and after each fault")
    parser.add_argument("--hold", type=float, default=10.0, help="seconds the portal stays slow")
    parser.add_argument("--no-applicants", action="store_true", help="no application during the faults")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (the servers' logs)")
    args = parser.parse_args()
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    if set(faults) - set(FAULTS) or not faults or not 1 <= args.users <= MAX_USERS:
        parser.error(f"faults among {', '.join(FAULTS)}; users 1–{MAX_USERS}")
    print(f"{args.users} users over {', '.join(CITIZENS)}, think {args.think:g} s; faults: {', '.join(faults)}")
    outcome = run_faults(
        faults, args.users, args.think, args.settle, args.hold, applicants=not args.no_applicants, keep=args.keep
    )
    print(outcome.report())
    return 1 if outcome.lost or outcome.twice or outcome.submitted_twice else 0


if __name__ == "__main__":
    sys.exit(main())
