"""The 13 form files load, say everything the dialogue needs, and agree with the portal's
profile contract; a broken file fails at load time with a message naming the problem."""

from __future__ import annotations

import pytest

from bot.applications.form import (
    KINDS,
    PROFILE_FIELDS,
    FormSpecError,
    consent_fields,
    load_forms,
    parse_form,
)
from bot.applications.parsing import parse_answer
from bot.applications.words import choice_button, question, shown, summary
from bot.catalogue import SERVICE_CODES, get_item
from bot.portal_client.models import Application

FORMS = load_forms()


def test_every_item_has_a_form():
    assert list(FORMS) == list(SERVICE_CODES)


@pytest.mark.parametrize("code", SERVICE_CODES)
def test_every_field_can_be_asked_and_its_example_is_accepted(code):
    form = FORMS[code]
    for spec in form.fields:
        assert spec.kind in KINDS
        assert spec.question.strip() and spec.example.strip(), spec.name
        assert spec.label in spec.aliases or spec.aliases, spec.name
        if spec.kind not in ("choices",):
            parsed = parse_answer(
                spec.kind, spec.example, choices=spec.choices, minimum=spec.minimum, maximum=spec.maximum
            )
            assert parsed.ok, (spec.name, spec.example, parsed.problem)
        assert all(len(choice) <= 10 for choice in spec.choices), spec.name


@pytest.mark.parametrize("code", SERVICE_CODES)
def test_prefill_reads_only_what_the_portal_may_release(code):
    form = FORMS[code]
    for subject in form.subjects:
        assert set(consent_fields(form, subject)) <= set(PROFILE_FIELDS[subject])
    assert any(consent_fields(form, s) for s in form.subjects), "nothing can be pre-filled"


@pytest.mark.parametrize("code", SERVICE_CODES)
def test_materials_name_what_is_shared_and_what_may_be_deferred(code):
    form = FORMS[code]
    assert form.materials and form.deferrable, "every item offers 容缺 for at least one material"
    names = [m.name for m in form.materials]
    assert len(names) == len(set(names))


def test_a_conditional_field_applies_only_with_its_trigger():
    spec = FORMS["retirement"].field("bank_card_no")
    assert spec.required and not spec.applies({"pension_account": "社保卡金融账户"})
    assert spec.applies({"pension_account": "本人其他银行卡"})
    assert FORMS["retirement"].missing({"pension_account": "社保卡金融账户"}).count("bank_card_no") == 0


@pytest.mark.parametrize(
    "raw, problem",
    [
        ({"subjects": ["citizen"], "fields": []}, "fields"),
        ({"subjects": ["alien"], "fields": [{"name": "a", "label": "甲"}]}, "subjects"),
        ({"subjects": ["citizen"], "fields": [{"name": "a", "label": "甲", "kind": "colour"}]}, "kind"),
        ({"subjects": ["citizen"], "fields": [{"name": "a", "label": "甲", "kind": "choice"}]}, "choices"),
        (
            {
                "subjects": ["citizen"],
                "fields": [{"name": "a", "label": "甲", "when": {"b": "x"}}, {"name": "b", "label": "乙"}],
            },
            "earlier",
        ),
        (
            {"subjects": ["citizen"], "fields": [{"name": "a", "label": "甲"}], "same_case": {"fields": ["b"]}},
            "same_case",
        ),
        (
            {
                "subjects": ["citizen"],
                "fields": [{"name": "a", "label": "甲", "kind": "choice", "choices": ["x"]}],
                "materials": [{"name": "证", "when": {"a": "y"}}],
            },
            "values it can hold",
        ),
        (
            {
                "subjects": ["citizen"],
                "fields": [{"name": "a", "label": "甲"}],
                "materials": [{"name": "承诺书", "supply": "sign"}],
            },
            "text",
        ),
        (
            {
                "subjects": ["citizen"],
                "fields": [{"name": "a", "label": "甲"}],
                "materials": [{"name": "承诺书", "supply": "sign", "text": "本人{a}承诺，{b}"}],
            },
            "unknown fields",
        ),
        (
            {
                "subjects": ["citizen"],
                "fields": [{"name": "a", "label": "甲", "required": True, "offer_at_summary": "要填甲的，说“甲”"}],
            },
            "offered at the summary",
        ),
    ],
)
def test_a_broken_form_file_is_refused_with_the_reason(raw, problem):
    with pytest.raises(FormSpecError, match=problem):
        parse_form("newborn", raw)


def test_the_checklist_fits_the_answers():
    simple = [m.name for m in FORMS["deregistration"].materials_for({"procedure": "简易注销"})]
    general = [m.name for m in FORMS["deregistration"].materials_for({"procedure": "普通注销"})]
    assert "全体投资人承诺书" in simple and "清算报告" not in simple and "股东会解散决议" not in simple
    assert "清算报告" in general and "全体投资人承诺书" not in general
    lost = [m.name for m in FORMS["social_security_card"].materials_for({"request_type": "补领"})]
    assert "原社保卡" not in lost
    assert "原社保卡" in [m.name for m in FORMS["social_security_card"].materials_for({"request_type": "换领"})]


def test_a_baby_is_applied_for_once_by_its_birth_certificate():
    assert FORMS["newborn"].same_case == ("birth_certificate_no",) and FORMS["newborn"].same_case_label
    assert not FORMS["social_security_card"].same_case  # a lost card may be applied for again


def test_questions_offer_buttons_for_choices_and_a_skip_for_optional_fields():
    form = FORMS["disability"]
    reply = question(form.field("extra_services"))
    titles = [b.title for b in reply.buttons]
    assert titles[:3] == ["就业登记", "辅具适配", "上门评定"] and "跳过" in titles
    assert reply.buttons[0].payload == choice_button("就业登记").payload
    assert choice_button("随父").payload == '/inform{"form_choice": "随父"}'


def test_the_summary_hides_identifiers_and_marks_prefilled_and_shared():
    form = FORMS["newborn"]
    body = {
        "number": "BS20261130000001",
        "service_code": "newborn",
        "service_title": "新生儿出生一件事",
        "status": "draft",
        "status_text": "草稿",
        "submitted_at": None,
        "promised_date": None,
        "overdue": False,
        "subtasks": [],
        "next_step": "",
        "can_urge": False,
        "urge_count": 0,
        "fields": {
            "applicant_name": "张伟",
            "applicant_id_number": "99010219940512043X",
            "delivery": "申请点自取",
            "delivery_address": "示例市中心区人民路12号",
        },
        "prefilled_fields": ["applicant_name", "applicant_id_number"],
    }
    text = summary(form, get_item("newborn"), Application.from_json(body), []).text
    assert "990***********043X" in text and "99010219940512043X" not in text
    assert "申请人姓名：张伟（已预填）" in text and "免提交" in text
    assert "邮寄地址" not in text  # does not apply to 申请点自取
    assert shown(form.field("medical_insurance"), True) == "是"


def test_choices_are_understood_in_the_citizens_own_words():
    """What a button says, said in words: "随爸爸" for 随父, "主要卖面条 也有凉菜" for 热食类 and 冷食类."""
    from bot.applications.flow import _parse
    from bot.applications.form import get_form

    hukou = get_form("newborn").field("hukou_with")
    assert _parse(hukou, "随爸爸").value == "随父" and _parse(hukou, "跟孩子妈").value == "随母"
    menu = get_form("restaurant").field("menu_scope")
    assert _parse(menu, "主要卖面条 也有凉菜").value == ["热食类制售", "冷食类制售"]
    assert _parse(menu, "做炒菜，也卖奶茶").value == ["热食类制售", "自制饮品制售"]
    assert _parse(get_form("restaurant").field("drainage"), "还没装").value == "尚未安装"
