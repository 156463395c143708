"""`make eval-dialogues`: the held-out multi-turn dialogues (eval/dialogues.yml) against a real
stack, checked turn by turn; prints pass rates per category.

Every turn's checks are literal: each `expect` string must appear in the reply (texts and button
titles of that turn), one of `expect_any` must, no `forbid` may, and a `keeps_form` turn must
leave the application form on the question it was asking. A dialogue is fully right when all its
checks pass. `setup: {apply: <code>}` first binds that item's demo applicant
(tests/application_scenarios.yml) and opens the application form.

    .venv-actions/bin/python scripts/eval_dialogues.py               # starts its own stack
    .venv-actions/bin/python scripts/eval_dialogues.py --only mid_form -v
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

from bot.identity.store import IdentityStore
from bot.settings import secret
from tests.support.application_runs import START_PAYLOAD, portal_token, say
from tests.support.golden import SCENARIOS

from bench_status import running_stack

ROOT = Path(__file__).resolve().parents[1]
DIALOGUES = ROOT / "eval" / "dialogues.yml"
TARGET_CHECKS, TARGET_DIALOGUES = 0.90, 0.75


@dataclass
class Outcome:
    dialogue: dict
    passed: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def fully_right(self) -> bool:
        return self.passed == self.total


class Stack:
    def __init__(self, rasa_url: str, portal_url: str, services_db_url: str) -> None:
        self.rasa_url, self.portal_url, self.services_db_url = rasa_url, portal_url, services_db_url

    def say(self, sender: str, text: str) -> str:
        """The turn's reply as checked: every text, then its buttons' titles."""
        _text, messages = say(self.rasa_url, sender, text)
        lines = []
        for message in messages:
            lines.append(message.get("text") or "")
            lines += [button.get("title") or "" for button in message.get("buttons") or []]
        return "\n".join(lines)

    def form_position(self, sender: str) -> tuple:
        token = secret("rasa_token", ROOT)
        url = f"{self.rasa_url}/conversations/{sender}/tracker?token={token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            slots = json.loads(response.read())["slots"]
        state = slots.get("application") or {}
        return bool(slots.get("application_active")), state.get("step"), json.dumps(state.get("fields"))

    def open_form(self, sender: str, code: str) -> None:
        scenario = SCENARIOS[code]
        token = portal_token(self.portal_url, scenario["subject"])
        IdentityStore(self.services_db_url).save(sender, "rest", token, datetime.now(timezone.utc))
        self.say(sender, scenario["first"])
        self.say(sender, START_PAYLOAD)


def checks(turn: dict, reply: str) -> list[tuple[bool, str]]:
    """(passed, what was wanted) for each literal check of a turn."""
    found = [(fact in reply, f"missing {fact!r}") for fact in turn.get("expect") or ()]
    if turn.get("expect_any"):
        found.append((any(fact in reply for fact in turn["expect_any"]), f"none of {turn['expect_any']!r}"))
    found += [(wrong not in reply, f"says {wrong!r}") for wrong in turn.get("forbid") or ()]
    return found


def run(stack: Stack, dialogue: dict) -> Outcome:
    outcome = Outcome(dialogue)
    sender = f"eval-{dialogue['id']}-{uuid.uuid4().hex[:6]}"
    setup = dialogue.get("setup") or {}
    if setup.get("apply"):
        stack.open_form(sender, setup["apply"])
    for number, turn in enumerate(dialogue["turns"], 1):
        before = stack.form_position(sender) if turn.get("keeps_form") else None
        reply = stack.say(sender, turn["user"])
        results = checks(turn, reply)
        if before is not None:
            after = stack.form_position(sender)
            results.append((after == before and after[0], f"form moved: {before[1]} → {after[1]}"))
        for ok, what in results:
            outcome.total += 1
            outcome.passed += ok
            if not ok:
                outcome.failures.append(f"turn {number} 「{turn['user']}」 {what}\n      reply: {reply[:300]!r}")
    return outcome


def report(outcomes: list[Outcome], verbose: bool) -> int:
    by_category: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_category[outcome.dialogue["category"]].append(outcome)
    print(f"{'category':14s} {'dialogues':>9s} {'checks':>12s} {'fully right':>12s}")
    for category, group in sorted(by_category.items()):
        passed, total = sum(o.passed for o in group), sum(o.total for o in group)
        right = sum(o.fully_right for o in group)
        print(f"{category:14s} {len(group):9d} {passed:5d}/{total:<4d}{passed / total:5.2f} {right / len(group):9.2f}")
    passed, total = sum(o.passed for o in outcomes), sum(o.total for o in outcomes)
    right = sum(o.fully_right for o in outcomes) / len(outcomes)
    print(f"{'all':14s} {len(outcomes):9d} {passed:5d}/{total:<4d}{passed / total:5.2f} {right:9.2f}")
    print(f"targets: checks ≥ {TARGET_CHECKS}, dialogues fully right ≥ {TARGET_DIALOGUES}")
    if verbose:
        for outcome in outcomes:
            for failure in outcome.failures:
                print(f"  {outcome.dialogue['id']}: {failure}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DIALOGUES)
    parser.add_argument("--only", help="one category")
    parser.add_argument("--limit", type=int, help="the first N dialogues (a smoke run)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failed check")
    args = parser.parse_args()
    dialogues = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    if args.only:
        dialogues = [d for d in dialogues if d["category"] == args.only]
    dialogues = dialogues[: args.limit] if args.limit else dialogues
    with running_stack("eval-dialogues-", knowledge=True) as (rasa_url, portal_url, work):
        stack = Stack(rasa_url, portal_url, f"sqlite:///{work / 'banshi.db'}")
        outcomes = [run(stack, dialogue) for dialogue in dialogues]
    return report(outcomes, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
