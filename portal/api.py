"""HTTP routes of the portal. Handlers only translate HTTP to the service functions (which
run in worker threads, since SQLAlchemy is synchronous) and back; rules live in the modules
named after what they govern (identity, consent, applications)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot import signed_hooks
from bot.catalogue import load_catalogue
from portal import applications, cards, consent, identity, materials, notices, signing, sms
from portal.errors import ApiError, problem_text
from portal.forms import FORMS, subjects_for
from portal.profile import fields_for
from portal.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    BindingRequest,
    CardLossRequest,
    CatalogueItemOut,
    CatalogueOut,
    ConsentRequest,
    ContinueLinkRequest,
    FormFieldOut,
    Health,
    LogoutOut,
    MaterialOut,
    NoticeFeed,
    SigningStart,
    SignRequest,
    SubmitRequest,
    SupplementRequest,
    UrgeRequest,
    VerifyRequest,
)

M = TypeVar("M", bound=BaseModel)
_dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def send(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json(model.model_dump(mode="json"), status=status, headers=headers, dumps=_dumps)


def send_error(error: ApiError) -> HTTPResponse:
    return response.json(error.body(), status=error.status, headers=error.headers, dumps=_dumps)


def parse(request: Request, model: type[M]) -> M:
    """The body as `model`, or a 4xx that says in Chinese what is wrong and where."""
    body = request.body or b"{}"
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise ApiError(
                400, "invalid_json", "请求内容不是合法的 JSON，请检查格式（须为 UTF-8 编码的 JSON 对象）。"
            ) from None
        if any(not e["loc"] and e["type"] in ("model_type", "dict_type") for e in errors):
            raise ApiError(422, "body_not_object", "请求内容应为 JSON 对象（{…}）。") from None
        details = []
        for e in errors[:20]:
            where = ".".join(str(p) for p in e["loc"]) or "body"
            if e["type"] == "value_error":
                problem = str(e.get("ctx", {}).get("error", "取值无效"))
            else:
                problem = problem_text(e["type"])
            details.append({"field": where, "problem": problem})
        raise ApiError(422, "validation_failed", "请求内容有误，请按提示修改后重试。", details) from None


async def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Database work runs off the event loop, so concurrent requests genuinely overlap."""
    return await asyncio.to_thread(fn, *args)


UPLOAD_OVERHEAD = 64 * 1024
"""Room for the multipart envelope and the form fields beside the file itself."""


async def read_upload(request: Request, limit: int) -> None:
    """Reads a streamed body into `request.body`, refusing past `limit` bytes: the app's
    64 KB ceiling is lifted for this route only, and only this far."""
    declared = request.headers.get("content-length")
    too_large = ApiError(413, "file_too_large", f"上传内容过大，单个文件不能超过{limit // 1048576}MB。")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read()  # type: ignore[union-attr]
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    request.body = b"".join(chunks)


def catalogue_out(app_ctx: Any) -> CatalogueOut:
    items = []
    for code, item in load_catalogue(app_ctx.config.knowledge_dir).items():
        form = FORMS[code]
        subjects = subjects_for(item)
        items.append(
            CatalogueItemOut(
                code=code,
                title=item.title,
                audience=item.audience,
                subjects=list(subjects),
                lead_department=item.lead_department,
                cooperating_departments=list(item.cooperating_departments),
                integrated_services=list(item.integrated_services),
                legal_time_limit_days=item.time_limit_days,
                fee=item.fee,
                channels=list(item.channels),
                form=[
                    FormFieldOut(
                        name=f.name,
                        label=f.label,
                        kind=f.kind,
                        required=f.required,
                        choices=list(f.choices),
                        prefill_from=f.prefill,
                        minimum=f.minimum,
                        maximum=f.maximum,
                    )
                    for f in form.fields
                ],
                materials=[
                    MaterialOut(
                        name=m.name,
                        deferrable=m.deferrable,
                        shared=m.shared,
                        supply=m.supply,
                        optional=m.optional,
                        online=m.online,
                        note=m.note,
                        when={m.when[0]: list(m.when[1])} if m.when else None,
                    )
                    for m in form.materials
                ],
                consent_fields=sorted({name for s in subjects for name in fields_for(s)}),
            )
        )
    return CatalogueOut(items=items)


def _int_arg(request: Request, name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise ApiError(
            422, "invalid_parameter", f"参数 {name} 应为非负整数。", [{"field": name, "problem": "应为非负整数"}]
        )
    return int(value)


def build_blueprint(dev: bool) -> Blueprint:
    bp = Blueprint("portal")

    async def subject_of(request: Request) -> identity.Subject:
        return await call(identity.authenticate, request.app.ctx.db, request.headers.get("authorization"))

    @bp.get("/health")
    async def health(request: Request) -> HTTPResponse:
        ctx = request.app.ctx
        return send(Health(status="ok", database=ctx.db.engine.dialect.name, tick_seconds=ctx.config.tick_seconds))

    @bp.get("/openapi.json")
    async def openapi(request: Request) -> HTTPResponse:
        return response.json(request.app.ctx.openapi, dumps=_dumps)

    @bp.get("/catalogue")
    async def catalogue(request: Request) -> HTTPResponse:
        return send(request.app.ctx.catalogue)

    @bp.get("/catalogue/<code>")
    async def catalogue_item(request: Request, code: str) -> HTTPResponse:
        for item in request.app.ctx.catalogue.items:
            if item.code == code:
                return send(item)
        raise ApiError(404, "service_not_found", "没有找到这项一件事，请从服务目录中选择。")

    @bp.post("/identity/bindings")
    async def create_binding(request: Request) -> HTTPResponse:
        body = parse(request, BindingRequest)
        ctx = request.app.ctx
        return send(await call(identity.create_binding, ctx.db, ctx.config, body, request.ip or ""), 201)

    @bp.post("/identity/bindings/<binding_id>/verify")
    async def verify(request: Request, binding_id: str) -> HTTPResponse:
        body = parse(request, VerifyRequest)
        ctx = request.app.ctx
        return send(await call(identity.verify, ctx.db, ctx.config, binding_id[:64], body.code))

    if dev:

        @bp.get("/dev/sms/<binding_id>")
        async def dev_sms(request: Request, binding_id: str) -> HTTPResponse:
            return send(await call(identity.dev_sms, request.app.ctx.db, binding_id[:64]))

        @bp.get("/dev/signing/<number>")
        async def dev_signing(request: Request, number: str) -> HTTPResponse:
            return send(await call(signing.dev_code, request.app.ctx.db, number[:20]))

        @bp.get("/dev/sms")
        async def dev_sms_outbox(request: Request) -> HTTPResponse:
            return send(sms.dev_outbox((request.args.get("phone") or "")[:20]))

    @bp.get("/notices")
    async def notice_feed(request: Request) -> HTTPResponse:
        """The assistant's poll (signed with the notice secret, not a citizen's token)."""
        ctx = request.app.ctx
        target = request.path + (f"?{request.query_string}" if request.query_string else "")
        if not signed_hooks.verify(ctx.config.notice_secret, request.headers, signed_hooks.poll_message(target)):
            raise ApiError(401, "signature_invalid", "签名无效或已过期。")
        after = _int_arg(request, "after", 0)
        limit = _int_arg(request, "limit", notices.FEED_LIMIT)
        items = await call(notices.feed, ctx.db, ctx.config, after, limit)
        return send(NoticeFeed(notices=items, next_after=items[-1].id if items else after))

    @bp.get("/me")
    async def me(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        return send(await call(identity.me, request.app.ctx.db, request.app.ctx.config, subject))

    @bp.post("/me/logout")
    async def logout(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        await call(identity.revoke, request.app.ctx.db, subject)
        return send(LogoutOut(revoked=True, message="已解除本次登录，如需继续办理请重新核验身份。"))

    @bp.get("/me/profile")
    async def profile(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        purpose = (request.get_args(keep_blank_values=True).get("purpose") or "").strip()
        if not purpose:
            raise ApiError(
                422,
                "purpose_required",
                "请说明调取信息的用途（purpose，一件事代码）。",
                [{"field": "purpose", "problem": "缺少必填项"}],
            )
        raw = request.args.get("fields")
        wanted = [f.strip() for f in raw.split(",") if f.strip()][:30] if raw else None
        ctx = request.app.ctx
        return send(await call(consent.profile, ctx.db, ctx.config, subject, purpose[:40], wanted))

    @bp.get("/me/consents")
    async def consents(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        ctx = request.app.ctx
        return send(await call(consent.list_consents, ctx.db, ctx.config, subject))

    @bp.post("/me/consents")
    async def grant(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, ConsentRequest)
        ctx = request.app.ctx
        return send(await call(consent.grant, ctx.db, ctx.config, subject, body), 201)

    @bp.delete("/me/consents/<consent_id:int>")
    async def withdraw(request: Request, consent_id: int) -> HTTPResponse:
        subject = await subject_of(request)
        ctx = request.app.ctx
        if not 0 < consent_id < 2**31:
            raise ApiError(404, "consent_not_found", "未找到该授权记录。")
        return send(await call(consent.withdraw, ctx.db, ctx.config, subject, consent_id))

    @bp.get("/me/card")
    async def card(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        return send(await call(cards.get_card, request.app.ctx.db, subject))

    @bp.post("/me/card/loss")
    async def card_loss(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, CardLossRequest)
        return send(await call(cards.report_loss, request.app.ctx.db, subject, body.kind))

    @bp.post("/me/card/recovery")
    async def card_recovery(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        return send(await call(cards.recover, request.app.ctx.db, subject))

    @bp.get("/applications")
    async def list_applications(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        ctx = request.app.ctx
        # keep_blank_values: "?status=" is a wrong value, not an absent one
        values = request.get_args(keep_blank_values=True).getlist("status")
        status = values[0] if values else None
        return send(await call(applications.list_applications, ctx.db, ctx.config, subject, status))

    @bp.post("/applications")
    async def create(request: Request) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, ApplicationCreate)
        ctx = request.app.ctx
        out, replayed = await call(
            applications.create_draft, ctx.db, ctx.config, subject, body, request.headers.get("idempotency-key")
        )
        return send(out, 200 if replayed else 201, {"Idempotent-Replayed": "true"} if replayed else None)

    @bp.get("/applications/<number>")
    async def get_application(request: Request, number: str) -> HTTPResponse:
        subject = await subject_of(request)
        ctx = request.app.ctx
        return send(await call(applications.get_application, ctx.db, ctx.config, subject, number))

    @bp.patch("/applications/<number>")
    async def update_application(request: Request, number: str) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, ApplicationUpdate)
        ctx = request.app.ctx
        return send(await call(applications.update_draft, ctx.db, ctx.config, subject, number, body))

    @bp.post("/applications/<number>/submit")
    async def submit(request: Request, number: str) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, SubmitRequest)
        ctx = request.app.ctx
        out, replayed = await call(applications.submit, ctx.db, ctx.config, subject, number, body_key(request), body)
        return send(out, 200, {"Idempotent-Replayed": "true" if replayed else "false"})

    def body_key(request: Request) -> str | None:
        return request.headers.get("idempotency-key")

    @bp.post("/applications/<number>/supplements")
    async def supplements(request: Request, number: str) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, SupplementRequest)
        ctx = request.app.ctx
        return send(await call(applications.supplement, ctx.db, ctx.config, subject, number, body))

    @bp.post("/applications/<number>/materials", stream=True)
    async def upload_material(request: Request, number: str) -> HTTPResponse:
        subject = await subject_of(request)
        ctx = request.app.ctx
        await read_upload(request, ctx.config.max_file_bytes + UPLOAD_OVERHEAD)
        upload = request.files.get("file") if request.files else None
        material = (request.form.get("material") or "").strip() if request.form else ""
        if upload is None or not material:
            raise ApiError(
                422,
                "upload_incomplete",
                "请以 multipart/form-data 上传：material（材料名称）和 file（文件）。",
                [{"field": f, "problem": "缺少必填项"} for f, v in (("material", material), ("file", upload)) if not v],
            )
        replaces = (request.form.get("replaces") or "").strip() or None
        out, replayed = await call(
            materials.upload,
            ctx.db,
            ctx.store,
            ctx.config,
            subject,
            number,
            material,
            upload.body,
            request.headers.get("idempotency-key"),
            replaces,
        )
        return send(out, 200 if replayed else 201, {"Idempotent-Replayed": "true" if replayed else "false"})

    @bp.get("/applications/<number>/materials/<file_id>")
    async def material_file(request: Request, number: str, file_id: str) -> HTTPResponse:
        return await send_file(request, number, file_id, thumbnail=False)

    @bp.get("/applications/<number>/materials/<file_id>/thumbnail")
    async def material_thumbnail(request: Request, number: str, file_id: str) -> HTTPResponse:
        return await send_file(request, number, file_id, thumbnail=True)

    async def send_file(request: Request, number: str, file_id: str, thumbnail: bool) -> HTTPResponse:
        subject = await subject_of(request)
        ctx = request.app.ctx
        data, kind = await call(materials.read, ctx.db, ctx.store, subject, number, file_id, thumbnail)
        # never rendered inline as a page: a file is data, whatever it claims to be
        headers = {"Content-Disposition": "attachment", "Cache-Control": "private, no-store"}
        return response.raw(data, content_type=kind, headers=headers)

    @bp.delete("/applications/<number>/materials/<file_id>")
    async def remove_material(request: Request, number: str, file_id: str) -> HTTPResponse:
        subject = await subject_of(request)
        ctx = request.app.ctx
        return send(await call(materials.remove, ctx.db, ctx.store, ctx.config, subject, number, file_id))

    @bp.post("/applications/<number>/signing")
    async def start_signing(request: Request, number: str) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, SigningStart)
        ctx = request.app.ctx
        return send(await call(applications.start_signing, ctx.db, ctx.config, subject, number, body), 201)

    @bp.post("/applications/<number>/signing/<signing_id>")
    async def sign(request: Request, number: str, signing_id: str) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, SignRequest)
        ctx = request.app.ctx
        return send(await call(applications.sign, ctx.db, ctx.config, subject, number, signing_id[:32], body))

    @bp.post("/applications/<number>/continue-link")
    async def continue_link(request: Request, number: str) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, ContinueLinkRequest)
        ctx = request.app.ctx
        return send(await call(sms.send_continue_link, ctx.db, ctx.config, subject, number, body), 201)

    @bp.post("/applications/<number>/urge")
    async def urge(request: Request, number: str) -> HTTPResponse:
        subject = await subject_of(request)
        body = parse(request, UrgeRequest)
        ctx = request.app.ctx
        return send(await call(applications.urge, ctx.db, ctx.config, subject, number, body))

    return bp
