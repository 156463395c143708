"""Golden transcripts: whole conversations compared, message by message, with reviewed files.

A transcript is plain text a person can read: `> ` what the citizen typed (or `> [标题]` for a
button they pressed), then every bot message in full with its buttons. What changes from run
to run (application numbers, dates, SMS codes) is replaced by a placeholder first. With
`BANSHI_GOLDEN=write` (`make golden`) the files are rewritten instead of compared, for review
in the diff before committing.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parents[1]
GOLDEN_DIR = TESTS / "golden"
SCENARIOS: dict[str, dict] = yaml.safe_load((TESTS / "application_scenarios.yml").read_text(encoding="utf-8"))
"""One happy path per 一件事 (shared with application_runs.py and the benchmark)."""
START_TITLES = ("同意调取，开始办理", "开始在线办理")
"""The start button of an item's confirmation: with pre-fill consent, or without pre-fill."""

_VOLATILE = (
    (re.compile(r"BS\d{14}"), "BS<申请编号>"),
    (re.compile(r"Q99\d{10}"), "Q99<出生日期与序号>"),
    (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"), "<日期>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "<日期>"),
    (re.compile(r"(?<![\d年])\d{1,2}月\d{1,2}日"), "<日期>"),
    (re.compile(r"(?<!\d)\d{6}(?!\d)"), "<验证码>"),
)


def normalise(text: str) -> str:
    """The text with what differs between runs replaced by a placeholder."""
    for pattern, placeholder in _VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def button_lines(buttons: list[dict]) -> list[str]:
    return [f"  [{b.get('title')}] {b.get('payload')}" for b in buttons]


def rest_lines(messages: list[dict]) -> list[str]:
    """Rasa's REST channel answer: each message's text, then its buttons."""
    lines = []
    for message in messages:
        if message.get("text"):
            lines.append(message["text"])
        lines.extend(button_lines(message.get("buttons") or []))
        if message.get("image"):
            lines.append("  (图片) " + ("缩略图" if message["image"].startswith("data:image/") else message["image"]))
        if message.get("custom"):
            lines.append(f"  (custom) {message['custom']}")
    return lines


class Transcript:
    """Collects a conversation as the lines of its golden file."""

    def __init__(self, title: str) -> None:
        self.lines = [f"# {title}"]

    def user(self, typed: str, button: str | None = None) -> None:
        self.lines += ["", f"> [{button}]" if button else f"> {typed}"]

    def bot(self, lines: list[str]) -> None:
        self.lines.extend(lines or ["(没有回复)"])

    def text(self) -> str:
        return normalise("\n".join(self.lines).rstrip() + "\n")


def check(name: str, actual: str) -> None:
    """Compares `actual` with `tests/golden/<name>.txt` (or writes it under BANSHI_GOLDEN=write);
    a difference fails with a unified diff of the two."""
    path = GOLDEN_DIR / f"{name}.txt"
    if os.environ.get("BANSHI_GOLDEN") == "write":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden transcript {path.name}: run `make golden` and review it"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"golden/{path.name}", "this run", lineterm=""
        )
        raise AssertionError(
            "the conversation differs from its golden transcript "
            "(`make golden` rewrites it for review):\n" + "\n".join(diff)
        )
