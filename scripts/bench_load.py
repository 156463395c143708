"""Many citizens at once (issue 17): N concurrent conversations, each the realistic mix of turns
(a greeting, a need, a policy question, a follow-up) with exponential think time between turns,
over the web widget's socket.io (a session token from the console, as the widget gets one), the
REST channel and WeChat-style signed pushes. Reports turns/s, p50/p95/p99 per turn type and per
channel, errors, and the CPU and peak RSS of each server process (read from /proc).

Bounded on purpose, so that a mistyped option cannot turn it into a flood: at most MAX_USERS
conversations for at most MAX_DURATION_S seconds, against loopback addresses only. Without
`--url` it starts its own stack on free ports (scripts/measure.py, knowledge base imported);
with `--url` it loads a running `make run` (Rasa's address; the console, action server and
portal are found on the same host at their `BANSHI_*_PORT`s).

    .venv-actions/bin/python scripts/bench_load.py --users 20 --think 3 --duration 60
    .venv-actions/bin/python scripts/bench_load.py --url http://127.0.0.1:5005 --channels rest

Latency is the citizen's wait: REST until the whole answer, WeChat until the passive reply (a
push answered only later through the customer-service API counts as an error, "late"), the web
widget until the first bot message (the rest of a turn's messages are drained before the next
turn). Users are spread over the channels in turn; each conversation starts with a fresh sender,
so no sender comes near the channels' per-minute message limit. One conversation per channel is
run first as a warm-up and not counted.

`--profile` attributes each turn's CPU to components (bot/ops/profiling.py): in the Rasa
server every graph node by its class (the normaliser, tokenizer, featurizers and classifiers
of the NLU pipeline, the policies), in the action server the knowledge base's searches and
query encodings, and the rest of each process (Sanic, channels, tracker store, rasa-sdk, the
actions' own work, the portal) from /proc — in CPU ms per answered turn. With `--url`, start
the running stack with BANSHI_PROFILE_DIR set and give the same folder in the environment.

`--gateway` puts the production gateway (nginx, `make run-production`'s configuration) in front:
the widget's socket.io and session and WeChat's webhook go through it, with its per-address
limits raised because every citizen here is 127.0.0.1; REST is closed there, as in production.

`--baseline REV` first runs revision REV's own harness with the same options from a temporary
worktree (scripts/baseline.py; in its default profile if it has no scaled one), then this
checkout's, and prints both medians and their ratio: the machines' speed differs between
sittings by more than the changes measured, so a figure stands only beside its baseline.

    .venv-actions/bin/python scripts/bench_load.py --scaled --users 20 --think 0 --duration 40 \
        --runs 3 --channels rest --baseline de34011
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import socketio

from bot.ops import profiling
from bot.ops.gateway import GatewayConfig, gateway_cmd
from bot.ops.processes import free_port, stop_processes, wait_healthy
from bot.ops.scaled import ScaledProfile, drop_database
from bot.settings import settings
from channels.config import setting
from channels.wechat.settings import API_BASE, TOKEN
from tests.support import web_chat
from tests.support.official_account import OfficialAccount

from baseline import Baseline, knows_option, measure_baseline, without_option
from measure import percentiles, start_stack

TURNS: tuple[tuple[str, str], ...] = (
    ("greeting", "你好"),
    ("need", "孩子出生了要办什么"),
    ("policy", "新生儿落户需要什么材料"),
    ("follow-up", "要多久"),
)
"""One conversation, as citizens hold them; the turn type names each row of the report."""
CHANNELS = ("web", "rest", "wechat")
MAX_USERS = 200
MAX_DURATION_S = 600
TURN_TIMEOUT_S = 30
WEB_QUIET_S = 0.2
"""How long the web widget waits for more messages of the same turn once one has come."""
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Target:
    """Where the load goes, and which ports the measured processes listen on (by name)."""

    rasa_url: str
    console_url: str
    wechat_api_url: str
    wechat: dict[str, str]
    ports: dict[str, int]


def target_of(stack: Any) -> Target:
    """A started stack (measure.start_stack, or the end-to-end tests' fixture) as a Target."""
    urls = {
        "rasa": stack.rasa_url,
        "action balancer" if getattr(stack, "action_servers", None) else "actions": stack.action_url,
        "console": stack.console_url,
        "portal": stack.portal_url,
        "fake wechat": stack.wechat_api_url,
        **getattr(stack, "action_servers", {}),
    }
    return Target(
        stack.rasa_url,
        stack.console_url,
        stack.wechat_api_url,
        dict(stack.wechat),
        {name: urlsplit(url).port for name, url in urls.items()},
    )


def running_target(rasa_url: str) -> Target:
    """A running `make run`: its other servers on the same host at the configured ports, and the
    WeChat token the channel reads (credentials.yml leaves it to the environment)."""
    host = urlsplit(rasa_url).hostname
    ports = {
        "rasa": urlsplit(rasa_url).port or 80,
        "actions": settings.action_port,
        "console": settings.console_port,
        "portal": settings.portal_port,
    }
    wechat = {"BANSHI_WECHAT_TOKEN": setting(TOKEN, {}, os.environ)}
    return Target(
        rasa_url.rstrip("/"), f"http://{host}:{ports['console']}", setting(API_BASE, {}, os.environ), wechat, ports
    )


class TurnFailed(Exception):
    """The channel answered, but not as a citizen would be answered (nothing, or too late)."""


class Conversation:
    """One citizen's conversation on one channel, opened with a fresh sender."""

    def say(self, text: str) -> None:
        """Returns once the citizen has the answer; raises when they would not have it."""
        raise NotImplementedError

    def settle(self) -> None:
        """Waits out what is left of the turn before the next one (nothing, on most channels)."""

    def close(self) -> None:
        """Lets go of the connection."""


class RestConversation(Conversation):
    def __init__(self, target: Target) -> None:
        self.url = f"{target.rasa_url}/webhooks/rest/webhook"
        self.sender = f"load-{uuid.uuid4().hex[:12]}"
        self.client = httpx.Client(timeout=TURN_TIMEOUT_S)

    def say(self, text: str) -> list[dict]:
        """The bot's messages (REST answers the whole turn at once)."""
        answer = self.client.post(self.url, json={"sender": self.sender, "message": text})
        answer.raise_for_status()
        messages = answer.json()
        if not messages:
            raise TurnFailed("empty")
        return messages

    def close(self) -> None:
        self.client.close()


class WebConversation(Conversation):
    """The widget's way in: a token from the console, then socket.io to Rasa."""

    def __init__(self, target: Target) -> None:
        self.client = web_chat.connect(target.rasa_url, web_chat.new_session(target.console_url))
        self.sender = web_chat.session_id(self.client)

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text})
        web_chat.replies(self.client, timeout=TURN_TIMEOUT_S)

    def settle(self) -> None:
        """The turn's later messages, so they are not taken for the next turn's answer."""
        while True:
            try:
                self.client.receive(timeout=WEB_QUIET_S)
            except socketio.exceptions.TimeoutError:
                return

    def close(self) -> None:
        self.client.disconnect()


class WeChatConversation(Conversation):
    """WeChat's servers speaking for a new follower: signed XML, the passive reply awaited."""

    def __init__(self, target: Target) -> None:
        self.user = OfficialAccount(target)

    def say(self, text: str) -> None:
        if not self.user._push(f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"):
            raise TurnFailed("late")


OPENERS: dict[str, Callable[[Target], Conversation]] = {
    "web": WebConversation,
    "rest": RestConversation,
    "wechat": WeChatConversation,
}


@dataclass(frozen=True)
class Turn:
    channel: str
    kind: str
    ended: float  # time.monotonic()
    seconds: float
    error: str | None = None


def converse(target: Target, channel: str, record: Callable[[Turn], None], think: Callable[[], float | None]) -> None:
    """One conversation: every turn of TURNS, stopping at the first failure (a citizen whose
    message went unanswered starts again rather than asking the follow-up); `think` gives each
    pause, None to stop (the window is over)."""
    opened = time.perf_counter()
    try:
        conversation = OPENERS[channel](target)
    except Exception as error:  # noqa: BLE001 - whatever refused the connection is the finding
        record(Turn(channel, "connect", time.monotonic(), time.perf_counter() - opened, _name(error)))
        return
    try:
        for kind, text in TURNS:
            started = time.perf_counter()
            error = None
            try:
                conversation.say(text)
            except Exception as failure:  # noqa: BLE001 - counted and named in the report
                error = _name(failure)
            record(Turn(channel, kind, time.monotonic(), time.perf_counter() - started, error))
            if error:
                return
            conversation.settle()
            pause = think()
            if pause is None:
                return
            time.sleep(pause)
    finally:
        conversation.close()


def _name(error: Exception) -> str:
    return str(error) if isinstance(error, TurnFailed) else type(error).__name__


# ---- the server processes, from /proc ----


def listening_pids(port: int) -> set[int]:
    """The processes listening on a TCP port: the socket's inode in /proc/net/tcp{,6}, then the
    process holding it among /proc/*/fd (readable for our own processes, which they are)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    found = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                found.add(int(fd_dir.parent.name))
        except OSError:
            continue
    return found


def _stat(pid: int) -> tuple[int, int] | None:
    """CPU ticks (user + system) and resident pages of one process, or None once it is gone."""
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # fields 14, 15 (utime, stime) and 24 (rss) of proc(5), counted from the state (field 3)
    return int(after_name[11]) + int(after_name[12]), int(after_name[21])


@dataclass
class ProcessSample:
    name: str
    pid: int
    ticks: int
    peak_rss: int = 0
    cpu_percent: float = 0.0


class ProcessWatch:
    """CPU over the load window and peak RSS (sampled each second) of the named processes."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.samples = [ProcessSample(name, pid, (_stat(pid) or (0, 0))[0]) for name, pid in pids.items()]
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while True:
            for sample in self.samples:
                stat = _stat(sample.pid)
                if stat:
                    sample.peak_rss = max(sample.peak_rss, stat[1] * PAGE_BYTES)
            if self._stop.wait(1.0):
                return

    def stop(self) -> list[ProcessSample]:
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self.started
        for sample in self.samples:
            stat = _stat(sample.pid)
            if stat:
                sample.cpu_percent = (stat[0] - sample.ticks) / CLOCK_TICKS / wall * 100
        return self.samples


def server_pids(ports: dict[str, int]) -> dict[str, int]:
    """Each named server's process, and this harness itself (it shares the cores)."""
    pids = {"harness (this process)": os.getpid()}
    for name, port in ports.items():
        for pid in sorted(listening_pids(port)):
            pids[name if name not in pids else f"{name} {pid}"] = pid
    return pids


# ---- the load ----


@dataclass
class Report:
    users: int
    think: float
    duration: float
    channels: tuple[str, ...]
    turns: list[Turn] = field(default_factory=list)
    processes: list[ProcessSample] = field(default_factory=list)

    @property
    def turns_per_second(self) -> float:
        """Answered turns that ended within the window (one in flight at the end is not rated)."""
        return len(self.latencies()) / self.duration

    @property
    def errors(self) -> Counter[str]:
        return Counter(f"{t.channel} {t.kind}: {t.error}" for t in self.turns if t.error)

    def latencies(self, channel: str | None = None, kind: str | None = None) -> list[float]:
        return [
            t.seconds
            for t in self.turns
            if not t.error and channel in (None, t.channel) and kind in (None, t.kind) and t.kind != "connect"
        ]


def warm_up(target: Target, channels: Iterable[str]) -> None:
    """One whole conversation per channel, not counted: the first parses load lazy parts."""
    for channel in channels:
        converse(target, channel, lambda _turn: None, lambda: 0.0)


def check_bounds(users: int, duration: float, channels: tuple[str, ...]) -> None:
    """Refuses a load beyond the harness's bounds before anything starts (ValueError)."""
    if not 1 <= users <= MAX_USERS or not 0 < duration <= MAX_DURATION_S:
        raise ValueError(f"users 1–{MAX_USERS}, duration up to {MAX_DURATION_S} s")
    unknown = set(channels) - set(CHANNELS)
    if unknown or not channels:
        raise ValueError(f"channels among {', '.join(CHANNELS)}, not {', '.join(unknown) or 'none'}")


def run_load(
    target: Target,
    users: int,
    think: float,
    duration: float,
    channels: tuple[str, ...] = CHANNELS,
    seed: int = 17,
) -> Report:
    """`users` concurrent citizens for `duration` seconds, each holding one conversation after
    another on its channel (user i on channels[i % len]), pausing an exponential time of mean
    `think` between turns (0: back to back). Starts are spread over the first think time."""
    check_bounds(users, duration, channels)
    report = Report(users, think, duration, channels)
    lock = threading.Lock()
    watch = ProcessWatch(server_pids(target.ports))
    start = time.monotonic()
    deadline = start + duration

    def record(turn: Turn) -> None:
        if turn.ended <= deadline:
            with lock:
                report.turns.append(turn)

    def citizen(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        channel = channels[index % len(channels)]

        def pause() -> float | None:
            """The next think time, or None when it would end after the window."""
            seconds = rng.expovariate(1 / think) if think > 0 else 0.0
            return seconds if time.monotonic() + seconds < deadline else None

        time.sleep(rng.uniform(0, min(think, duration / 2)))
        while time.monotonic() < deadline:
            converse(target, channel, record, pause)

    threads = [threading.Thread(target=citizen, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + TURN_TIMEOUT_S + 5)
    report.processes = watch.stop()
    return report


# ---- the table ----


def rows(report: Report) -> list[tuple[str, str, dict[str, float]]]:
    """(channel, turn type, figures) for each pair, each channel, each turn type and all; the
    figures carry n, p50/p95/p99 in ms and errors."""
    kinds = [kind for kind, _ in TURNS]
    keys = [(c, k) for c in report.channels for k in [*kinds, None]] + [(None, k) for k in [*kinds, None]]
    table = []
    for channel, kind in keys:
        seconds = report.latencies(channel, kind)
        errors = sum(
            1 for t in report.turns if t.error and channel in (None, t.channel) and (kind is None or kind == t.kind)
        )
        figures = percentiles(seconds) if seconds else {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
        table.append((channel or "all", kind or "all", {**figures, "errors": errors}))
    return table


def print_report(reports: list[Report]) -> None:
    """One table per run; with several runs, a last one of the medians (the machine is shared)."""
    for number, report in enumerate(reports, 1):
        print(_table(f"run {number}", [report.turns_per_second], [rows(report)], [report.processes]))
        if report.errors:
            print("errors: " + "; ".join(f"{name} ×{count}" for name, count in report.errors.most_common(8)))
    if len(reports) > 1:
        print(
            _table(
                f"median of {len(reports)} runs",
                [r.turns_per_second for r in reports],
                [rows(r) for r in reports],
                [r.processes for r in reports],
            )
        )


def _table(
    title: str,
    rates: list[float],
    tables: list[list[tuple[str, str, dict[str, float]]]],
    processes: list[list[ProcessSample]],
) -> str:
    first = tables[0]
    lines = [
        f"\n{title}: {statistics.median(rates):.1f} turns/s",
        f"{'channel':8s} {'turn':10s} {'n':>6s} {'p50 ms':>9s} {'p95 ms':>9s} {'p99 ms':>9s} {'errors':>7s}",
    ]
    for i, (channel, kind, _figures) in enumerate(first):

        def median(key: str, i: int = i) -> float:
            return statistics.median(table[i][2][key] for table in tables)

        lines.append(
            f"{channel:8s} {kind:10s} {median('n'):6.0f} {median('p50_ms'):9.0f} {median('p95_ms'):9.0f} "
            f"{median('p99_ms'):9.0f} {median('errors'):7.0f}"
        )
    lines.append(f"{'process':26s} {'pid':>8s} {'CPU %':>7s} {'peak RSS MB':>12s}")
    for i, sample in enumerate(processes[0]):
        cpu = statistics.median(run[i].cpu_percent for run in processes if i < len(run))
        rss = statistics.median(run[i].peak_rss for run in processes if i < len(run)) / 2**20
        lines.append(f"{sample.name:26s} {sample.pid:8d} {cpu:7.0f} {rss:12.0f}")
    return "\n".join(lines)


# ---- the profile ----


def _profile_folder(args: argparse.Namespace) -> Path | None:
    if not args.profile:
        return None
    if args.url:
        folder = os.environ.get(profiling.VARIABLE)
        if not folder:
            sys.exit(f"--profile with --url: start the stack with {profiling.VARIABLE}=<folder> and set it here too")
        return Path(folder)
    return Path(tempfile.mkdtemp(prefix="bench-profile-"))


def profile_totals(folder: Path | None) -> dict[tuple[int, str], float]:
    """(process id, component) → CPU seconds so far."""
    if folder is None:
        return {}
    time.sleep(profiling.WRITE_EVERY_S * 1.5)  # the processes' latest totals are on disk
    return {
        (int(stem.rsplit("-", 1)[1]), name): figures["cpu_s"]
        for stem, components in profiling.read(folder).items()
        for name, figures in components.items()
    }


NESTED = "knowledge base (query encoding)"
"""Timed inside the knowledge base's search: shown, not added twice."""


def profile_table(before: dict[tuple[int, str], float], after: dict[tuple[int, str], float], report: Report) -> str:
    """CPU ms per answered turn by component, then each process's unattributed rest."""
    turns = max(len(report.latencies()), 1)
    per_turn = {key: (after.get(key, 0.0) - before.get(key, 0.0)) * 1000 / turns for key in after}
    lines = [f"\nCPU per answered turn ({turns} turns)", f"{'process':10s} {'component':44s} {'ms/turn':>8s}"]
    for sample in report.processes:
        mine = sorted(
            ((name, ms) for (pid, name), ms in per_turn.items() if pid == sample.pid and ms > 0),
            key=lambda item: -item[1],
        )
        lines += [f"{sample.name:10s} {name:44s} {ms:8.1f}" for name, ms in mine]
        whole = sample.cpu_percent / 100 * report.duration * 1000 / turns
        attributed = sum(ms for name, ms in mine if name != NESTED)
        label = "(rest of the process)" if mine else "(whole process)"
        lines.append(f"{sample.name:10s} {label:44s} {max(whole - attributed, 0.0):8.1f}")
    return "\n".join(lines)


def bench_profile(scaled: bool) -> ScaledProfile | None:
    """The scaled profile with a trackers' database of the run's own, dropped at the end."""
    if not scaled:
        return None
    base = ScaledProfile.from_env()
    name = f"banshi_bench_{uuid.uuid4().hex[:10]}"
    return replace(base, tracker_db_url=base.tracker_db_url.rsplit("/", 1)[0] + "/" + name)


def _local(url: str) -> str:
    if urlsplit(url).hostname not in LOCAL_HOSTS:
        raise argparse.ArgumentTypeError(f"only loopback addresses may be loaded, not {url}")
    return url


def through_gateway(target: Target, run_dir: Path, processes: list[subprocess.Popen]) -> Target:
    """The target with the gateway of `make run-production` in front: nginx on a free port,
    proxying the widget's socket.io and session and WeChat's webhook as in production. Its limits
    per client address are raised, since every citizen of the benchmark is 127.0.0.1."""
    port = free_port()
    config = GatewayConfig(
        "127.0.0.1",
        port,
        target.ports["rasa"],
        target.ports["console"],
        run_dir,
        chat_rate=100_000,
        connections_per_address=4 * MAX_USERS,
        access_log=str(run_dir / "access.log"),
    )
    log = run_dir / "nginx.log"
    processes.append(subprocess.Popen(gateway_cmd(config), stdout=log.open("w"), stderr=subprocess.STDOUT))
    wait_healthy(f"http://127.0.0.1:{port}/health", processes[-1], log, 30)
    url = f"http://127.0.0.1:{port}"
    return replace(target, rasa_url=url, console_url=url, ports={**target.ports, "gateway": port})


def _baseline(revision: str, runs: int) -> Baseline:
    """The older revision's run, with this run's options; printed as it was measured."""
    argv = without_option(sys.argv[1:], "--baseline")
    if "--scaled" in argv and not knows_option(revision, "bench_load.py", "--scaled"):
        argv.remove("--scaled")
        print(f"baseline: {revision} has no scaled profile; it runs in its default one")
    figure = rf"median of {runs} runs: ([\d.]+) turns/s" if runs > 1 else r"run 1: ([\d.]+) turns/s"
    print(f"baseline: {revision} with its own harness, {' '.join(argv) or 'default options'}", flush=True)
    measured = measure_baseline(revision, "bench_load.py", argv, figure)
    if measured.figure is None:
        print(measured.output[-3000:])
        raise ValueError(f"the baseline {revision} did not run (its output is above)")
    print(f"baseline {measured.revision[:10]}: {measured.figure:.1f} turns/s\n", flush=True)
    return measured


def _against(baseline: Baseline, figure: float) -> str:
    return (
        f"\nbaseline {baseline.revision[:10]} {baseline.figure:.1f} turns/s, this checkout {figure:.1f} turns/s: "
        f"{figure / baseline.figure:.2f}× (same sitting, medians)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help=f"concurrent conversations (≤ {MAX_USERS})")
    parser.add_argument("--think", type=float, default=3.0, help="mean think time in seconds; 0: back to back")
    parser.add_argument("--duration", type=float, default=60.0, help=f"seconds per run (≤ {MAX_DURATION_S})")
    parser.add_argument("--channels", default=",".join(CHANNELS), help="among web,rest,wechat")
    parser.add_argument("--runs", type=int, default=1, choices=range(1, 6), help="runs, for medians")
    parser.add_argument("--url", type=_local, help="Rasa of a running `make run` (no stack is started)")
    parser.add_argument("--profile", action="store_true", help="CPU per turn by component (see the docstring)")
    parser.add_argument(
        "--scaled",
        action="store_true",
        help="the scaled profile: Rasa on several workers, trackers in a PostgreSQL database of its own, locks in Redis",
    )
    parser.add_argument(
        "--gateway",
        action="store_true",
        help="the widget's and WeChat's traffic through the production gateway (nginx); REST is closed there",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="first measure git revision REV with its own harness and the same options, in this sitting "
        "(scripts/baseline.py), then print both medians and their ratio",
    )
    args = parser.parse_args()
    channels = tuple(c.strip() for c in args.channels.split(",") if c.strip())
    try:
        check_bounds(args.users, args.duration, channels)
        if args.baseline and args.url:
            raise ValueError("--baseline starts stacks of its own: not with --url")
        if args.gateway and (args.url or "rest" in channels):
            raise ValueError("--gateway: not with --url, and REST is closed at the gateway (--channels web,wechat)")
        baseline = _baseline(args.baseline, args.runs) if args.baseline else None
    except ValueError as error:
        parser.error(str(error))
    processes: list[subprocess.Popen] = []
    scaled: ScaledProfile | None = None
    try:
        profile = _profile_folder(args)
        if args.url:
            target = running_target(args.url)
        else:
            work = Path(tempfile.mkdtemp(prefix="bench-load-"))
            extra = {profiling.VARIABLE: str(profile)} if profile else None
            scaled = bench_profile(args.scaled)
            target = target_of(start_stack(work, processes, knowledge=True, extra_env=extra, scaled=scaled))
            if args.gateway:
                target = through_gateway(target, work / "gateway", processes)
        warm_up(target, channels)
        print(
            f"{args.users} users over {', '.join(channels)}, think {args.think:g} s mean, "
            f"{args.duration:g} s per run, turns: {' / '.join(text for _, text in TURNS)}"
        )
        reports = []
        for _ in range(args.runs):
            before = profile_totals(profile)
            reports.append(run_load(target, args.users, args.think, args.duration, channels))
            if profile:
                print(profile_table(before, profile_totals(profile), reports[-1]))
        print_report(reports)
        if baseline:
            print(_against(baseline, statistics.median(r.turns_per_second for r in reports)))
        return 1 if any(r.errors for r in reports) else 0
    finally:
        stop_processes(processes, timeout_s=30)
        if scaled:
            drop_database(scaled.tracker_db_url)


if __name__ == "__main__":
    sys.exit(main())
