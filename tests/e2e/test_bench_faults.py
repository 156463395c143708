"""Faults under load, briefly (issue 17; `make bench-faults` is the whole run): the scaled stack
on a Redis and a PostgreSQL of its own, four citizens on REST, WeChat and the web widget, while
Redis restarts and then one of the two action servers is killed (kill -9) and started again. Each fault has a
citizen applying for an item through it. Nothing may be lost, processed twice or submitted
twice, and every conversation a fault hit goes on. It guards the harness too: its own Redis and
PostgreSQL, the kill, the restart and the counting."""

from __future__ import annotations

from tests.support.scripts import load_script


def test_a_redis_restart_and_a_killed_action_server_lose_no_turn_and_submit_nothing_twice(monkeypatch):
    harness = load_script("bench_faults", monkeypatch)
    outcome = harness.run_faults(["redis-restart", "actions-kill"], users=4, think=1.0, settle=5.0, hold=2.0)
    print(outcome.report())

    assert [w.fault for w in outcome.windows] == ["redis-restart", "actions-kill"]
    assert len(outcome.load.turns) >= 20 and {t.channel for t in outcome.load.turns} == {"rest", "wechat", "web"}
    assert outcome.lost == 0, outcome.report()
    assert outcome.twice == 0 and outcome.checked > 0, outcome.report()
    for window in outcome.windows:
        assert window.applicant.get("number") and window.applicant["submitted"] == 1, window.applicant
    hit = {t.sender for t in outcome.load.turns if t.first_error}
    went_on = {t.sender for t in outcome.load.turns if t.sender in hit and t.answered and not t.first_error}
    assert hit <= went_on, outcome.report()
