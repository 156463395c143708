"""Uploads made into the knowledge base's guides: real-world-shaped Word and PDF guides and FAQ
tables checked down to their chunks, and hostile files refused with a message, quickly."""

from __future__ import annotations

import io
import random
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from openpyxl import Workbook

from bot.knowledge import converters
from bot.knowledge.converters import ConversionError, convert, preview, unify_radicals
from bot.knowledge.sources import CHUNK_CHARS
from bot.knowledge.store import FAQ, MATERIALS, SECTION

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
MB = 1024 * 1024
MATERIALS_LIST = [
    "《居民身份证申领登记表》，现场填写或在线预填。",
    "原居民身份证；证件遗失的免提交。",
    "居民户口簿。",
    "近期免冠彩色证件照，可在窗口现场免费拍摄。",
    "未满十六周岁的，由监护人陪同并提交监护关系证明。",
    "委托代办的，提交委托书和受托人身份证件。",
]
STEPS = ["在“示例办”预约办理时间和窗口。", "到窗口采集人像和指纹，核对信息。", "缴费后领取回执，凭回执领证。"]


def only(documents: list[converters.ConvertedDocument]) -> converters.ConvertedDocument:
    assert len(documents) == 1
    return documents[0]


def refusal(filename: str, data: bytes) -> str:
    started = time.perf_counter()
    with pytest.raises(ConversionError) as caught:
        convert(filename, data)
    assert time.perf_counter() - started < 2
    message = str(caught.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    return message


# --------------------------------------------------------------------------- Word


def numbered(document, text: str, num_id: int) -> None:
    """A paragraph numbered through its own numPr, as Word writes a list it continues."""
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def government_guide_docx() -> bytes:
    """A guide as a department writes it in Word: a Title, 一、 headings in Heading 1, a materials
    list in List Number, steps numbered through numPr, bullets, a table of 办理时限与收费 with
    merged cells, and FAQ both as a heading and as 问：/答： paragraphs."""
    document = docx.Document()
    document.add_paragraph("居民身份证换领办事指南", style="Title")
    document.add_heading("一、事项简介", level=1)
    document.add_paragraph("居民身份证有效期满、证件损坏或者登记项目变更的，应当申请换领新证。")
    document.add_heading("二、申请材料", level=1)
    document.add_paragraph("申请人应当准备以下材料：")
    for item in MATERIALS_LIST:
        document.add_paragraph(item, style="List Number")
    document.add_heading("三、办理流程", level=1)
    for step in STEPS:
        numbered(document, step, 9)
    document.add_paragraph("温馨提示：")
    document.add_paragraph("节假日窗口照常办公。", style="List Bullet")
    document.add_paragraph("可以选择邮寄送证。", style="List Bullet")
    document.add_heading("四、办理时限与收费", level=1)
    table = document.add_table(rows=4, cols=3)
    for row, values in zip(
        table.rows,
        [
            ["办理情形", "办理时限", "收费标准"],
            ["有效期满换领", "20个工作日", "20元"],
            ["证件损坏换领", "20个工作日", ""],
            ["加急办理", "7个工作日", "另收加急费"],
        ],
    ):
        for cell, value in zip(row.cells, values):
            cell.text = value
    table.cell(1, 2).merge(table.cell(2, 2))  # both kinds of 换领 cost 20元
    document.add_paragraph("收费依据：示例省物价局核定的工本费标准。")
    document.add_heading("五、常见问题", level=1)
    document.add_heading("问：身份证丢了可以在外地补办吗？", level=2)
    document.add_paragraph("可以。全国范围内均可异地申请换领、补领居民身份证。")
    document.add_paragraph("问：换证期间需要坐火车怎么办？")
    document.add_paragraph("答：可以到车站公安制证口办理临时乘车身份证明。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def word_guide() -> converters.ConvertedDocument:
    return only(convert("身份证换领.docx", government_guide_docx()))


def test_a_word_guide_keeps_its_title_headings_lists_and_table_in_body_order(word_guide):
    markdown = word_guide.markdown
    assert word_guide.title == "居民身份证换领办事指南"
    assert markdown.startswith("# 居民身份证换领办事指南\n\n## 事项简介\n\n居民身份证有效期满")
    materials = "\n".join(f"{n}. {item}" for n, item in enumerate(MATERIALS_LIST, 1))
    assert f"申请人应当准备以下材料：\n\n{materials}\n\n## 办理流程" in markdown
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(STEPS, 1))
    assert f"{steps}\n\n温馨提示：\n\n- 节假日窗口照常办公。\n- 可以选择邮寄送证。" in markdown
    assert (
        "| 办理情形 | 办理时限 | 收费标准 |\n| --- | --- | --- |\n| 有效期满换领 | 20个工作日 | 20元 |\n"
        "| 证件损坏换领 | 20个工作日 | 20元 |\n| 加急办理 | 7个工作日 | 另收加急费 |\n\n收费依据："
    ) in markdown
    assert markdown.index("## 办理时限与收费") < markdown.index("| 办理情形") < markdown.index("收费依据")
    assert "## 常见问题\n\n### 问：身份证丢了可以在外地补办吗？\n\n可以。全国范围内" in markdown
    assert "### 问：换证期间需要坐火车怎么办？\n\n可以到车站公安制证口" in markdown
    assert word_guide.phrasings == {}


def test_a_word_guides_chunks_keep_the_list_whole_and_the_faq_with_its_question(word_guide):
    units = preview(word_guide.markdown)
    by_section = {}
    for unit in units:
        by_section.setdefault(unit["heading_path"][-1], []).append(unit)
    (materials,) = by_section["申请材料"]
    assert materials["kind"] == MATERIALS
    assert materials["text"].startswith("申请人应当准备以下材料：\n1. 《居民身份证申领登记表》")
    assert materials["text"].endswith("6. 委托代办的，提交委托书和受托人身份证件。")
    assert materials["chars"] == len(materials["text"])
    (fees,) = by_section["办理时限与收费"]
    assert fees["kind"] == SECTION
    assert "| 证件损坏换领 | 20个工作日 | 20元 |" in fees["text"] and "另收加急费" in fees["text"]
    faq = by_section["问：身份证丢了可以在外地补办吗？"][0]
    assert faq["kind"] == FAQ
    assert faq["heading_path"] == ["常见问题", "问：身份证丢了可以在外地补办吗？"]
    assert faq["question"] == "身份证丢了可以在外地补办吗？"
    assert faq["text"] == "可以。全国范围内均可异地申请换领、补领居民身份证。"
    assert [u["question"] for u in units if u["kind"] == FAQ] == [
        "身份证丢了可以在外地补办吗？",
        "换证期间需要坐火车怎么办？",
    ]


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_chinese_word_heading_styles_and_a_lone_heading_1_as_the_title():
    document = docx.Document()
    for level in (1, 2):
        document.styles.add_style(f"标题 {level}", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("老年人优待证办理指南", style="标题 1")
    document.add_paragraph("办理条件", style="标题 2")
    document.add_paragraph("年满60周岁的本市户籍老年人。")
    converted = only(convert("优待证.docx", save(document)))
    assert converted.title == "老年人优待证办理指南"
    assert converted.markdown == "# 老年人优待证办理指南\n\n## 办理条件\n\n年满60周岁的本市户籍老年人。\n"


def test_a_word_document_without_heading_styles_gets_headings_from_its_numbering():
    document = docx.Document()
    document.core_properties.title = "残疾人两项补贴申领指南"
    for text in [
        "一、补贴对象",
        "（一）困难残疾人生活补贴",
        "享受最低生活保障待遇的残疾人。",
        "（二）重度残疾人护理补贴",
        "残疾等级为一级、二级的残疾人。",
        "二、咨询电话",
        "请拨打区残联服务热线。",
    ]:
        document.add_paragraph(text)
    converted = only(convert("两项补贴.docx", save(document)))
    assert converted.title == "残疾人两项补贴申领指南"
    assert converted.markdown == (
        "# 残疾人两项补贴申领指南\n\n## 补贴对象\n\n### 困难残疾人生活补贴\n\n享受最低生活保障待遇的残疾人。\n\n"
        "### 重度残疾人护理补贴\n\n残疾等级为一级、二级的残疾人。\n\n## 咨询电话\n\n请拨打区残联服务热线。\n"
    )
    assert [u["heading_path"] for u in preview(converted.markdown)][:2] == [
        ["补贴对象", "困难残疾人生活补贴"],
        ["补贴对象", "重度残疾人护理补贴"],
    ]


def test_a_long_table_is_cut_between_rows_each_chunk_under_the_header():
    document = docx.Document()
    document.add_heading("各区政务服务中心地址", level=2)
    table = document.add_table(rows=31, cols=3)
    rows = [["区", "地址", "电话"]] + [
        [f"第{n}区", f"示例大道{n}号政务服务中心一楼", f"0571-8800{n:04d}"] for n in range(30)
    ]
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    units = preview(only(convert("地址.docx", save(document))).markdown)
    assert len(units) > 2
    header = "| 区 | 地址 | 电话 |\n| --- | --- | --- |\n"
    assert all(u["text"].startswith(header) and u["chars"] <= CHUNK_CHARS for u in units)
    quoted = [line for u in units for line in u["text"].splitlines()[2:]]
    assert quoted == [f"| {' | '.join(values)} |" for values in rows[1:]]


def test_text_before_the_first_heading_is_kept_under_an_overview_section():
    document = docx.Document()
    document.add_paragraph("本指南适用于示例市行政区域内的公共租赁住房申请。")
    document.add_heading("申请条件", level=2)
    document.add_paragraph("家庭人均收入低于上年度城镇居民人均可支配收入。")
    converted = only(convert("公租房申请.docx", save(document)))
    assert converted.title == "公租房申请"
    units = preview(converted.markdown)
    assert units[0]["heading_path"] == ["概述"] and units[0]["text"].startswith("本指南适用于")


# --------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def pdf_guide() -> converters.ConvertedDocument:
    return only(convert("个体工商户设立登记.pdf", (FIXTURES / "guide.pdf").read_bytes()))


def test_a_printed_pdf_guide_keeps_headings_lists_and_its_table_without_page_furniture(pdf_guide):
    markdown = pdf_guide.markdown
    assert pdf_guide.title == "个体工商户设立登记办事指南"
    assert markdown.startswith("# 个体工商户设立登记办事指南\n\n## 事项简介\n\n有经营能力的自然人")
    # wrapped lines joined into one paragraph, with no space between the Chinese characters
    assert "审核通过后领取电子营业执照，全程不收费。\n" in markdown
    assert "申请人应当准备以下材料：\n\n1. 《个体工商户登记（备案）申请书》" in markdown
    assert "\n6. 以家庭成员共同经营的，提交家庭成员关系证明。\n" in markdown
    # （1）…（3） typed by hand become a numbered list
    assert "## 办理流程\n\n1. 登录“示例办”小程序" in markdown and "\n3. 登记机关审核" in markdown
    # the table once (its text not repeated as paragraphs), the merged 不收费 on both rows
    assert (
        "| 办理方式 | 承诺时限 | 收费标准 |\n| --- | --- | --- |\n| 网上办理 | 1个工作日 | 不收费 |\n"
        "| 窗口办理 | 当场办结 | 不收费 |\n| 邮寄纸质执照 | 3个工作日送达 | 免费邮寄 |"
    ) in markdown
    assert markdown.count("邮寄纸质执照") == 1
    # the running header and 第 N 页 are gone; the radicals a CJK font shares are characters again
    assert "办事指南\n" not in markdown.split("\n", 1)[1]
    assert "示例市政务服务中心　办事指南" not in markdown and "第 1 页" not in markdown and "共 2 页" not in markdown
    assert "### 问：个体工商户可以起字号吗？\n\n可以。个体工商户可以使用字号" in markdown


def test_a_printed_pdf_guides_chunks(pdf_guide):
    units = preview(pdf_guide.markdown)
    assert [u["heading_path"] for u in units] == [
        ["事项简介"],
        ["申请材料"],
        ["办理流程"],
        ["办理时限与收费"],
        ["办理渠道"],
        ["常见问题", "问：个体工商户可以起字号吗？"],
    ]
    materials = units[1]
    assert materials["kind"] == MATERIALS
    assert materials["text"].count("\n") == 6 and materials["text"].endswith("提交家庭成员关系证明。")
    assert "| 邮寄纸质执照 | 3个工作日送达 | 免费邮寄 |" in units[3]["text"]
    assert (
        units[4]["text"]
        == "示例市政务服务中心（示例大道100号）二楼B区市场主体登记窗口，周一至周五9:00—17:00（法定节假日除外）。"
    )
    assert units[5]["kind"] == FAQ and units[5]["question"] == "个体工商户可以起字号吗？"
    assert units[5]["text"].endswith("名称应当符合名称登记管理规定。")


def test_the_type_is_read_from_the_bytes_not_the_name(pdf_guide):
    assert only(convert("指南.docx", (FIXTURES / "guide.pdf").read_bytes())).markdown == pdf_guide.markdown


def test_radicals_from_a_shared_glyph_are_read_as_characters():
    assert unify_radicals("⼀⽹通办，第 1 ⻚，个体⼯商⼾，⻬全") == "一网通办，第 1 页，个体工商户，齐全"


# --------------------------------------------------------------------------- FAQ tables


def xlsx(rows: list[list[str]], sheet: str = "Sheet1") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_faq_table_with_chinese_headers_makes_one_guide_per_title():
    data = xlsx(
        [
            ["示例市政务服务常见问题汇总"],
            ["标题", "问题", "答案", "部门", "相似问法"],
            [
                "社保卡",
                "社保卡丢了怎么办？",
                "拨打服务热线挂失，再到网点补办。",
                "示例市人社局",
                "社保卡掉了\n医保卡丢了|补办社保卡",
            ],
            ["社保卡", "社保卡可以异地使用吗？", "可以在全国联网的定点医院使用。", "示例市人社局", ""],
            ["公积金", "公积金怎么提取？", "在“示例办”提交提取申请。\n材料齐全的当日到账。", "示例市公积金中心", ""],
            ["公积金", "", "没有问题的行不导入。", "", ""],
        ]
    )
    card, fund = convert("常见问题.xlsx", data)
    assert card.title == "社保卡" and fund.title == "公积金"
    assert card.markdown == (
        "---\ntitle: 社保卡\nlead_department: 示例市人社局\n---\n\n# 社保卡\n\n## 常见问题\n\n"
        "### 问：社保卡丢了怎么办？\n\n拨打服务热线挂失，再到网点补办。\n\n"
        "### 问：社保卡可以异地使用吗？\n\n可以在全国联网的定点医院使用。\n"
    )
    assert card.phrasings == {"问：社保卡丢了怎么办？": ["社保卡掉了", "医保卡丢了", "补办社保卡"]}
    units = preview(card.markdown, card.phrasings)
    assert units[0]["kind"] == FAQ and units[0]["question"] == "社保卡丢了怎么办？"
    assert units[0]["phrasings"] == ["社保卡掉了", "医保卡丢了", "补办社保卡"]
    assert preview(fund.markdown)[0]["text"] == "在“示例办”提交提取申请。\n材料齐全的当日到账。"
    assert "没有问题的行" not in fund.markdown


def test_an_xlsx_faq_table_with_english_headers_takes_the_file_name_as_title():
    data = xlsx([["question", "answer"], ["How long is a passport valid?", "Ten years for adults."]])
    converted = only(convert("passport faq.xlsx", data))
    assert converted.title == "passport faq"
    assert "### 问：How long is a passport valid?\n\nTen years for adults." in converted.markdown


def test_a_gb18030_csv_with_phrasings_separated_every_way():
    text = (
        "问题,答案,相似问法\n"
        "户口迁移要多久？,材料齐全的当场办结。,迁户口要几天；户口迁出多久\n"
        '"居住证怎么办？","到社区警务室申请，\n7个工作日内发证。","办居住证|居住证在哪办"\n'
    )
    converted = only(convert("户籍问答.csv", text.encode("gb18030")))
    assert converted.title == "户籍问答"
    assert converted.phrasings == {
        "问：户口迁移要多久？": ["迁户口要几天", "户口迁出多久"],
        "问：居住证怎么办？": ["办居住证", "居住证在哪办"],
    }
    units = preview(converted.markdown, converted.phrasings)
    assert [u["question"] for u in units] == ["户口迁移要多久？", "居住证怎么办？"]
    assert units[1]["text"] == "到社区警务室申请，\n7个工作日内发证。"


def test_a_utf8_csv_with_a_bom_and_a_title_column():
    text = "\ufefftitle,question,answer,department\n不动产登记,查档要带什么？,带身份证原件。,示例市自然资源局\n"
    converted = only(convert("export.csv", text.encode("utf-8")))
    assert converted.title == "不动产登记"
    assert converted.markdown.startswith("---\ntitle: 不动产登记\nlead_department: 示例市自然资源局\n---\n")


def test_a_table_without_question_and_answer_columns_is_refused():
    message = refusal("名单.csv", "姓名,电话\n张三,10086\n".encode())
    assert "问题" in message and "答案" in message


# --------------------------------------------------------------------------- Markdown


def test_markdown_in_gb18030_is_taken_as_it_is():
    text = "---\ntitle: 护照办理\n---\n\n# 护照\n\n## 申请材料\n\n1. 身份证\n2. 照片\n"
    converted = only(convert("护照.md", text.encode("gb18030")))
    assert converted.title == "护照办理" and converted.markdown == text
    assert preview(converted.markdown)[0]["text"] == "1. 身份证\n2. 照片"


def test_markdown_without_content_is_refused():
    assert "没有找到可导入的正文" in refusal("空.md", "# 只有标题\n".encode())


# --------------------------------------------------------------------------- hostile files


def zip_bomb_docx() -> bytes:
    """A .docx whose word/document.xml is 200 MB of zeros, written in 1 MB steps (the test
    stays small in memory); it compresses to about 200 KB."""
    buffer = io.BytesIO()
    zero = bytes(MB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(zero)
    return buffer.getvalue()


def test_a_zip_bomb_docx_is_refused_without_inflating_it():
    data = zip_bomb_docx()
    assert len(data) < 2 * MB
    assert "压缩炸弹" in refusal("通知.docx", data)


def test_a_docx_whose_parts_claim_a_huge_ratio_is_refused_even_under_the_total():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", bytes(20 * MB))
    assert "压缩炸弹" in refusal("通知.docx", buffer.getvalue())


def test_a_docx_with_too_many_entries_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for index in range(converters.MAX_ZIP_ENTRIES + 1):
            archive.writestr(f"word/media/{index}.xml", "")
    assert "条目过多" in refusal("指南.docx", buffer.getvalue())


def test_a_docx_with_an_encrypted_entry_is_refused():
    data = bytearray(government_guide_docx())
    directory = data.rfind(b"PK\x01\x02")  # the last entry's central directory record
    data[directory + 8] |= 0x01  # its "encrypted" flag
    assert "加密" in refusal("指南.docx", bytes(data))


def test_an_encrypted_pdf_is_refused_with_how_to_fix_it():
    message = refusal("指南.pdf", (FIXTURES / "encrypted.pdf").read_bytes())
    assert "加密" in message and "未加密的 PDF" in message


def test_a_pdf_encrypted_for_permissions_only_is_refused_too():
    assert "加密" in refusal("指南.pdf", (FIXTURES / "encrypted_owner_only.pdf").read_bytes())


def test_a_50_mb_file_is_refused_before_it_is_read():
    message = refusal("大文件.pdf", b"%PDF-1.7\n" + bytes(50 * MB))
    assert "50.0 MB" in message and "20 MB" in message


def test_the_size_limit_follows_its_setting(monkeypatch):
    monkeypatch.setenv("BANSHI_KB_IMPORT_MAX_MB", "1")
    assert "上限 1 MB" in refusal("指南.md", ("## 章节\n\n" + "正文。" * 200_000).encode())


def test_random_bytes_named_docx_are_refused():
    data = random.Random(7).randbytes(64 * 1024)
    assert "无法识别" in refusal("指南.docx", data)


def test_a_truncated_pdf_is_refused():
    data = (FIXTURES / "guide.pdf").read_bytes()
    assert "不完整" in refusal("指南.pdf", data[: len(data) // 2])


def test_a_damaged_pdf_is_refused():
    assert "损坏" in refusal("指南.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nnot a pdf\n%%EOF\n")


def test_an_xlsx_that_is_really_a_csv_is_refused():
    message = refusal("常见问题.xlsx", "问题,答案\n几点上班？,九点。\n".encode())
    assert ".xlsx" in message and ".csv" in message


def test_a_legacy_doc_is_refused_with_save_as_docx():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
    assert "另存为 .docx" in refusal("旧文件.doc", data)
    assert "另存为 .xlsx" in refusal("旧表格.xls", data)


def pdf_with_content(stream: bytes) -> bytes:
    """A one-page PDF whose page content is `stream` (already Flate-compressed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_whose_streams_inflate_past_the_budget_is_refused(monkeypatch):
    monkeypatch.setattr(converters, "MAX_PDF_INFLATED", 8 * MB)
    bomb = pdf_with_content(zlib.compress(bytes(16 * MB), 1))
    assert "压缩炸弹" in refusal("指南.pdf", bomb)


def test_a_pdf_without_text_is_refused_as_a_scan():
    assert "扫描件" in refusal("扫描.pdf", pdf_with_content(zlib.compress(b"0 0 100 100 re f")))


def test_a_pdf_over_the_page_cap_is_refused(monkeypatch):
    monkeypatch.setattr(converters, "MAX_PDF_PAGES", 1)
    assert "2 页" in refusal("指南.pdf", (FIXTURES / "guide.pdf").read_bytes())


def test_other_containers_and_formats_are_refused_by_name():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ppt/presentation.xml", "<p/>")
    assert "PowerPoint" in refusal("汇报.pptx", buffer.getvalue())
    assert "RTF" in refusal("指南.doc", b"{\\rtf1\\ansi hello}")
    assert "空的" in refusal("指南.md", b"")


def test_damaged_office_files_raise_only_a_conversion_error():
    """Bytes flipped at random through a real DOCX and XLSX: each either converts or is refused
    with a message; nothing else escapes."""
    generator = random.Random(11)
    originals = [
        ("指南.docx", government_guide_docx()),
        ("问答.xlsx", xlsx([["问题", "答案"], ["几点上班？", "九点。"]])),
    ]
    for name, original in originals:
        for _ in range(25):
            data = bytearray(original)
            for _ in range(generator.randint(1, 20)):
                data[generator.randrange(len(data))] = generator.randrange(256)
            try:
                convert(name, bytes(data))
            except ConversionError as error:
                assert str(error)
