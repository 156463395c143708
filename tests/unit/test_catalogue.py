from pathlib import Path

from bot.catalogue import ENTERPRISE, PERSONAL, SERVICE_CODES, code_for_intent, load_catalogue
from bot.language.lexicon import CATALOGUE_DICT, catalogue_terms, clean_term, render

ROOT = Path(__file__).resolve().parents[2]


def test_all_thirteen_items_come_from_the_knowledge_folder():
    catalogue = load_catalogue(ROOT / "knowledge")
    assert list(catalogue) == list(SERVICE_CODES)
    for item in catalogue.values():
        assert item.lead_department.startswith("示例市")
        assert item.integrated_services
        assert item.audience in (PERSONAL, ENTERPRISE)
    assert sum(i.audience == PERSONAL for i in catalogue.values()) == 5
    assert catalogue["newborn"].lead_department == "示例市卫生健康委员会"
    assert "出生医学证明办理" in catalogue["newborn"].integrated_services


def test_intent_codes():
    assert code_for_intent("need_newborn") == "newborn"
    assert code_for_intent("need_unknown") is None
    assert code_for_intent("greet") is None
    assert code_for_intent(None) is None


def test_generated_dictionary_is_current():
    """`python -m bot lexicon` must be rerun when the guides change."""
    assert CATALOGUE_DICT.read_text(encoding="utf-8") == render(catalogue_terms(ROOT / "knowledge"))


def test_dictionary_names_every_item_and_lead_department():
    terms = set(catalogue_terms(ROOT / "knowledge"))
    for item in load_catalogue(ROOT / "knowledge").values():
        assert clean_term(item.title) in terms
        assert clean_term(item.short_name) in terms
        for department in item.lead_department.split("、"):
            assert department.split("（")[0] in terms
