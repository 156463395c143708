"""Request and response bodies (pydantic v2). The OpenAPI document is generated from these
same classes and every response is built through them, so the document cannot drift from
what the portal really sends."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.notices.kinds import KINDS

SubjectType = Literal["citizen", "enterprise"]
Text40 = Annotated[str, Field(min_length=1, max_length=40)]


class Strict(BaseModel):
    """Unknown fields are an error in requests and never appear in responses; no coercion
    ("1" is not 1): a client bug shows up as a clear 422 instead of a silent guess."""

    model_config = ConfigDict(extra="forbid", strict=True)


# ---- requests ----------------------------------------------------------------------------


class BindingRequest(Strict):
    channel: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,19}$", description="web, wechat, miniprogram …")]
    channel_user_id: Annotated[str, Field(min_length=1, max_length=128, description="会话 id 或 openid")]
    subject_type: SubjectType = "citizen"
    name: Text40 | None = Field(default=None, description="个人：姓名")
    id_number: Annotated[str, Field(max_length=18)] | None = Field(default=None, description="个人：居民身份证号码")
    uscc: Annotated[str, Field(max_length=18)] | None = Field(default=None, description="企业：统一社会信用代码")
    legal_representative_name: Text40 | None = None
    legal_representative_id_number: Annotated[str, Field(max_length=18)] | None = None


class VerifyRequest(Strict):
    code: Annotated[str, Field(pattern=r"^\d{6}$", description="短信验证码（6位数字）")]


class ConsentRequest(Strict):
    purpose: Annotated[str, Field(min_length=1, max_length=40, description="一件事代码，如 newborn")]
    fields: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(min_length=1, max_length=20)]


def _check_form_values(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > 40:
        raise ValueError("表单字段不能超过40项")
    for key in value:
        if not 1 <= len(key) <= 40:
            raise ValueError("字段名长度应为1到40个字符")
    return value


class ApplicationCreate(Strict):
    service_code: Annotated[str, Field(min_length=1, max_length=40)]
    fields: dict[str, Any] = Field(default_factory=dict, description="表单字段（见 /catalogue 的 form）")
    prefill: bool = Field(default=True, description="按已授权的信息预填")
    services: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1, max_length=20)] | None
    ) = Field(default=None, description="要办理的子事项（缺省为全部）")

    _forms = field_validator("fields")(_check_form_values)


class ApplicationUpdate(Strict):
    fields: dict[str, Any] = Field(description="要修改的字段；值为 null 表示清空")

    _forms = field_validator("fields")(_check_form_values)


class DeferredMaterialIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    due_date: date | None = Field(default=None, description="承诺补交日期（缺省为10个工作日后）")


class SubmitRequest(Strict):
    missing_materials: Annotated[list[DeferredMaterialIn], Field(max_length=10)] = Field(default_factory=list)
    commitment: bool = Field(default=False, description="容缺受理时须为 true：承诺按期补交")


class SupplementRequest(Strict):
    materials: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=1, max_length=20)]


class UrgeRequest(Strict):
    note: Annotated[str, Field(max_length=200)] | None = None


# ---- responses ---------------------------------------------------------------------------


class ErrorDetail(Strict):
    field: str
    problem: str


class ErrorBody(Strict):
    code: str = Field(description="机器可读的错误代码")
    message: str = Field(description="给用户看的中文说明")
    details: list[ErrorDetail] = Field(default_factory=list)


class Health(Strict):
    status: Literal["ok"]
    database: str
    tick_seconds: float


class FormFieldOut(Strict):
    name: str
    label: str
    kind: str
    required: bool
    choices: list[str]
    prefill_from: str | None
    minimum: int | None = None
    maximum: int | None = None


class MaterialOut(Strict):
    name: str
    deferrable: bool
    shared: bool = Field(description="免提交：由部门通过数据共享获取，申请人无需提供")
    supply: Literal["upload", "sign", "original"] = Field(
        description="upload 上传照片或 PDF；sign 在线签署；original 原件交回窗口或邮寄"
    )
    optional: bool = Field(description="仅在说明所述情形下需要，如适用请上传")
    online: bool = Field(description="false：仅在窗口办理（如委托他人）时需要，在线申请无需")
    note: str = ""
    when: dict[str, list[str]] | None = Field(None, description="仅当申请表某字段取这些值之一时需要")


class CatalogueItemOut(Strict):
    code: str
    title: str
    audience: str
    subjects: list[SubjectType]
    lead_department: str
    cooperating_departments: list[str]
    integrated_services: list[str]
    legal_time_limit_days: int | None
    fee: str
    channels: list[str]
    form: list[FormFieldOut]
    materials: list[MaterialOut]
    consent_fields: list[str]


class CatalogueOut(Strict):
    items: list[CatalogueItemOut]


class BindingCreated(Strict):
    binding_id: str
    status: Literal["code_sent"]
    phone_masked: str | None = Field(
        default=None, description="不再返回：是否发送、发往哪个手机都不透露，以免泄露证件与姓名是否匹配"
    )
    expires_at: datetime
    message: str


class DevSms(Strict):
    binding_id: str
    phone_masked: str
    code: str
    expires_at: datetime


class SubjectOut(Strict):
    type: SubjectType
    display_name: str
    ref: str
    """Opaque and stable: the subject's name in the notices of its cases (never its register id)."""


class TokenOut(Strict):
    token: str
    token_type: Literal["Bearer"]
    expires_at: datetime
    subject: SubjectOut


class MeOut(Strict):
    subject: SubjectOut
    channel: str
    bound_at: datetime
    token_expires_at: datetime


class NoticeItem(Strict):
    """A change of a case the applicant is told about (portal/notices.py)."""

    id: int
    kind: Literal[KINDS]  # type: ignore[valid-type]
    status: str
    application_no: str
    service_code: str
    service_name: str
    message: str
    at: str
    subject_ref: str


class NoticeFeed(Strict):
    notices: list[NoticeItem]
    next_after: int
    """Pass as `after` in the next poll."""


class LogoutOut(Strict):
    revoked: bool
    message: str


class ConsentOut(Strict):
    id: int
    purpose: str
    purpose_text: str
    fields: list[str]
    field_labels: list[str]
    granted_at: datetime
    withdrawn_at: datetime | None


class ConsentList(Strict):
    items: list[ConsentOut]


class ProfileOut(Strict):
    purpose: str
    consent_ids: list[int]
    fields: dict[str, Any]


class SubTaskOut(Strict):
    service: str
    department: str
    is_lead: bool
    status: Literal["pending", "accepted", "correction", "reviewing", "completed", "rejected"]
    status_text: str
    note: str | None
    missing_materials: list[str]
    updated_at: datetime


class DeferredMaterialOut(Strict):
    name: str
    due_date: date
    provided: bool


class MaterialFileOut(Strict):
    file_id: str
    material: str
    content_type: Literal["image/jpeg", "image/png", "application/pdf"]
    size: int
    pages: int | None = Field(None, description="PDF 的页数")
    uploaded_at: datetime
    purpose: Literal["application", "supplement"] = Field(description="申请时上传，或受理后补正、补交容缺材料")


class UploadOut(MaterialFileOut):
    thumbnail: str | None = Field(None, description="图片的缩略图（data:image/jpeg;base64,…），PDF 无")
    replaced: str | None = Field(None, description="被替换掉的文件 file_id")


ChecklistStatus = Literal["shared", "uploaded", "deferred", "needed", "optional", "sign", "signed", "original"]


class ChecklistItemOut(Strict):
    name: str
    status: ChecklistStatus = Field(
        description="shared 免提交；uploaded 已上传；deferred 已承诺容缺；needed 尚需上传；optional 如适用请上传；"
        "sign 待在线签署；signed 已签署；original 原件交回窗口或邮寄"
    )
    deferrable: bool
    note: str = ""
    files: list[MaterialFileOut]


class SignedDocumentOut(Strict):
    name: str
    text: str = Field(description="承诺书全文，签署的就是这段文字")
    sha256: str = Field(description="全文（UTF-8）的 SHA-256")


class SigningOut(Strict):
    signing_id: str
    documents: list[SignedDocumentOut]
    phone_masked: str = Field(description="验证码发往的手机（登记信息中的号码）")
    expires_at: datetime


class SigningStart(Strict):
    missing_materials: Annotated[list[DeferredMaterialIn], Field(max_length=10)] = Field(
        default_factory=list, description="本次一并签署《容缺受理承诺书》的暂缺材料，须与提交时一致"
    )


class SignRequest(Strict):
    code: str = Field(min_length=1, max_length=12)


class SignatureOut(Strict):
    document: str
    sha256: str
    signed_at: datetime
    method: str = Field(description="签署人的核验方式，如 短信验证码（138****0001）")
    current: bool = Field(description="签署的文字是否仍与本申请现在的内容一致")


class DevSigning(Strict):
    signing_id: str
    code: str
    expires_at: datetime


class ContinueLinkRequest(Strict):
    link: Annotated[
        str,
        Field(
            min_length=12,
            max_length=600,
            pattern=r"^https?://[^\s<>\"']+$",
            description="继续办理的链接（由助手签发，短信模板中只填这一项）",
        ),
    ]


class SmsSentOut(Strict):
    phone_masked: str
    message: str


class DevSmsMessage(Strict):
    phone_masked: str
    text: str
    sent_at: datetime


class DevSmsList(Strict):
    messages: list[DevSmsMessage]


CardStatus = Literal["正常", "临时挂失", "正式挂失"]


class CardOut(Strict):
    card_no_masked: str = Field(description="卡号，只显示后四位")
    status: CardStatus
    temporary_until: datetime | None = Field(description="临时挂失的到期时间：到期未正式挂失的，自动解除")
    message: str = Field(description="给持卡人的说明：现在卡能不能用、下一步做什么")


class CardLossRequest(Strict):
    kind: Literal["temporary", "formal"] = Field(
        description="temporary 临时挂失（立即生效，5天内有效）；formal 正式挂失（长期有效、不能解除，须补领新卡）"
    )


class EventOut(Strict):
    at: datetime
    department: str | None
    message: str


ApplicationStatus = Literal[
    "draft", "submitted", "in_progress", "correction", "completed", "partly_completed", "rejected"
]


class ApplicationSummary(Strict):
    number: str
    service_code: str
    service_title: str
    status: ApplicationStatus
    status_text: str
    submitted_at: datetime | None
    promised_date: date | None
    overdue: bool
    updated_at: datetime


class ApplicationOut(ApplicationSummary):
    fields: dict[str, Any]
    prefilled_fields: list[str]
    missing_fields: list[str]
    services: list[str]
    created_at: datetime
    completed_at: datetime | None
    commitment: str | None
    subtasks: list[SubTaskOut]
    deferred_materials: list[DeferredMaterialOut]
    checklist: list[ChecklistItemOut] = Field(description="本案需要的材料及其状态（按申请表的回答确定）")
    signatures: list[SignatureOut] = Field(default_factory=list, description="已在线签署的承诺书")
    events: list[EventOut]
    next_step: str
    can_urge: bool
    urge_count: int


class ApplicationList(Strict):
    items: list[ApplicationSummary]


class UrgeOut(Strict):
    number: str
    urged_at: datetime
    urge_count: int
    message: str
