"""The service catalogue: the 13 一件事, read from the front matter of the guides in `knowledge/`.

Editors own `knowledge/`; names, departments, bundled services and time limits live there
once, and the bot reads them instead of keeping a second copy that would drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import settings

SERVICE_CODES = (
    "newborn",
    "school_enrollment",
    "social_security_card",
    "disability",
    "retirement",
    "enterprise_change",
    "transport_company",
    "restaurant",
    "utility_installation",
    "credit_repair",
    "ipo_compliance",
    "bankruptcy_check",
    "deregistration",
)
"""The codes of slot `service_item`, in menu order (DESIGN.md)."""

PERSONAL = "个人"
ENTERPRISE = "企业"


@dataclass(frozen=True)
class ServiceItem:
    code: str
    title: str
    audience: str
    lead_department: str
    cooperating_departments: tuple[str, ...]
    integrated_services: tuple[str, ...]
    time_limit_days: int | None
    fee: str
    channels: tuple[str, ...]
    updated: str
    source: str

    @property
    def short_name(self) -> str:
        """「新生儿出生一件事」→「新生儿出生」, for buttons where space is short."""
        return self.title.removesuffix("一件事")

    @property
    def intent(self) -> str:
        return f"need_{self.code}"


def read_front_matter(path: Path) -> dict:
    """The YAML block between the leading `---` lines of a Markdown guide ({} if none)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    _, block, _rest = text.split("---", 2)
    return yaml.safe_load(block) or {}


def _item_from(meta: dict, source: Path) -> ServiceItem:
    days = meta.get("legal_time_limit_days")
    return ServiceItem(
        code=meta["code"],
        title=meta["title"],
        audience=meta.get("audience", ""),
        lead_department=meta.get("lead_department", ""),
        cooperating_departments=tuple(meta.get("cooperating_departments") or ()),
        integrated_services=tuple(meta.get("integrated_services") or ()),
        time_limit_days=int(days) if days is not None else None,
        fee=str(meta.get("fee", "")),
        channels=tuple(meta.get("channels") or ()),
        updated=str(meta.get("updated", "")),
        source=source.name,
    )


@lru_cache(maxsize=4)
def load_catalogue(knowledge_dir: Path | None = None) -> dict[str, ServiceItem]:
    """All 一件事 found in the knowledge folder, keyed by code, in menu order."""
    folder = Path(knowledge_dir or settings.knowledge_dir)
    found: dict[str, ServiceItem] = {}
    for path in sorted(folder.glob("*.md")):
        meta = read_front_matter(path)
        if meta.get("code") in SERVICE_CODES:
            found[meta["code"]] = _item_from(meta, path)
    order = {code: i for i, code in enumerate(SERVICE_CODES)}
    return dict(sorted(found.items(), key=lambda kv: order[kv[0]]))


def get_item(code: str) -> ServiceItem | None:
    return load_catalogue().get(code)


def code_for_intent(intent: str | None) -> str | None:
    """`need_newborn` → `newborn`; anything else → None."""
    if intent and intent.startswith("need_") and intent[5:] in SERVICE_CODES:
        return intent[5:]
    return None
