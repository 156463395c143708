"""The load harness (scripts/bench_load.py) against the real stack, briefly: one citizen on each
channel for a few seconds. It guards the harness itself — its ways in (console token and
socket.io, REST, signed WeChat pushes), its counting and its /proc readings — so that the figures
issue 17 is judged by come from a harness that still works; the load figures are its own run's."""

from __future__ import annotations

from tests.support.scripts import load_script


def test_a_citizen_on_each_channel_is_answered_and_measured(stack, monkeypatch):
    harness = load_script("bench_load", monkeypatch)
    target = harness.target_of(stack)
    harness.warm_up(target, harness.CHANNELS)
    report = harness.run_load(target, users=3, think=0.2, duration=6)

    assert not report.errors, report.errors
    assert {t.channel for t in report.turns} == set(harness.CHANNELS)
    assert report.turns_per_second > 0
    rows = {(channel, kind): figures for channel, kind, figures in harness.rows(report)}
    overall = rows[("all", "all")]
    assert overall["n"] == len(report.turns) >= 6
    assert 0 < overall["p50_ms"] <= overall["p95_ms"] <= overall["p99_ms"] < harness.TURN_TIMEOUT_S * 1000
    processes = {sample.name: sample for sample in report.processes}
    assert processes["rasa"].peak_rss > 0 and processes["rasa"].cpu_percent > 0


def test_the_widget_and_wechat_through_the_gateway(stack, monkeypatch, tmp_path):
    """`--gateway`: the same citizens through nginx as in production, its per-address limits
    raised (all of them are 127.0.0.1); REST is not there."""
    harness = load_script("bench_load", monkeypatch)
    processes = []
    try:
        target = harness.through_gateway(harness.target_of(stack), tmp_path / "gateway", processes)
        assert target.rasa_url != stack.rasa_url and "gateway" in target.ports
        report = harness.run_load(target, users=2, think=0.2, duration=4, channels=("web", "wechat"))
    finally:
        harness.stop_processes(processes)
    assert not report.errors, report.errors
    assert {t.channel for t in report.turns} == {"web", "wechat"}
    assert "/socket.io/" in (tmp_path / "gateway" / "access.log").read_text()
