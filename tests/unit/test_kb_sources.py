"""Reading guides and FAQ tables into units: boundaries, citations, linked questions, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.sources import (
    CHUNK_CHARS,
    SourceError,
    guide_units,
    load_phrasings,
    read_guide,
    read_table,
    sentences,
)
from bot.knowledge.store import FAQ, MATERIALS, SECTION
from tests.support.kb_fixtures import write_pack

ROOT = Path(__file__).resolve().parents[2]


def test_faq_entry_is_one_unit_with_its_question_and_phrasings(tmp_path):
    folder = write_pack(tmp_path)
    document = read_guide(folder / "newborn.md", "newborn.md", load_phrasings(folder)["newborn"])
    faq = [u for u in document.units if u.kind == FAQ]
    assert len(faq) == 1
    assert faq[0].question == "双胞胎怎么申请？"
    assert faq[0].heading_path == ["常见问题", "问：双胞胎怎么申请？"]
    assert faq[0].phrasings == ["生了龙凤胎要填两张表吗"]
    assert faq[0].text.startswith("双胞胎或多胞胎")
    assert document.title == "新生儿出生一件事" and document.service_code == "newborn"
    assert document.updated == "2026-10-01"
    assert document.departments == ["示例市卫生健康委员会"]


def test_numbered_materials_list_stays_whole_and_emphasis_is_removed():
    _title, units = guide_units(
        "## 申请材料\n\n以下材料：\n\n1. **身份证**：免提交。\n2. 户口簿：免提交。\n3. 结婚证：**可容缺**。\n"
    )
    assert len(units) == 1
    assert units[0].kind == MATERIALS
    assert units[0].text == "以下材料：\n1. 身份证：免提交。\n2. 户口簿：免提交。\n3. 结婚证：可容缺。"


def test_long_section_is_cut_between_paragraphs_not_inside():
    paragraph = "这是一段很长的政策说明，" * 20 + "结束。"
    _title, units = guide_units(f"## 事项简介\n\n{paragraph}\n\n{paragraph}\n\n{paragraph}\n")
    assert len(units) == 3
    assert all(u.kind == SECTION and u.text == paragraph for u in units)
    assert all(len(u.text) <= CHUNK_CHARS for u in units)


def test_nested_headings_form_the_heading_path():
    _title, units = guide_units("# 通用\n\n## 一、办理渠道\n\n### 1. 窗口办理\n\n示例大道100号。\n")
    assert units[0].heading_path == ["一、办理渠道", "1. 窗口办理"]
    assert units[0].section == "1. 窗口办理"


def test_unit_key_changes_only_with_place_or_words():
    _t, a = guide_units("## 办理渠道\n\n示例大道100号。\n")
    _t, b = guide_units("## 办理渠道\n\n示例大道100号。\n")
    _t, c = guide_units("## 办理渠道\n\n示例大道200号。\n")
    assert a[0].key == b[0].key != c[0].key


def test_sentences_keep_short_fragments_with_the_next_sentence():
    assert sentences("可以。出生未满6个月的新生儿都可以申请。") == ["可以。出生未满6个月的新生儿都可以申请。"]
    assert sentences("第一句话比较长一些。第二句话也比较长。") == ["第一句话比较长一些。", "第二句话也比较长。"]


def test_csv_faq_table_groups_rows_by_title_and_keeps_plain_passages(tmp_path):
    table = tmp_path / "faq.csv"
    table.write_text(
        "question,answer,title,department\n"
        "公积金怎么提取,退休后可以全部提取。,公积金问答,示例市住房公积金中心\n"
        ",公积金中心地址：示例大道1号。,公积金问答,示例市住房公积金中心\n"
        "周末办公吗,周六上午办公。,,\n",
        encoding="utf-8",
    )
    documents = {d.title: d for d in read_table(table, "faq.csv")}
    assert set(documents) == {"公积金问答", "faq"}
    units = documents["公积金问答"].units
    assert [u.kind for u in units] == [FAQ, SECTION]
    assert units[0].question == "公积金怎么提取"
    assert documents["公积金问答"].departments == ["示例市住房公积金中心"]
    assert documents["公积金问答"].source == "faq.csv#公积金问答"


def test_xlsx_faq_table(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["question", "answer"])
    sheet.append(["护照怎么办", "请到出入境管理部门办理。"])
    path = tmp_path / "faq.xlsx"
    book.save(path)
    (document,) = read_table(path, "faq.xlsx")
    assert document.units[0].question == "护照怎么办"


def test_bad_files_are_explained(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes("# 标题\n".encode("gbk"))
    with pytest.raises(SourceError, match="UTF-8"):
        read_guide(bad, "bad.md")
    table = tmp_path / "t.csv"
    table.write_text("q,a\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match="answer"):
        read_table(table, "t.csv")


def test_every_phrasing_points_at_a_real_heading():
    phrasings = load_phrasings(ROOT / "knowledge")
    for stem, headings in phrasings.items():
        text = (ROOT / "knowledge" / f"{stem}.md").read_text(encoding="utf-8")
        found = {line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")}
        missing = set(headings) - found
        assert not missing, f"{stem}: linked questions for headings that do not exist: {missing}"
