"""The editors' workbench as a library (bot/editing): review before publish, versions and
rollback, validity dates, scheduled publishing, linked questions kept, the staged hit test —
on a small pack with the real embedding model and the real index."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bot.editing import hit_test
from bot.editing.revisions import APPROVED, PUBLISHED, SUBMITTED, RevisionError
from bot.editing.workbench import DocumentFilter, Workbench
from bot.knowledge.answering import reply_to
from bot.knowledge.evaluation import EvalSet, Question
from bot.knowledge.importer import import_paths
from bot.knowledge.retriever import Retriever, china_today
from bot.migrate import alembic_config, upgrade
from bot.staff.accounts import StaffUser
from tests.support.kb_fixtures import kb_settings, write_pack

EDITOR = StaffUser(1, "editor.wang", "王编辑", ("editor",), True)
SECOND_EDITOR = StaffUser(2, "editor.li", "李编辑", ("editor",), True)
REVIEWER = StaffUser(3, "reviewer.zhao", "赵审核", ("reviewer",), True)
AGENT = StaffUser(4, "agent.sun", "孙坐席", ("agent",), True)
NEWBORN = "newborn.md"
QUESTION = "新生儿出生一件事多少个工作日办完"


@pytest.fixture
def bench(tmp_path) -> Workbench:
    kb = kb_settings(f"sqlite:///{tmp_path / 'kb.db'}", tmp_path / "index")
    import_paths([write_pack(tmp_path / "pack")], kb)
    return Workbench(kb)


def _source(bench: Workbench, name: str) -> str:
    return next(d["source"] for d in bench.documents(DocumentFilter()) if d["source"].endswith(name))


def _edit(bench: Workbench, user: StaffUser, old: str, new: str, **kwargs) -> dict:
    source = _source(bench, NEWBORN)
    current = bench.document(source)["text"]
    body = current["body"].replace(old, new)
    return bench.save(user, source, body, current["phrasings"], **kwargs)


def _through_review(bench: Workbench, revision: dict) -> dict:
    bench.submit(EDITOR, revision["id"])
    bench.review(REVIEWER, revision["id"], True, None)
    return bench.publish(EDITOR, revision["id"])


def _answer(bench: Workbench, question: str = QUESTION):
    return Retriever(bench.kb).search(question, k=5)


def test_an_edit_goes_live_only_after_another_person_approves_it(bench):
    revision = _edit(bench, EDITOR, "5个工作日", "4个工作日", note="时限压缩")
    with pytest.raises(RevisionError, match="审核"):
        bench.publish(EDITOR, revision["id"])
    assert "5个工作日" in _answer(bench).best.text, "a draft is never searched"

    bench.submit(EDITOR, revision["id"])
    with pytest.raises(RevisionError) as own:
        bench.review(StaffUser(1, "editor.wang", "王编辑", ("editor", "reviewer"), True), revision["id"], True, None)
    assert own.value.code == "own_revision"
    with pytest.raises(RevisionError) as not_reviewer:
        bench.review(SECOND_EDITOR, revision["id"], True, None)
    assert not_reviewer.value.code == "forbidden"
    with pytest.raises(RevisionError, match="原因"):
        bench.review(REVIEWER, revision["id"], False, "")

    assert bench.review(REVIEWER, revision["id"], True, "核对无误")["status"] == APPROVED
    published = bench.publish(EDITOR, revision["id"])
    assert published["status"] == PUBLISHED and published["changed"]

    best = _answer(bench).best
    assert "4个工作日" in best.text
    assert best.citation.endswith("第2版"), "the citizen sees which version answered"


def test_rollback_brings_the_old_answer_back_as_a_new_version(bench):
    _through_review(bench, _edit(bench, EDITOR, "5个工作日", "4个工作日"))
    source = _source(bench, NEWBORN)
    with pytest.raises(RevisionError) as refused:
        bench.rollback(EDITOR, source, 1)
    assert refused.value.code == "forbidden"

    bench.rollback(REVIEWER, source, 1)
    best = _answer(bench).best
    assert "5个工作日" in best.text and best.citation.endswith("第3版")
    versions = bench.document(source)["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert versions[0]["author"] == REVIEWER.username and all(v["has_text"] for v in versions)
    diff = bench.version_diff(source, 2, 3)
    changed = [row for row in diff["lines"] if row["op"] in ("add", "del")]
    assert {row["op"] for row in changed} == {"add", "del"}
    assert any(seg == ["5", True] for row in changed for seg in row.get("segments", []))


def test_a_folder_import_never_overwrites_the_workbench(bench, tmp_path):
    _through_review(bench, _edit(bench, EDITOR, "5个工作日", "4个工作日"))
    report = import_paths([tmp_path / "pack"], bench.kb)
    assert report.documents_kept == 1 and report.documents_retired == 0
    assert "4个工作日" in _answer(bench).best.text


def test_one_open_revision_per_document(bench):
    first = _edit(bench, EDITOR, "5个工作日", "4个工作日")
    with pytest.raises(RevisionError) as taken:
        _edit(bench, SECOND_EDITOR, "5个工作日", "6个工作日")
    assert taken.value.code == "taken" and "editor.wang" in str(taken.value)
    with pytest.raises(RevisionError) as agent:
        _edit(bench, AGENT, "5个工作日", "6个工作日")
    assert agent.value.code == "forbidden"

    bench.withdraw(EDITOR, first["id"])
    assert _edit(bench, SECOND_EDITOR, "5个工作日", "6个工作日")["author"] == SECOND_EDITOR.username


def test_a_stale_draft_is_refused_at_publish(bench):
    source = _source(bench, NEWBORN)
    stale = _edit(bench, EDITOR, "5个工作日", "4个工作日")
    bench.submit(EDITOR, stale["id"])
    bench.review(REVIEWER, stale["id"], True, None)
    with bench._session() as session:  # the document moved on meanwhile (a file import of a new version)
        from bot.editing.documents import find

        find(session, source).version += 1
    with pytest.raises(RevisionError) as conflict:
        bench.publish(EDITOR, stale["id"])
    assert conflict.value.code == "conflict"


def test_an_expired_rule_is_never_quoted_and_the_citizen_hears_it_changed(bench):
    yesterday = (china_today() - timedelta(days=1)).isoformat()
    _through_review(
        bench,
        _edit(bench, EDITOR, "## 办理时限与收费\n", f"## 办理时限与收费\n\n（有效期至{yesterday}）\n"),
    )
    asked = "新生儿出生一件事承诺办结时限是几个工作日"
    result = _answer(bench, asked)
    assert result.decision != "abstain", "the tiny pack must still find the section"
    assert result.best.expired and result.best.expired_on == yesterday
    reply = reply_to(result, asked)
    assert reply.decision == "abstain"
    assert "已调整" in reply.replies[0].text and "5个工作日" not in reply.replies[0].text

    done = bench.run_schedule()
    assert done["expired"] and done["expired"][0]["units"] >= 1


def test_a_rule_not_yet_in_force_is_not_found_before_its_day(bench):
    tomorrow = (china_today() + timedelta(days=1)).isoformat()
    _through_review(
        bench,
        _edit(bench, EDITOR, "## 办理时限与收费\n", f"## 办理时限与收费\n\n（自{tomorrow}起施行）\n"),
    )
    assert all("5个工作日" not in hit.text for hit in _answer(bench).hits)


def test_an_approved_revision_with_a_later_date_is_published_by_the_schedule(bench):
    later = china_today() + timedelta(days=3)
    revision = _edit(bench, EDITOR, "5个工作日", "4个工作日", effective=later.isoformat())
    bench.submit(EDITOR, revision["id"])
    bench.review(REVIEWER, revision["id"], True, None)
    with pytest.raises(RevisionError) as early:
        bench.publish(EDITOR, revision["id"])
    assert early.value.code == "not_yet"
    assert bench.run_schedule(today=later - timedelta(days=1))["published"] == []
    assert "5个工作日" in _answer(bench).best.text

    done = bench.run_schedule(today=later)
    assert [p["id"] for p in done["published"]] == [revision["id"]]
    assert "4个工作日" in _answer(bench).best.text


def test_a_linked_question_whose_heading_is_renamed_is_flagged_not_dropped(bench):
    source = _source(bench, NEWBORN)
    current = bench.document(source)["text"]
    assert current["phrasings"] == {"问：双胞胎怎么申请？": ["生了龙凤胎要填两张表吗"]}
    body = current["body"].replace("### 问：双胞胎怎么申请？", "### 问：双胞胎、多胞胎怎么申请？")
    revision = bench.save(EDITOR, source, body, current["phrasings"])
    assert bench.preview(body, current["phrasings"])["orphans"] == current["phrasings"]
    with pytest.raises(RevisionError) as blocked:
        bench.submit(EDITOR, revision["id"])
    assert blocked.value.code == "blocked" and "双胞胎怎么申请" in str(blocked.value)
    assert bench.revision(revision["id"])["data"]["phrasings"] == current["phrasings"], "kept, not dropped"

    moved = {"问：双胞胎、多胞胎怎么申请？": current["phrasings"]["问：双胞胎怎么申请？"]}
    revision = bench.save(EDITOR, source, body, moved)
    assert bench.submit(EDITOR, revision["id"])["status"] == SUBMITTED


def test_a_new_document_and_its_retirement(bench):
    body = "---\ntitle: 示例市养犬登记\ndepartment: 示例市公安局\n---\n\n# 示例市养犬登记\n\n## 办理时限\n\n养犬登记当场办结，免费。\n"
    revision = bench.save(EDITOR, None, body)
    assert revision["target"].startswith("workbench/")
    listed = bench.documents(DocumentFilter(status="editing"))
    assert [d["status"] for d in listed if d["source"] == revision["target"]] == ["new"]
    _through_review(bench, revision)
    assert _answer(bench, "养犬登记要多久").best.title == "示例市养犬登记"
    assert bench.documents(DocumentFilter(department="示例市公安局"))[0]["source"] == revision["target"]

    retire = bench.save(EDITOR, revision["target"], "", retire=True)
    _through_review(bench, retire)
    assert all(hit.title != "示例市养犬登记" for hit in _answer(bench, "养犬登记要多久").hits)


def test_the_bulk_hit_test_shows_what_a_draft_would_break(bench):
    questions = EvalSet([Question(QUESTION, "newborn", ("办理时限与收费",))], ["火星移民签证怎么办"])
    draft = _edit(
        bench,
        EDITOR,
        "## 办理时限与收费\n\n- 承诺办结时限：自受理之日起5个工作日。\n- 收费：5个事项均不收取任何费用。\n",
        "",
    )
    with bench._session() as session:
        from bot.editing.revisions import ContentRevision

        row = session.get(ContentRevision, draft["id"])
        session.expunge(row)
    result = hit_test.bulk(Retriever(bench.kb), questions, row)
    assert result["questions"] == 1 and result["out_of_kb"] == 1
    assert result["published"][-1]["recall_at_5"] == 1.0
    assert result["broken"] == [QUESTION], "the draft removes the section that answers it"
    assert "5个工作日" in _answer(bench).best.text, "the published index is untouched"


def test_bulk_questions_from_csv_and_yaml():
    csv_set = hit_test.read_questions(
        "q.csv", "问题,文档,章节\n孩子出生要多久,newborn,办理时限与收费\n火星签证,,\n".encode()
    )
    assert csv_set.questions == [Question("孩子出生要多久", "newborn", ("办理时限与收费",))]
    assert csv_set.out_of_kb == ["火星签证"]
    yaml_set = hit_test.read_questions("q.yml", b"questions:\n  - q: a\n    doc: newborn\n    section: [x, y]\n")
    assert yaml_set.questions[0].sections == ("x", "y")
    with pytest.raises(RevisionError):
        hit_test.read_questions("q.csv", b"\xff\xfe\x00garbage")
    with pytest.raises(RevisionError):
        hit_test.read_questions("q.csv", b"foo,bar\n1,2\n")


def test_expiries_are_listed_for_the_owning_department(bench):
    soon = (date.today() + timedelta(days=20)).isoformat()
    _through_review(bench, _edit(bench, EDITOR, "## 办理时限与收费\n", f"## 办理时限与收费\n\n（有效期至{soon}）\n"))
    rows = bench.expiries(days=30)
    assert [(r["department"], r["section"], r["expires"]) for r in rows] == [
        ("示例市卫生健康委员会", "办理时限与收费", soon)
    ]
    assert bench.expiries(days=30, department="示例市公安局") == []


def test_the_workbench_migration_keeps_a_knowledge_base_with_data(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO kb_documents (id, source, title, departments, updated, version, status, content_hash,"
                " changed_at) VALUES (1, 'knowledge/a.md', 'A', '[]', '', 2, 'published', 'h', '2026-12-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO kb_unanswered (id, created_at, question, outcome, confidence)"
                " VALUES (1, '2026-12-01', '问题', 'abstain', 0.1)"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT origin, version FROM kb_documents")).one() == ("file", 2)
        assert connection.execute(text("SELECT state FROM kb_unanswered")).scalar_one() == "open"
        assert connection.execute(text("SELECT count(*) FROM content_revisions")).scalar_one() == 0


def test_the_guide_page_says_an_expired_section_has_changed_instead_of_stating_it():
    from bot.knowledge.sources import without_expired
    from console.guides import render_markdown

    body = "# 指南\n\n## 收费\n\n（有效期至2026-01-31）\n\n每只每年收取管理费300元。\n\n## 地点\n\n一楼A3号窗口。\n"
    page = render_markdown(without_expired(body, "2026-02-01"))
    assert "300元" not in page and "有效期到2026-01-31为止" in page and "一楼A3号窗口" in page
    assert "300元" in render_markdown(without_expired(body, "2026-01-31")), "valid through its last day"
