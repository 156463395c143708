"""The rules of the house that no linter checks: one home for settings, the hotline from the
settings, the dialogue data in step with the catalogue, the generated stories current."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import yaml

from bot.catalogue import SERVICE_CODES

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("bot", "actions", "channels", "portal", "console", "scripts", "tests")
VARIABLE = re.compile(r"(?<![A-Z0-9_])BANSHI_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_])")
README_ROW = re.compile(r"^\| (`BANSHI_[^|]+)\|", re.MULTILINE)


def source_files(*suffixes: str) -> list[Path]:
    files = [ROOT / "Makefile"]
    for folder in CODE_DIRS:
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in suffixes and "node_modules" not in p.parts]
    return files


def documented_variables() -> set[str]:
    """The README table's names; `A` / `_B` in one row is short for A and BANSHI_<A's first word>_B."""
    names = set()
    for cell in README_ROW.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        written = re.findall(r"`([A-Z0-9_]+)`", cell)
        first = written[0]
        prefix = "_".join(first.split("_")[:2])
        names.update(name if name.startswith("BANSHI_") else prefix + name for name in written)
    return names


def test_every_variable_read_is_in_the_readme_table():
    read = {name for path in source_files(".py", ".sh", ".js") for name in VARIABLE.findall(path.read_text())}
    read |= set(VARIABLE.findall((ROOT / "Makefile").read_text()))
    assert len(read) > 30
    assert sorted(read - documented_variables()) == []


def test_the_hotline_is_named_only_through_the_settings():
    literal = re.compile(r"(?<!\d)12345(?!\d)")
    places = [ROOT / "domain.yml", *source_files(".py", ".yml", ".js", ".html")]
    skipped = {ROOT / "bot" / "settings.py"}
    offenders = [
        str(path.relative_to(ROOT))
        for path in places
        if path not in skipped and "tests" not in path.relative_to(ROOT).parts and literal.search(path.read_text())
    ]
    assert offenders == []


def _domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_the_domain_knows_exactly_the_catalogues_items():
    domain = _domain()
    needs = [intent for intent in domain["intents"] if str(intent).startswith("need_")]
    assert needs == [f"need_{code}" for code in SERVICE_CODES]
    slot = domain["slots"]["service_item"]
    assert slot["values"] == list(SERVICE_CODES)
    mapped = [(m["intent"], m["value"]) for m in slot["mappings"] if m["type"] == "from_intent"]
    assert mapped == [(f"need_{code}", code) for code in SERVICE_CODES]
    # a need read in the middle of a form never changes the item being applied for
    assert all(m.get("conditions") == [{"active_loop": None}] for m in slot["mappings"])


def test_the_confirmation_rule_takes_every_item():
    rules = yaml.safe_load((ROOT / "data" / "rules" / "services.yml").read_text(encoding="utf-8"))["rules"]
    (confirmation,) = [r for r in rules if {"action": "action_confirm_service"} in r["steps"]]
    alternatives = confirmation["steps"][0]["or"]
    assert alternatives == [{"intent": f"need_{code}"} for code in SERVICE_CODES]


def test_rules_stories_and_nlu_share_their_topic_names():
    data = ROOT / "data"
    topics = {p.stem for p in (data / "nlu").glob("*.yml")}
    assert {p.stem for p in (data / "rules").glob("*.yml")} <= topics
    assert {p.stem for p in (data / "stories").glob("*.yml")} <= topics


def test_the_generated_application_stories_are_current():
    spec = importlib.util.spec_from_file_location(
        "make_application_stories", ROOT / "scripts" / "make_application_stories.py"
    )
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (ROOT / "tests" / "stories" / "test_application_stories.yml").read_text(encoding="utf-8")
    assert committed == generator.render(), "run `make stories` and commit the result"


def test_the_canned_replies_survive_the_trackers_masking():
    """An agent's words are stored masked like every message: a canned reply must not look like
    personal data ("我是人工客服" reads as a name), or the conversation shows it mangled."""
    from bot.privacy import mask_text

    replies = yaml.safe_load((ROOT / "console" / "canned_replies.yml").read_text(encoding="utf-8"))
    assert replies and all(mask_text(reply) == reply for reply in replies)
