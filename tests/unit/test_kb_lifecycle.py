"""The knowledge base's life: import, re-import, change, retire, draft/publish, hot reload,
one writer — on SQLite and on the local PostgreSQL — with the real embedding model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, select

from bot.db import session_factory
from bot.knowledge import index as index_files
from bot.knowledge.importer import import_paths, set_status
from bot.knowledge.retriever import Retriever
from bot.knowledge.store import RETIRED, WHOLE, KbDocument, KbDocumentVersion, KbEntry, KbUnit
from tests.support.kb_fixtures import kb_settings, postgres_database, write_pack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kb.db'}"
    else:
        yield from postgres_database()


@pytest.fixture
def kb(db_url, tmp_path):
    return kb_settings(db_url, tmp_path / "index")


def _count(kb, model, *where) -> int:
    with session_factory(kb.db_url)() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _sections(result) -> list[str]:
    return [hit.section for hit in result.hits]


def test_import_is_idempotent_and_searchable(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    first = import_paths([folder], kb)
    assert (first.documents_added, first.errors) == (2, [])
    assert first.generation == "g000001"
    second = import_paths([folder], kb)
    assert (second.documents_unchanged, second.units_added, second.entries_embedded) == (2, 0, 0)
    assert second.generation == "g000001", "an unchanged pack must not publish a new index"

    result = Retriever(kb).search("生了龙凤胎要怎么申请")
    assert result.best.section == "问：双胞胎怎么申请？"
    assert result.best.citation == "《新生儿出生一件事》· 双胞胎怎么申请？ · 2026-10-01"


def test_changed_file_is_a_new_version_touching_only_what_changed(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    import_paths([folder], kb)
    guide = folder / "newborn.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("5个工作日", "7个工作日"), encoding="utf-8")

    report = import_paths([folder], kb)
    assert (report.documents_changed, report.documents_unchanged) == (1, 1)
    assert (report.units_added, report.units_retired) == (1, 1)
    assert 0 < report.entries_embedded <= 4, "only the changed unit's entries are encoded again"
    with session_factory(kb.db_url)() as session:
        document = session.scalar(select(KbDocument).where(KbDocument.source.endswith("newborn.md")))
        assert document.version == 2
        versions = session.scalars(
            select(KbDocumentVersion.version).where(KbDocumentVersion.document_id == document.id)
        ).all()
        assert sorted(versions) == [1, 2]

    hits = Retriever(kb).search("新生儿出生一件事多少个工作日办完", k=5).hits
    texts = " ".join(h.text for h in hits)
    assert "7个工作日" in texts and "5个工作日" not in texts, "the old text must never be found again"


def test_removed_file_retires_its_units_and_their_vectors(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    import_paths([folder], kb)
    (folder / "deregistration.md").unlink()
    report = import_paths([folder], kb)
    assert report.documents_retired == 1
    assert _count(kb, KbUnit, KbUnit.status == RETIRED) == 3

    snapshot = index_files.IndexReader(kb.index_dir).snapshot()
    with session_factory(kb.db_url)() as session:
        retired_entries = set(session.scalars(select(KbEntry.id).join(KbUnit).where(KbUnit.status == RETIRED)))
    assert retired_entries and not retired_entries & set(snapshot.entry_ids.tolist())
    result = Retriever(kb).search("简易注销公示多少天")
    assert all(hit.service_code != "deregistration" for hit in result.hits)


def test_draft_is_not_searchable_until_published(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    import_paths([folder / "newborn.md"], kb, draft=True)
    retriever = Retriever(kb)
    assert retriever.search("双胞胎怎么申请").hits == []
    assert set_status(["newborn.md"], "published", kb) == [], "sources are named as imported"
    source = next(iter(_sources(kb)))
    assert set_status([source], "published", kb) == [source]
    assert retriever.search("双胞胎怎么申请").best.section == "问：双胞胎怎么申请？"
    assert set_status([source], RETIRED, kb) == [source]
    assert retriever.search("双胞胎怎么申请").hits == []


def _sources(kb) -> list[str]:
    with session_factory(kb.db_url)() as session:
        return list(session.scalars(select(KbDocument.source)))


def test_a_running_reader_picks_up_a_new_generation_without_restart(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    import_paths([folder / "newborn.md"], kb)
    retriever = Retriever(kb)
    before = retriever.search("简易注销公示多少天")
    assert all(hit.service_code != "deregistration" for hit in before.hits)
    import_paths([folder / "deregistration.md"], kb)
    after = retriever.search("简易注销公示多少天")
    assert after.generation != before.generation
    assert after.best.service_code == "deregistration"


def test_generations_are_published_whole_and_old_ones_pruned(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    import_paths([folder / "newborn.md"], kb)
    import_paths([folder / "deregistration.md"], kb)
    import_paths([folder], kb)
    current = index_files.current_generation(kb.index_dir)
    generations = sorted(p.name for p in kb.index_dir.glob("g*"))
    assert current == generations[-1] and len(generations) <= 2
    assert not list(kb.index_dir.glob(".*.tmp")), "no staging folder is left behind"
    for name in ("dense.faiss", "entries.npy", "units.npy", "lexicon.json", "manifest.json"):
        assert (kb.index_dir / current / name).exists()


def test_there_is_exactly_one_writer(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    with index_files.writer_lock(kb.index_dir), pytest.raises(index_files.WriterBusy):
        import_paths([folder], kb)
    assert import_paths([folder], kb).documents_added == 2


def test_service_item_breaks_ties_between_guides(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    import_paths([folder], kb)
    retriever = Retriever(kb)
    assert retriever.search("要多久", service_code="deregistration").best.service_code == "deregistration"
    assert retriever.search("要多久", service_code="newborn").best.service_code == "newborn"


def test_cli_search_json_and_bulk_file(tmp_path):
    folder = write_pack(tmp_path / "pack")
    env = {"BANSHI_KB_DB_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin"}
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bot", "kb", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    imported = run("import", str(folder), "--quiet")
    assert imported.returncode == 0, imported.stderr
    assert "新增 2" in imported.stdout

    single = run("search", "双胞胎怎么申请", "-k", "2", "--json")
    hits = json.loads(single.stdout.strip().splitlines()[-1])
    assert len(hits) == 2 and {"title", "text", "score"} <= set(hits[0])
    assert hits[0]["title"] == "新生儿出生一件事"

    questions = tmp_path / "q.txt"
    questions.write_text("双胞胎怎么申请\n\n简易注销公示几天\n", encoding="utf-8")
    bulk = run("search", "--file", str(questions), "--json")
    lines = [json.loads(line) for line in bulk.stdout.strip().splitlines()]
    assert len(lines) == 2 and lines[1][0]["title"] == "企业注销登记一件事"

    stats = run("stats", "--json")
    assert json.loads(stats.stdout)["documents"] == {"published": 2}
    missing = run("import", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "不存在" in missing.stderr


def test_every_unit_has_its_whole_vector_beside_the_entry_index(kb, tmp_path):
    import_paths([write_pack(tmp_path / "pack")], kb)
    snapshot = index_files.IndexReader(kb.index_dir).snapshot()
    with session_factory(kb.db_url)() as session:
        wholes = dict(session.execute(select(KbEntry.unit_id, KbEntry.vector).where(KbEntry.kind == WHOLE)).all())
        whole_ids = set(session.scalars(select(KbEntry.id).where(KbEntry.kind == WHOLE)))
    assert sorted(wholes) == snapshot.bm25_units.tolist(), "one whole-unit entry per searchable unit"
    assert not whole_ids & set(snapshot.entry_ids.tolist()), "whole units are not among the entries FAISS searches"
    for row, unit in enumerate(snapshot.bm25_units.tolist()):
        assert snapshot.whole[row] == pytest.approx(np.frombuffer(wholes[unit], dtype=np.float32))


def test_a_knowledge_base_from_before_whole_vectors_gets_them_at_the_next_import(kb, tmp_path):
    folder = write_pack(tmp_path / "pack")
    import_paths([folder], kb)
    whole_texts = select(KbEntry.unit_id, KbEntry.text).where(KbEntry.kind == WHOLE)
    with session_factory(kb.db_url)() as session, session.begin():
        imported = dict(session.execute(whole_texts).all())
        session.execute(delete(KbEntry).where(KbEntry.kind == WHOLE))
    generation = index_files.current_generation(kb.index_dir)
    (kb.index_dir / generation / index_files.WHOLE_FILE).unlink()
    assert index_files.IndexReader(kb.index_dir).snapshot().whole is None
    old = Retriever(kb).search("生了龙凤胎要怎么申请")
    assert old.best.section == "问：双胞胎怎么申请？", "an index without whole vectors still answers"

    report = import_paths([folder], kb)
    assert report.entries_embedded == _count(kb, KbUnit, KbUnit.status != RETIRED)
    with session_factory(kb.db_url)() as session:
        assert dict(session.execute(whole_texts).all()) == imported, "the same text an import gives"
    assert report.generation != generation, "the whole vectors are published"
    snapshot = index_files.IndexReader(kb.index_dir).snapshot()
    assert snapshot.whole is not None and np.linalg.norm(snapshot.whole, axis=1) == pytest.approx(1.0, abs=1e-3)
