"""The OpenAPI 3.1 document of the portal. Schemas come from the pydantic models every
response is built from; the path table below is the only hand-written part."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from portal import schemas as s

BEARER = [{"bearer": []}]

_PATH_PARAMS = {
    "binding_id": {"type": "string", "minLength": 1, "maxLength": 64},
    "code": {"type": "string", "minLength": 1, "maxLength": 40},
    "consent_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
    "number": {"type": "string", "pattern": r"^BS\d{14}$"},
    "file_id": {"type": "string", "pattern": "^[0-9a-f]{24}$"},
    "signing_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[\\x21-\\x7e]+$"},
}
_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["material", "file"],
                "properties": {
                    "material": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 100,
                        "description": "材料名称（见 checklist）",
                    },
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "JPG、PNG 照片或 PDF，按内容识别类型",
                    },
                    "replaces": {"type": "string", "description": "要替换的同一材料的文件 file_id"},
                },
            }
        }
    },
}
_FILE = {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}

# (method, path, operationId, summary, tag, secured, request body, {status: response model}, extra params)
# A response "model" that is a dict is the raw content it answers with (a file).
_OPERATIONS: list[
    tuple[str, str, str, str, str, bool, type[BaseModel] | None, dict[int, type[BaseModel] | dict], list[dict]]
] = [
    ("get", "/health", "health", "健康检查", "system", False, None, {200: s.Health}, []),
    (
        "get",
        "/catalogue",
        "listCatalogue",
        "一件事服务目录（13项）",
        "catalogue",
        False,
        None,
        {200: s.CatalogueOut},
        [],
    ),
    (
        "get",
        "/catalogue/{code}",
        "getCatalogueItem",
        "一项一件事的目录信息",
        "catalogue",
        False,
        None,
        {200: s.CatalogueItemOut},
        [],
    ),
    (
        "post",
        "/identity/bindings",
        "createBinding",
        "发起身份核验并发送短信验证码",
        "identity",
        False,
        s.BindingRequest,
        {201: s.BindingCreated},
        [],
    ),
    (
        "post",
        "/identity/bindings/{binding_id}/verify",
        "verifyBinding",
        "校验短信验证码，换取访问令牌",
        "identity",
        False,
        s.VerifyRequest,
        {200: s.TokenOut},
        [],
    ),
    (
        "get",
        "/notices",
        "listNotices",
        "办件进展通知（助手轮询；以通知密钥签名，不用市民令牌）",
        "notices",
        False,
        None,
        {200: s.NoticeFeed},
        [
            {"name": "after", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 200},
            },
            {"name": "X-Banshi-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
            {
                "name": "X-Banshi-Signature",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "sha256=HMAC-SHA256(通知密钥, 时间戳 + '.GET ' + 路径与查询串)",
            },
        ],
    ),
    ("get", "/me", "getMe", "当前绑定的身份", "identity", True, None, {200: s.MeOut}, []),
    ("post", "/me/logout", "logout", "注销当前令牌", "identity", True, None, {200: s.LogoutOut}, []),
    (
        "get",
        "/me/profile",
        "getProfile",
        "按授权释放的预填信息",
        "consent",
        True,
        None,
        {200: s.ProfileOut},
        [
            {
                "name": "purpose",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
                "description": "一件事代码（授权用途）",
            },
            {
                "name": "fields",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "逗号分隔的信息项；缺省为该用途已授权的全部信息项",
            },
        ],
    ),
    ("get", "/me/consents", "listConsents", "我的授权记录", "consent", True, None, {200: s.ConsentList}, []),
    (
        "post",
        "/me/consents",
        "grantConsent",
        "记录授权（用途、信息项、时间）",
        "consent",
        True,
        s.ConsentRequest,
        {201: s.ConsentOut},
        [],
    ),
    (
        "delete",
        "/me/consents/{consent_id}",
        "withdrawConsent",
        "撤回授权",
        "consent",
        True,
        None,
        {200: s.ConsentOut},
        [],
    ),
    (
        "get",
        "/applications",
        "listApplications",
        "我的办件",
        "applications",
        True,
        None,
        {200: s.ApplicationList},
        [
            {
                "name": "status",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": list(s.ApplicationStatus.__args__)},
            },  # type: ignore[attr-defined]
        ],
    ),
    (
        "post",
        "/applications",
        "createApplication",
        "创建申请草稿（按授权预填）",
        "applications",
        True,
        s.ApplicationCreate,
        {201: s.ApplicationOut, 200: s.ApplicationOut},
        [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[\\x21-\\x7e]+$"},
            },
        ],
    ),
    (
        "get",
        "/applications/{number}",
        "getApplication",
        "办件详情与各部门办理进度",
        "applications",
        True,
        None,
        {200: s.ApplicationOut},
        [],
    ),
    (
        "patch",
        "/applications/{number}",
        "updateApplication",
        "修改草稿",
        "applications",
        True,
        s.ApplicationUpdate,
        {200: s.ApplicationOut},
        [],
    ),
    (
        "post",
        "/applications/{number}/submit",
        "submitApplication",
        "提交办件（幂等；可容缺受理）",
        "applications",
        True,
        s.SubmitRequest,
        {200: s.ApplicationOut},
        [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[\\x21-\\x7e]+$"},
            },
        ],
    ),
    (
        "post",
        "/applications/{number}/supplements",
        "supplementApplication",
        "补正或补交容缺材料",
        "applications",
        True,
        s.SupplementRequest,
        {200: s.ApplicationOut},
        [],
    ),
    (
        "post",
        "/applications/{number}/materials",
        "uploadMaterial",
        "上传一份材料（草稿，或受理后的补正、容缺补交；幂等）",
        "materials",
        True,
        None,
        {201: s.UploadOut, 200: s.UploadOut},
        [_IDEMPOTENCY_KEY],
    ),
    (
        "get",
        "/applications/{number}/materials/{file_id}",
        "getMaterialFile",
        "下载自己上传的材料",
        "materials",
        True,
        None,
        {200: _FILE},
        [],
    ),
    (
        "get",
        "/applications/{number}/materials/{file_id}/thumbnail",
        "getMaterialThumbnail",
        "图片材料的缩略图",
        "materials",
        True,
        None,
        {200: {"image/jpeg": {}}},
        [],
    ),
    (
        "delete",
        "/applications/{number}/materials/{file_id}",
        "removeMaterial",
        "从草稿中删除一份材料",
        "materials",
        True,
        None,
        {200: s.ApplicationOut},
        [],
    ),
    (
        "get",
        "/me/card",
        "getCard",
        "本人社保卡的状态（正常、临时挂失、正式挂失）",
        "cards",
        True,
        None,
        {200: s.CardOut},
        [],
    ),
    (
        "post",
        "/me/card/loss",
        "reportCardLoss",
        "社保卡挂失：临时挂失立即生效、5天内有效；正式挂失长期有效、不能解除",
        "cards",
        True,
        s.CardLossRequest,
        {200: s.CardOut},
        [],
    ),
    (
        "post",
        "/me/card/recovery",
        "recoverCard",
        "解除临时挂失（卡找到了）",
        "cards",
        True,
        None,
        {200: s.CardOut},
        [],
    ),
    (
        "post",
        "/applications/{number}/signing",
        "startSigning",
        "在线签署：返回待签署承诺书全文，并向登记手机发送验证码",
        "signing",
        True,
        s.SigningStart,
        {201: s.SigningOut},
        [],
    ),
    (
        "post",
        "/applications/{number}/signing/{signing_id}",
        "sign",
        "以短信验证码签署（记录全文哈希、时间和签署人）",
        "signing",
        True,
        s.SignRequest,
        {200: s.ApplicationOut},
        [],
    ),
    (
        "post",
        "/applications/{number}/continue-link",
        "sendContinueLink",
        "按短信模板向申请人登记手机发送继续填写草稿的链接（政务服务热线坐席代为发起）",
        "applications",
        True,
        s.ContinueLinkRequest,
        {201: s.SmsSentOut},
        [],
    ),
    (
        "post",
        "/applications/{number}/urge",
        "urgeApplication",
        "催办超期办件",
        "applications",
        True,
        s.UrgeRequest,
        {200: s.UrgeOut},
        [],
    ),
]

_DEV_OPERATIONS = [
    (
        "get",
        "/dev/sms/{binding_id}",
        "devSms",
        "开发模式：查看待用的短信验证码",
        "dev",
        False,
        None,
        {200: s.DevSms},
        [],
    ),
    (
        "get",
        "/dev/sms",
        "devSmsOutbox",
        "开发模式：查看发往某手机的最新短信（验证码以外的通知）",
        "dev",
        False,
        None,
        {200: s.DevSmsList},
        [{"name": "phone", "in": "query", "required": True, "schema": {"type": "string", "pattern": "^1[3-9]\\d{9}$"}}],
    ),
    (
        "get",
        "/dev/signing/{number}",
        "devSigning",
        "开发模式：查看申请待用的签署验证码",
        "dev",
        False,
        None,
        {200: s.DevSigning},
        [],
    ),
]

_ERRORS = {
    400: "请求格式错误（如非法 JSON、缺少 Idempotency-Key）",
    401: "未核验身份或令牌失效",
    403: "未获授权（PIPL）",
    404: "不存在，或不属于当前身份",
    409: "与当前状态冲突（如已提交，或同一对象已有在办、已办结的申请）",
    413: "请求内容过大（JSON 不超过64KB；上传的文件见 uploadMaterial）",
    422: "内容校验未通过",
}


def build_openapi(dev: bool = False, server_url: str | None = None) -> dict[str, Any]:
    operations = _OPERATIONS + (_DEV_OPERATIONS if dev else [])
    models: list[tuple[type[BaseModel], str]] = [(s.ErrorBody, "serialization")]
    for _m, _p, _id, _sum, _tag, _sec, body, responses, _params in operations:
        if body is not None:
            models.append((body, "validation"))
        models.extend((model, "serialization") for model in responses.values() if not isinstance(model, dict))
    keys, top = models_json_schema(list(dict.fromkeys(models)), ref_template="#/components/schemas/{model}")
    components = top.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict:
        return keys[(model, mode)]  # type: ignore[index]

    error = {
        "description": "错误（统一格式）",
        "content": {"application/json": {"schema": ref(s.ErrorBody, "serialization")}},
    }
    paths: dict[str, dict] = {}
    for method, path, op_id, summary, tag, secured, body, responses, params in operations:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": _PATH_PARAMS[name]} for name in _path_names(path)
        ] + params
        op: dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": [tag], "responses": {}}
        if parameters:
            op["parameters"] = parameters
        if secured:
            op["security"] = BEARER
        if op_id == "uploadMaterial":
            op["requestBody"] = _UPLOAD_BODY
        if body is not None:
            op["requestBody"] = {
                "required": method != "post" or body not in (s.UrgeRequest, s.SubmitRequest),
                "content": {"application/json": {"schema": ref(body, "validation")}},
            }
        for status, model in responses.items():
            content = (
                model if isinstance(model, dict) else {"application/json": {"schema": ref(model, "serialization")}}
            )
            entry: dict[str, Any] = {"description": "成功", "content": content}
            if op_id in ("submitApplication", "createApplication", "uploadMaterial"):
                entry["headers"] = {
                    "Idempotent-Replayed": {
                        "schema": {"type": "string", "enum": ["true", "false"]},
                        "description": "true 表示按同一 Idempotency-Key 返回的既有结果",
                    }
                }
            op["responses"][str(status)] = entry
        for status, text in _ERRORS.items():
            if status == 401 and not secured and op_id != "listNotices":
                continue
            op["responses"][str(status)] = error | {"description": text}
        op["responses"]["default"] = error
        paths.setdefault(path, {})[method] = op

    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "示例市一网通办（沙箱）",
            "version": "1.0.0",
            "description": "banshi 随附的沙箱政务服务平台：身份核验、授权（PIPL）、服务目录、办件与并联办理进度。"
            "所有错误均返回 ErrorBody：code（机器可读）、message（中文说明）、details（字段）。",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "身份核验通过后获得的访问令牌"}
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
