"""A tiny knowledge base in a temp folder, on SQLite or PostgreSQL, for the KB tests."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from bot.knowledge.config import DEFAULT_EMBEDDING_MODEL, KnowledgeSettings

PG_DSN = os.environ.get("BANSHI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")

GUIDE_A = """---
code: newborn
title: 新生儿出生一件事
lead_department: 示例市卫生健康委员会
updated: 2026-10-01
---

# 新生儿出生一件事

## 申请材料

1. 《联办申请表》：线上自动生成。
2. 父母双方居民身份证：免提交。
3. 父母结婚证：免提交，无法核验的可容缺受理，10个工作日内补传。

## 办理时限与收费

- 承诺办结时限：自受理之日起5个工作日。
- 收费：5个事项均不收取任何费用。

## 常见问题

### 问：双胞胎怎么申请？

双胞胎或多胞胎分别填写新生儿信息，在同一张申请表中一次提交即可，每个孩子各自生成出生医学证明。
"""

GUIDE_B = """---
code: deregistration
title: 企业注销登记一件事
updated: 2026-09-01
---

# 企业注销登记一件事

## 适用对象与办理条件

简易注销适用于未发生债权债务或已清偿完毕的企业，全体投资人书面承诺后在国家企业信用信息公示系统公示20日。

## 办理时限与收费

- 承诺办结时限：公示期满后3个工作日内办结。
- 收费：注销登记不收费。

## 常见问题

### 问：简易注销和普通注销有什么区别？

简易注销不需要成立清算组和发布45日债权人公告，只需全体投资人承诺并公示20天。
"""

PHRASINGS = """newborn:
  问：双胞胎怎么申请？:
    - 生了龙凤胎要填两张表吗
"""


def write_pack(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "newborn.md").write_text(GUIDE_A, encoding="utf-8")
    (folder / "deregistration.md").write_text(GUIDE_B, encoding="utf-8")
    (folder / "faq_phrasings.yml").write_text(PHRASINGS, encoding="utf-8")
    (folder / "README.md").write_text("# 说明\n\n不是指南。\n", encoding="utf-8")
    return folder


def kb_settings(db_url: str, index_dir: Path) -> KnowledgeSettings:
    return KnowledgeSettings(
        db_url=db_url,
        index_dir=index_dir,
        embedding_model=str(DEFAULT_EMBEDDING_MODEL),
        exact_index_limit=50_000,
        answer_threshold=None,
        suggest_threshold=None,
        query_threads=1,
        import_threads=2,
        warm_up=False,
    )


def postgres_database():
    """A fresh PostgreSQL database for one test (dropped after), or a skip without a server."""
    psycopg = pytest.importorskip("psycopg")
    name = f"kbtest_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable: {error}")
    admin.execute(f"CREATE DATABASE {name}")
    base = PG_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        from bot.db import get_engine

        get_engine(f"{base}/{name}").dispose()
        get_engine.cache_clear()
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
