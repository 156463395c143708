"""The message a channel sends when files arrive: references, and from a materials card the
material of each file; anything that does not line up is dropped rather than guessed."""

from __future__ import annotations

import json

from bot import uploads
from bot.applications import words
from bot.applications.form import get_form

REFS = ["a" * 24, "b" * 24, "c" * 24]


def _entities(message: str) -> dict:
    assert message.startswith("/" + uploads.INTENT)
    return json.loads(message[len(uploads.INTENT) + 1 :])


def test_a_card_names_the_material_of_each_file():
    names = ["经营场所平面布局图", "店招效果图", "店招效果图"]
    entities = _entities(uploads.message(REFS, names))
    refs = uploads.parse_refs(entities[uploads.REF_ENTITY])
    assert refs == REFS and uploads.parse_materials(entities[uploads.MATERIALS_ENTITY], refs) == names
    assert uploads.MATERIALS_ENTITY not in _entities(uploads.message(REFS))


def test_names_that_do_not_line_up_with_the_files_are_dropped():
    assert uploads.parse_materials(None, REFS) is None
    assert uploads.parse_materials("甲|乙", REFS) is None  # two names for three files
    assert uploads.parse_materials("甲||丙", REFS) is None
    assert uploads.parse_materials("|".join(["长" * 101, "乙", "丙"]), REFS) is None
    two = REFS[:2]
    assert uploads.card_materials(["甲", "乙|丙"], two) is None  # the separator inside a name
    assert uploads.card_materials("甲", REFS[:1]) is None and uploads.card_materials([1, 2], two) is None
    assert uploads.card_materials(["甲"], two) is None  # one name for two files
    assert uploads.card_materials([" 甲 ", "乙"], two) == ["甲", "乙"]


def test_the_upload_question_offers_a_card_only_for_several_materials():
    form = get_form("restaurant")
    material = form.material("经营场所平面布局图")
    several = words.ask_upload(material, 1, 6, ["经营场所平面布局图", "店招效果图"])
    assert several.custom[words.MATERIALS_CARD]["items"] == ["经营场所平面布局图", "店招效果图"]
    assert words.ask_upload(material, 6, 6, ["经营场所平面布局图"]).custom is None
