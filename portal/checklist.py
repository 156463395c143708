"""The checklist of one application: which materials its case needs and what is done about
each (免提交, 已上传, 容缺, still needed …). The chat's summary, the portal's answer and its
refusal to submit an incomplete application all read it from here."""

from __future__ import annotations

from bot.applications.form import ORIGINAL, SIGN, Form, Material
from portal.identity import aware
from portal.models import Application, MaterialFile
from portal.schemas import ChecklistItemOut, MaterialFileOut

APPLICATION, SUPPLEMENT = "application", "supplement"
"""Why a file was uploaded: with the application, or afterwards for a 补正 or a 容缺 promise."""


def live_files(app: Application, material: str | None = None) -> list[MaterialFile]:
    return [f for f in app.files if f.removed_at is None and (material is None or f.material == material)]


def file_out(row: MaterialFile) -> MaterialFileOut:
    return MaterialFileOut(
        file_id=row.file_id,
        material=row.material,
        content_type=row.content_type,  # type: ignore[arg-type]
        size=row.size,
        pages=row.pages,
        uploaded_at=aware(row.uploaded_at),
        purpose=row.purpose,  # type: ignore[arg-type]
    )


def _status(material: Material, app: Application, deferred: set[str], signed: set[str]) -> str:
    if material.shared:
        return "shared"
    if live_files(app, material.name):
        return "uploaded"
    if material.name in deferred:
        return "deferred"
    if material.name in signed:
        return "signed"
    if material.supply in (SIGN, ORIGINAL):
        return material.supply
    return "optional" if material.optional else "needed"


def checklist(form: Form, app: Application, signed: set[str]) -> list[ChecklistItemOut]:
    """The case's materials with what is done about each (the same list the chat shows);
    `signed` names the 承诺书 whose text, as it reads now, is signed."""
    deferred = {d.name for d in app.deferred}
    return [
        ChecklistItemOut(
            name=m.name,
            status=_status(m, app, deferred, signed),  # type: ignore[arg-type]
            deferrable=m.deferrable,
            note=m.note,
            files=[file_out(f) for f in live_files(app, m.name)],
        )
        for m in form.materials_for(app.fields)
    ]


def missing_uploads(form: Form, app: Application, deferred: set[str]) -> list[str]:
    """Materials submission waits for: demanded, neither uploaded nor deferred on a commitment."""
    return [
        m.name
        for m in form.materials_for(app.fields)
        if m.demanded and m.name not in deferred and not live_files(app, m.name)
    ]
