"""Checks on the NLU data that `rasa data validate` does not make."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot import cards, uploads
from bot.catalogue import SERVICE_CODES
from bot.language.text import normalize

ROOT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def examples(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" in block:
            lines = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")]
            found.setdefault(block["intent"], []).extend(ANNOTATION.sub(r"\1", line) for line in lines)
    return found


def training() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for intent, lines in examples(path).items():
            merged.setdefault(intent, []).extend(lines)
    return merged


def test_every_service_has_at_least_thirty_varied_examples():
    data = training()
    for code in SERVICE_CODES:
        lines = data[f"need_{code}"]
        assert len(set(lines)) >= 30, code
        assert any(normalize(line) != line for line in lines), f"{code}: no traditional-character examples"
        assert any(len(line) >= 40 for line in lines), f"{code}: no long message"


HELDOUT_FILES = sorted((ROOT / "eval").glob("nlu_*.yml"))


def test_heldout_sets_are_never_seen_in_training():
    seen = {normalize(line) for lines in training().values() for line in lines}
    assert sum(len(v) for v in examples(ROOT / "eval" / "nlu_heldout.yml").values()) >= 150
    for path in HELDOUT_FILES:
        leaked = [line for lines in examples(path).values() for line in lines if normalize(line) in seen]
        assert leaked == [], path.name


PAYLOAD_ONLY = {uploads.INTENT, cards.INTENT}
"""Intents only a channel (a file arrived) or a button (挂失) sends, never typed: examples would
teach the classifier that some words mean a file was sent or a card reported lost at once."""


def test_heldout_and_domain_use_the_same_intents():
    domain = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    for path in HELDOUT_FILES:
        assert set(examples(path)) <= domain, path.name
    assert set(training()) == domain - PAYLOAD_ONLY
