"""Figures of the guided applications: for each of the 13 一件事, a bound demo user goes from
the first message to an application number through the chat (REST webhook → Rasa → action
server → sandbox portal), as in tests/application_scenarios.yml, sending a photo for each
material it is asked for (all of them at once on the materials card the web widget and the
mini-program show; WeChat sends one per message, whose average is printed too) and the SMS
code that signs its commitments. Prints, per item, the user turns from the first message to
the application number, what they were for (opening, questions, uploads, submit, signature)
and the pre-fill ratio (fields filled from the portal / fields the application needs), then
the averages against the targets: turns ≤ 7 on average (issue 14: uploads and signatures
included), pre-fill ≥ 0.6 on average for the personal items.

Starts the portal, action server and Rasa server (current model) on free ports with
temporary databases, like scripts/bench_status.py.

    .venv-actions/bin/python scripts/bench_applications.py
"""

from __future__ import annotations

import sys

from bot.catalogue import PERSONAL, get_item
from bot.ops.processes import object_store_env
from tests.support.application_runs import SCENARIOS, run_scenario, show

from bench_status import running_stack

TARGET_TURNS = 7
PARTS = ("opening", "questions", "uploads", "submit", "signature")
TARGET_PREFILL = 0.6


def measure(rasa_url: str, portal_url: str, services_db_url: str, inbox_url: str) -> int:
    print(f"{'item':22s} {'turns':>5s} " + " ".join(f"{p:>9s}" for p in PARTS) + f" {'pre-filled':>10s}  application")
    turns, one_by_one, personal_ratios, failed = [], [], [], []
    by_part = dict.fromkeys(PARTS, 0)
    for code in SCENARIOS:
        run = run_scenario(rasa_url, portal_url, services_db_url, inbox_url, code)
        if not run.number:
            failed.append(code)
            print(f"{code:22s} no application number; the conversation was:\n{show(run)}")
            continue
        ratio = run.prefill_ratio
        turns.append(run.user_turns)
        one_by_one.append(run.turns_one_by_one)
        if get_item(code).audience == PERSONAL:
            personal_ratios.append(ratio)
        counts = [run.parts.count(part) for part in PARTS]
        for part, count in zip(PARTS, counts):
            by_part[part] += count
        print(
            f"{code:22s} {run.user_turns:5d} " + " ".join(f"{c:9d}" for c in counts) + f" {ratio:10.2f}  {run.number}"
        )
    if failed:
        print(f"not completed: {', '.join(failed)}")
        return 1
    mean_turns = sum(turns) / len(turns)
    mean_prefill = sum(personal_ratios) / len(personal_ratios)
    print("average turns per part: " + ", ".join(f"{part} {by_part[part] / len(turns):.2f}" for part in PARTS))
    print(
        f"average user turns (13 items): {mean_turns:.2f} (target ≤ {TARGET_TURNS}: "
        f"{'met' if mean_turns <= TARGET_TURNS else 'NOT met'})"
    )
    print(
        f"the same with one material per message, as WeChat sends them (no materials card): "
        f"{sum(one_by_one) / len(one_by_one):.2f}"
    )
    print(
        f"average pre-fill ratio (5 personal items): {mean_prefill:.2f} (target ≥ {TARGET_PREFILL}: "
        f"{'met' if mean_prefill >= TARGET_PREFILL else 'NOT met'})"
    )
    return 0 if mean_turns <= TARGET_TURNS and mean_prefill >= TARGET_PREFILL else 1


def main() -> int:
    with running_stack("bench-applications-") as (rasa_url, portal_url, work):
        inbox_url = object_store_env(work)["BANSHI_UPLOAD_INBOX"]
        return measure(rasa_url, portal_url, f"sqlite:///{work / 'banshi.db'}", inbox_url)


if __name__ == "__main__":
    sys.exit(main())
