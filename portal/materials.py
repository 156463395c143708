"""Materials handed in as files: uploaded to a draft, or after submission for a 补正 or a
容缺 commitment; replaced, removed, and counted into the application's checklist.

The bytes go to the object store first and the row second, so a failure in between leaves at
most an unreferenced object, never a row without its file. Every upload carries the client's
Idempotency-Key: a retry after a lost answer finds the first upload and stores nothing twice.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.applications.form import ORIGINAL, SIGN, Form
from bot.objectstore import ObjectNotFound, ObjectStore
from portal.applications import OPEN_STATUSES, to_out
from portal.checklist import APPLICATION, SUPPLEMENT, file_out, live_files
from portal.config import PortalConfig
from portal.db import Database, utcnow
from portal.errors import ApiError
from portal.file_checks import FileRefused, check_file
from portal.forms import FORMS
from portal.identity import Subject
from portal.models import Application, MaterialFile
from portal.records import add_event, check_key, owned
from portal.schemas import ApplicationOut, UploadOut

log = logging.getLogger("portal.materials")


def _accepting(session: Session, app: Application, form: Form, name: str) -> str:
    """Why this file may be attached now (to the draft, or as a supplement), else a refusal."""
    if app.status == "draft":
        material = next((m for m in form.materials_for(app.fields) if m.name == name), None)
        if material is None:
            raise ApiError(422, "material_not_in_case", f"「{name}」不是本事项需要的材料，请按材料清单上传。")
        if material.shared:
            raise ApiError(422, "material_shared", f"「{name}」免提交，部门通过数据共享获取，不用上传。")
        if material.supply == SIGN:
            raise ApiError(422, "material_signed_online", f"「{name}」需要在线签署，不用上传文件。")
        if material.supply == ORIGINAL:
            raise ApiError(422, "material_original", f"「{name}」需要交回原件（窗口或邮寄），不用上传照片。")
        return APPLICATION
    if app.status in OPEN_STATUSES:
        requested = {m for t in app.subtasks if t.status == "correction" for m in t.missing_materials}
        requested |= {d.name for d in app.deferred if d.provided_at is None}
        if name in requested:
            return SUPPLEMENT
        raise ApiError(422, "material_not_requested", f"「{name}」不在需要补交的清单中，请核对后再传。")
    raise ApiError(409, "not_accepting_files", "这件申请已经办结或不予受理，不再接收材料。")


def _by_key(session: Session, app: Application, upload_key: str) -> MaterialFile | None:
    """The file an earlier request with this Idempotency-Key attached, if any."""
    return session.scalar(
        select(MaterialFile).where(MaterialFile.application_id == app.id, MaterialFile.upload_key == upload_key)
    )


def _live_file(app: Application, file_id: str) -> MaterialFile:
    found = next((f for f in live_files(app) if f.file_id == file_id[:32]), None)
    if found is None:
        raise ApiError(404, "file_not_found", "这个文件不存在或已删除。")
    return found


def _replay(row: MaterialFile, digest: str, name: str) -> UploadOut:
    if row.sha256 != digest or row.material != name:
        raise ApiError(422, "idempotency_key_reused", "这个 Idempotency-Key 已用于另一次上传，请为新的上传生成新的键。")
    return UploadOut(**file_out(row).model_dump())


def upload(
    db: Database,
    store: ObjectStore,
    config: PortalConfig,
    subject: Subject,
    number: str,
    material: str,
    data: bytes,
    key: str | None,
    replaces: str | None = None,
) -> tuple[UploadOut, bool]:
    """Checks the file, stores it and attaches it; (the file, whether this was a replay)."""
    upload_key = check_key(key, required=True)
    name = material.strip()[:100]
    digest = hashlib.sha256(data).hexdigest()
    with db.transaction() as session:
        app = owned(session, subject, number)
        found = _by_key(session, app, upload_key)
        if found is not None:
            return _replay(found, digest, name), True
        _accepting(session, app, FORMS[app.service_code], name)
    try:
        checked = check_file(data, config.max_file_bytes)
    except FileRefused as refused:
        log.info("upload to %s refused: %s", number[:16], refused.code)
        raise ApiError(422, refused.code, refused.message) from None
    file_id = secrets.token_hex(12)
    object_key = f"applications/{number.strip().upper()}/{file_id}.{checked.extension}"
    store.put(object_key, data, checked.content_type)
    thumbnail_key = None
    if checked.thumbnail:
        thumbnail_key = f"applications/{number.strip().upper()}/{file_id}.thumb.jpg"
        store.put(thumbnail_key, checked.thumbnail, "image/jpeg")
    row = MaterialFile(
        file_id=file_id,
        material=name,
        object_key=object_key,
        thumbnail_key=thumbnail_key,
        content_type=checked.content_type,
        size=len(data),
        sha256=digest,
        pages=checked.pages,
        upload_key=upload_key,
    )
    try:
        out, gone = _attach(db, config, subject, number, row, replaces)
    except IntegrityError:  # the same key, committed by a concurrent retry first
        _delete(store, object_key, thumbnail_key)
        with db.transaction() as session:
            row = _by_key(session, owned(session, subject, number), upload_key)
            if row is None:
                raise
            return _replay(row, digest, name), True
    except BaseException:
        _delete(store, object_key, thumbnail_key)
        raise
    if gone is not None:
        _delete(store, *gone)
    if checked.thumbnail:
        out.thumbnail = "data:image/jpeg;base64," + base64.b64encode(checked.thumbnail).decode()
    return out, False


def _attach(
    db: Database, config: PortalConfig, subject: Subject, number: str, row: MaterialFile, replaces: str | None
) -> tuple[UploadOut, tuple[str, str | None] | None]:
    """Adds the file's row, in a transaction that re-checks everything against the locked
    application."""
    name = row.material
    with db.transaction() as session:
        app = owned(session, subject, number, lock=True)
        purpose = _accepting(session, app, FORMS[app.service_code], name)
        now = utcnow()
        replaced = _replaced(app, name, replaces, now) if replaces else None
        if len(live_files(app, name)) >= config.max_files_per_material:
            raise ApiError(
                422,
                "too_many_files",
                f"「{name}」最多上传{config.max_files_per_material}个文件；如需更换，请替换或删除其中一个。",
            )
        if len(live_files(app)) >= config.max_files_per_application:
            raise ApiError(422, "too_many_files", f"一件申请最多上传{config.max_files_per_application}个文件。")
        row.application, row.purpose, row.uploaded_at = app, purpose, now
        session.add(row)
        if purpose == SUPPLEMENT:
            add_event(app, f"已上传补交材料「{name}」", at=now)
        session.flush()
        out = UploadOut(**file_out(row).model_dump(), replaced=replaced.file_id if replaced else None)
        gone = (replaced.object_key, replaced.thumbnail_key) if replaced else None
        return out, gone


def _replaced(app: Application, name: str, file_id: str, now: datetime) -> MaterialFile:
    old = next((f for f in live_files(app, name) if f.file_id == file_id), None)
    if old is None:
        raise ApiError(404, "file_not_found", "要替换的文件不存在或已删除，请刷新材料清单后再试。")
    if app.status != "draft" and old.purpose != SUPPLEMENT:
        raise ApiError(409, "file_locked", "已随申请提交的材料不能替换；如需更正，请联系承办部门。")
    old.removed_at = now
    return old


def remove(
    db: Database, store: ObjectStore, config: PortalConfig, subject: Subject, number: str, file_id: str
) -> ApplicationOut:
    """Takes a file off a draft (its bytes are deleted; the row records that it was withdrawn)."""
    with db.transaction() as session:
        app = owned(session, subject, number, lock=True)
        row = _live_file(app, file_id)
        if app.status != "draft":
            raise ApiError(409, "file_locked", "已随申请提交的材料不能删除；如需更正，请联系承办部门。")
        row.removed_at = utcnow()
        gone = (row.object_key, row.thumbnail_key)
        out = to_out(config, app)
    _delete(store, *gone)
    return out


def read(
    db: Database, store: ObjectStore, subject: Subject, number: str, file_id: str, thumbnail: bool
) -> tuple[bytes, str]:
    """A file (or its thumbnail) of the caller's own application: (bytes, content type)."""
    with db.transaction() as session:
        app = owned(session, subject, number)
        row = _live_file(app, file_id)
        if thumbnail and not row.thumbnail_key:
            raise ApiError(404, "file_not_found", "这个文件不存在或已删除。")
        key, kind = (row.thumbnail_key, "image/jpeg") if thumbnail else (row.object_key, row.content_type)
    try:
        return store.get(key or ""), kind
    except ObjectNotFound:
        log.error("material file %s of %s is missing from the object store", file_id[:32], number[:16])
        raise ApiError(404, "file_not_found", "这个文件暂时无法读取，请稍后再试。") from None


def _delete(store: ObjectStore, *keys: str | None) -> None:
    """Best effort: a leftover object is harmless (no row names it); a lost row would not be."""
    for key in keys:
        if key:
            try:
                store.delete(key)
            except Exception:  # noqa: BLE001 - the row is what counts; log and go on
                log.warning("could not delete object %s", key)
