"""The texts an applicant signs: every placeholder filled from the application in words a
citizen reads, the 容缺 commitment naming each material and its date, the hash of exactly the
text shown."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from bot.applications.commitments import DEFERRAL, documents
from bot.applications.form import SIGN, load_forms
from bot.catalogue import SERVICE_CODES

FORMS = load_forms()


@pytest.mark.parametrize("code", [c for c in SERVICE_CODES if any(m.supply == SIGN for m in FORMS[c].materials)])
def test_every_signed_text_is_filled_and_readable(code):
    form = FORMS[code]
    values = {spec.name: spec.example or "示例" for spec in form.fields}
    for spec in form.fields:
        if spec.when:  # every condition met, so every conditional material shows
            values[spec.when[0]] = spec.when[1][0]
    signed = documents(form, values, "申请人甲", "某一件事", "BS20261206000001")
    assert signed, code
    for document in signed:
        assert "{" not in document.text and "}" not in document.text, document
        assert len(document.text) >= 40, "a commitment says what is promised"
        assert document.sha256 == hashlib.sha256(document.text.encode("utf-8")).hexdigest()


def test_values_are_shown_as_a_citizen_reads_them():
    form = FORMS["credit_repair"]
    values = {"enterprise_name": "示例市某某物流有限公司", "fulfilled_on": "2025-08-20", "decision_no": None}
    (application, _promise) = documents(form, values, "示例市某某物流有限公司", "信用修复一件事", "BS1")
    assert "2025年8月20日" in application.text and "（未填写）" in application.text


def test_the_deferral_commitment_names_each_material_and_date():
    form = FORMS["newborn"]
    signed = documents(form, {}, "陈晨", "新生儿出生一件事", "BS20261206000001", [("结婚证照片", date(2026, 12, 18))])
    promise = signed[-1]
    assert promise.name == DEFERRAL
    assert "「结婚证照片」于2026年12月18日前补交" in promise.text and "BS20261206000001" in promise.text
    assert "记入信用记录" in promise.text, "the consequence is said before signing, as general.md says"
    later = documents(form, {}, "陈晨", "新生儿出生一件事", "BS20261206000001", [("结婚证照片", date(2026, 12, 25))])
    assert later[-1].sha256 != promise.sha256, "another date is another promise"
