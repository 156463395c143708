"""The editors' workbench (the 知识库 tab of the staff web app) in a real browser on the real stack.

An editor writes a new guide, a reviewer approves and publishes it, and a citizen's question is
answered with its fact, citing the guide and 第1版, in the chat and in the web widget. The
editor (who also reviews other people's work) cannot approve their own next change; once a
reviewer has, the chat cites 第2版; a rollback in the browser brings the first fact back; a
section past its 有效期 is not quoted (the bot says the rule changed). The hit test shows the
decision and the ranked units, and the bulk hit test on eval/kb_questions.yml shows the hybrid
Recall@1 that `kb eval`'s function computes on the same knowledge base. Each sub-view is
photographed at 1280×800 into test-output/workbench-*.png.

The e2e knowledge base is shared by every test and run (the golden transcripts cite its 13
guides), so this test touches only a guide of its own, named uniquely, and retires it at the end.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from bot.editing.documents import new_source
from bot.knowledge.retriever import china_today
from tests.e2e.conftest import KB_DB_URL, ROOT
from tests.e2e.test_portal_chat import texts
from tests.support.browser import CHROMIUM, OUTPUT, browser_page
from tests.support.staff import PASSWORD, Staff, new_staff, staff_cli
from tests.support.waiting import until

WHERE = "养狗登记要去哪个窗口办"
OLD_FEE = "犬只登记管理费一年交多少"
ANOTHER_WAY = "狗证在哪里办"
FIRST_WINDOW, SECOND_WINDOW = "一楼A3号窗口", "二楼B7号窗口"
DEPARTMENT = "示例市农业农村局"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")


def guide_text(title: str, window: str) -> str:
    """A small guide: a fact that changes, a section expired yesterday, one ending in 20 days."""
    today = china_today()
    return f"""---
title: {title}
lead_department: {DEPARTMENT}
updated: {today}
---

# {title}

## 事项简介

养犬人应在犬只取得狂犬病免疫证明后30日内办理犬只登记，领取犬只登记证和犬牌。

## 办理地点

犬只登记请到示例市动物卫生监督所{window}办理，工作日上午9:00—12:00、下午13:30—17:00。

## 旧版登记收费标准

（有效期至{today - timedelta(days=1)}）

犬只登记每只每年收取管理费300元。

## 免费疫苗

（有效期至{today + timedelta(days=20)}）

本年度内为已登记的犬只免费接种狂犬病疫苗一次。
"""


def editor_who_also_reviews(stack) -> Staff:
    """A senior editor with both roles: the one person for whom "not your own" is the only bar."""
    name = f"editor{uuid.uuid4().hex[:6]}"
    made = staff_cli(
        stack, "add", name, "--name", "王编辑", "--role", "editor", "--role", "reviewer", "--password-stdin"
    )
    assert made.returncode == 0, made.stderr
    return Staff(stack, name)


def sign_in(page, person: Staff) -> None:
    login = page.locator("#login")
    login.get_by_label("用户名").fill(person.username)
    login.get_by_label("密码").fill(PASSWORD)
    login.get_by_role("button", name="登录").click()
    page.locator("#tabs").get_by_role("button", name="知识库").click()
    page.locator("#kb-doc-rows tr").first.wait_for(timeout=30_000)


def sub_view(page, name: str) -> None:
    page.locator("#kb-nav").get_by_role("button", name=name).click()


def open_document(page, title: str) -> None:
    sub_view(page, "文档")
    docs = page.locator("#kb-docs")
    docs.get_by_label("搜索").fill(title)
    docs.get_by_role("button", name="查询").click()
    docs.get_by_role("button", name=title, exact=True).click()
    page.locator("#kb-doc-title").get_by_text(title, exact=True).wait_for()


def wait_for_note(page, words: str) -> None:
    page.locator("#notice").get_by_text(words, exact=False).wait_for(timeout=30_000)


def submit(page) -> None:
    """提交审核 in the editor; its message beside the buttons is cleared whenever a document opens."""
    editor = page.locator("#kb-editor")
    editor.get_by_role("button", name="提交审核").click()
    editor.locator("#kb-edit-done").get_by_text("已提交审核").wait_for(timeout=30_000)


def review_and_publish(page, title: str, version: int, screenshot: str | None = None) -> None:
    """The reviewer opens the submitted change, reads it, approves and publishes it."""
    sub_view(page, "审核")
    review = page.locator("#kb-review")
    review.get_by_role("button", name=title, exact=True).click()
    detail = page.locator("#kb-revision")
    detail.locator(".wb-diff").wait_for()
    if screenshot:
        page.screenshot(path=str(OUTPUT / screenshot))
    detail.get_by_role("button", name="通过").click()
    wait_for_note(page, "已审核通过")
    detail.get_by_role("button", name="发布").click()
    wait_for_note(page, f"群众现在看到的是第{version}版")


def answered(stack, question: str, wanted: str) -> str:
    """The chat's answer once it contains `wanted` (a publish reaches the bot within seconds)."""
    sender = f"e2e-workbench-{uuid.uuid4().hex[:8]}"

    def reply() -> str | None:
        text = texts(stack.say(question, sender))
        return text if wanted in text else None

    return until(reply, timeout=20, every=1)


def retire(editor: Staff, reviewer: Staff, source: str) -> None:
    """Takes the test's guide down through the same workflow (withdrawing what is left open)."""
    found = editor.call("GET", "/kb/document", params={"source": source})
    if found.status_code == 404:
        return
    left_open = found.json()["revision"]
    if left_open:
        assert editor.call("POST", f"/revisions/{left_open['id']}/withdraw", json={}).status_code == 200
    if (found.json()["document"] or {}).get("status") != "published":
        return
    draft = editor.call("POST", "/kb/drafts", json={"source": source, "retire": True, "body": "", "note": "测试结束"})
    revision = draft.json()["revision"]["id"]
    assert editor.call("POST", f"/revisions/{revision}/submit", json={}).status_code == 200
    assert reviewer.call("POST", f"/revisions/{revision}/approve", json={}).status_code == 200
    published = httpx.post(
        f"{editor.url}/staff/api/revisions/{revision}/publish",
        headers={"Cookie": editor.cookie, "X-CSRF-Token": editor.csrf},
        json={},
        timeout=120,  # a publish waits for a running import
    )
    assert published.status_code == 200, published.text


@pytest.fixture
def guide(stack):
    """The test's guide: its title, its source name and the two people who look after it."""
    title = f"示例市犬只登记一件事-{uuid.uuid4().hex[:6]}"
    editor, reviewer = editor_who_also_reviews(stack), new_staff(stack, "reviewer")
    source = new_source(title)
    yield {"title": title, "source": source, "editor": editor, "reviewer": reviewer}
    retire(editor, reviewer, source)


def write_new_guide(page, title: str) -> None:
    page.locator("#kb-docs").get_by_role("button", name="新建文档").click()
    editor = page.locator("#kb-editor")
    editor.get_by_label("文档内容").fill(guide_text(title, FIRST_WINDOW))
    editor.locator("#kb-q-heading option", has_text="旧版登记收费标准").wait_for(state="attached")
    for heading, question in (("办理地点", WHERE), ("旧版登记收费标准", OLD_FEE)):
        editor.get_by_label("章节").select_option(heading)
        editor.locator("#kb-q-text").fill(question)
        editor.get_by_role("button", name="添加", exact=True).click()
    editor.locator("#kb-q-groups").get_by_text(WHERE).wait_for()
    editor.get_by_label("修改说明").fill("新增犬只登记指南")
    editor.locator("#kb-preview-state").get_by_text("预览已更新").wait_for()
    assert "有效期至" in editor.locator("#kb-units").inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(OUTPUT / "workbench-editor-page.png"))
    editor.get_by_role("button", name="切分条目").click()
    assert "已过期" in editor.locator("#kb-units").inner_text()
    page.screenshot(path=str(OUTPUT / "workbench-editor.png"))


def edit_the_fact(page, title: str) -> None:
    open_document(page, title)
    editor = page.locator("#kb-editor")
    body = editor.get_by_label("文档内容")
    body.fill(body.input_value().replace(FIRST_WINDOW, SECOND_WINDOW))
    editor.get_by_label("修改说明").fill("办理窗口搬到二楼")
    submit(page)


def own_change_is_refused(page, title: str) -> None:
    sub_view(page, "审核")
    page.locator("#kb-review").get_by_role("button", name=title, exact=True).click()
    detail = page.locator("#kb-revision")
    detail.get_by_text("这是您本人提交的修改").wait_for()
    detail.get_by_role("button", name="通过").click()
    detail.get_by_text("不能审核自己提交的修改").wait_for()
    detail.get_by_role("button", name="通过").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "workbench-own-change.png"))


def roll_back_to_the_first_version(page, title: str) -> None:
    open_document(page, title)
    history = page.locator("#kb-history")
    first = history.locator("tr", has_text="第1版")
    first.get_by_role("button", name="对比").click()
    history.locator(".wb-diff mark").first.wait_for()
    assert SECOND_WINDOW[:2] in history.locator(".wb-diff").inner_text()
    history.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "workbench-diff.png"))
    first.get_by_role("button", name="回滚到此版本").click()
    page.locator("dialog.wb-dialog").get_by_role("button", name="回滚").click()
    wait_for_note(page, "已回滚")


def hit_test(page, title: str) -> None:
    sub_view(page, "命中测试")
    hits = page.locator("#kb-hits")
    hits.get_by_label("群众的问题").fill(WHERE)
    hits.get_by_role("button", name="测试", exact=True).click()
    result = hits.locator("#kb-hit-result")
    result.locator(".wb-decision").get_by_text("答复", exact=True).wait_for(timeout=30_000)
    first = result.locator(".wb-hit").first
    assert title in first.inner_text() and "第3版" in first.inner_text()
    assert result.locator(".wb-hit").count() > 1, "the ranked units, not just the best"
    assert FIRST_WINDOW in result.locator(".wb-chat").inner_text()
    page.screenshot(path=str(OUTPUT / "workbench-hit-test.png"))

    hits.get_by_label("群众的问题").fill(ANOTHER_WAY)
    hits.get_by_role("button", name="测试", exact=True).click()
    ours = result.locator(".wb-hit", has_text=title).first
    ours.get_by_role("button", name="添加为关联问题").click()
    page.locator("#kb-editor #kb-q-groups").get_by_text(ANOTHER_WAY).wait_for()
    assert ANOTHER_WAY in page.locator("#kb-edit-done").inner_text()
    sub_view(page, "即将到期")  # the added question is not saved: leaving asks first
    page.locator("dialog.wb-dialog").get_by_role("button", name="放弃修改并离开").click()


def bulk_recall_at_1(page) -> float:
    sub_view(page, "命中测试")
    form = page.locator("#kb-bulk-form")
    form.get_by_label("问题清单").set_input_files(str(ROOT / "eval" / "kb_questions.yml"))
    form.get_by_role("button", name="运行").click()
    shown = page.locator('#kb-bulk-result tr[data-mode="hybrid"][data-scope="published"] td[data-metric="recall_at_1"]')
    shown.wait_for(timeout=300_000)
    page.locator("#kb-bulk-result").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "workbench-bulk.png"))
    return float(shown.get_attribute("data-value"))


def kb_eval_recall_at_1() -> float:
    """What `python -m bot kb eval` reports for the hybrid mode on the same knowledge base."""
    from bot.knowledge.config import KnowledgeSettings
    from bot.knowledge.evaluation import evaluate, load_eval_set
    from bot.knowledge.retriever import Retriever

    scores = evaluate(Retriever(KnowledgeSettings.from_env(KB_DB_URL)), load_eval_set())
    return round(next(s for s in scores if s.mode == "hybrid").recall_at_1, 4)


def expiries(page, title: str) -> None:
    sub_view(page, "即将到期")
    view = page.locator("#kb-expiry")
    view.get_by_label("时间范围").select_option("366")
    view.get_by_role("button", name="查询").click()
    group = view.locator(".wb-group", has_text=DEPARTMENT)
    group.get_by_role("button", name=title).wait_for()
    assert "免费疫苗" in group.inner_text() and "还剩 20 天" in group.inner_text()
    page.screenshot(path=str(OUTPUT / "workbench-expiry.png"))


def import_preview(page, tmp_path) -> None:
    sub_view(page, "文档")
    upload = tmp_path / "犬只登记常见问题.md"
    upload.write_text(
        "# 犬只登记常见问题\n\n## 问：犬牌丢了怎么办？\n\n携带登记证到原登记窗口补领。\n", encoding="utf-8"
    )
    form = page.locator("#kb-import-form")
    form.get_by_label("导入文件").set_input_files(str(upload))
    form.get_by_role("button", name="上传并预览").click()
    imported = page.locator("#kb-import")
    imported.get_by_text("携带登记证到原登记窗口补领").wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / "workbench-import.png"))
    imported.get_by_role("button", name="关闭").click()


def test_an_edited_guide_reaches_the_chat_through_review_and_rolls_back(stack, guide, tmp_path):
    title, editor, reviewer = guide["title"], guide["editor"], guide["reviewer"]
    with browser_page(stack.console_url + "/staff/", 1280, 800) as (browser, page):
        broken = []  # a script error or a CSP refusal
        page.on("pageerror", lambda error: broken.append(str(error)))
        page.on("console", lambda line: broken.append(line.text) if "Content Security Policy" in line.text else None)
        sign_in(page, editor)
        page.screenshot(path=str(OUTPUT / "workbench-documents.png"))
        import_preview(page, tmp_path)
        write_new_guide(page, title)
        submit(page)

        checker = browser.new_page(viewport={"width": 1280, "height": 800})
        checker.goto(stack.console_url + "/staff/")
        sign_in(checker, reviewer)
        review_and_publish(checker, title, 1, screenshot="workbench-review.png")
        first = answered(stack, WHERE, FIRST_WINDOW)
        assert f"《{title}》" in first and "第1版" in first, first
        source_page = httpx.get(f"{stack.console_url}/guides/by-title/{title}", timeout=10, follow_redirects=True)
        assert source_page.status_code == 200 and FIRST_WINDOW in source_page.text, "the citation's link opens it"
        in_widget(browser, stack, title)

        edit_the_fact(page, title)
        own_change_is_refused(page, title)
        review_and_publish(checker, title, 2)
        second = answered(stack, WHERE, SECOND_WINDOW)
        assert "第2版" in second and FIRST_WINDOW not in second, second

        roll_back_to_the_first_version(checker, title)
        again = answered(stack, WHERE, FIRST_WINDOW)
        assert "第3版" in again, again
        expired = texts(stack.say(OLD_FEE, f"e2e-workbench-{uuid.uuid4().hex[:8]}"))
        assert "已调整" in expired and "300元" not in expired, expired

        hit_test(page, title)
        expiries(page, title)
        assert bulk_recall_at_1(page) == kb_eval_recall_at_1()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, "the page fits 1280 wide"
        assert broken == []


def in_widget(browser, stack, title: str) -> None:
    """The same answer in the web widget a citizen uses on a phone."""
    phone = browser.new_page(viewport={"width": 375, "height": 812})
    phone.goto(stack.console_url + "/")
    widget = phone.locator("#banshi-widget")
    widget.get_by_role("button", name="新生儿出生", exact=True).wait_for(timeout=60_000)
    widget.get_by_role("textbox").fill(WHERE)
    widget.get_by_role("button", name="发送").click()
    widget.get_by_text(FIRST_WINDOW, exact=False).last.wait_for(timeout=30_000)
    conversation = widget.locator("ol").inner_text()
    assert title in conversation and "第1版" in conversation, conversation
    phone.screenshot(path=str(OUTPUT / "workbench-widget-answer.png"))
    phone.close()
