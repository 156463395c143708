"""The assistant's words while filling and submitting an application (一表申请).

Questions come from the form files (bot/applications/forms/); what is here is the frame around them: the
consent to pre-fill, the help after failed tries, the summary with the materials checklist,
the 容缺 commitment and the answer after submission.
"""

from __future__ import annotations

import json
import re
from datetime import date

from bot.applications.form import Block, FieldSpec, Form, Material
from bot.catalogue import ServiceItem
from bot.dialogue import Button, Reply
from bot.portal_client.models import Application, ApplicationSummary, Signing
from bot.settings import settings
from bot.wording import said
from bot.words import join_names

SKIP = "__skip__"
BACK = "__back__"
DEFER = "__defer__"
EDIT = "__edit__"
HUMAN_BUTTON = Button("转人工服务", "/request_human")
STATUS_BUTTON = Button("查询进度", "/check_status")
LATER_BUTTON = Button("先保存，回头再办", "/stop_application")
YES_NO = (Button("是", "/affirm"), Button("否", "/deny"))

_MASKED_KINDS = ("id_number", "phone", "uscc")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
SKIPPED = "（已跳过）"
_SKIP_HINTS = {"choices": "都不需要的话，可以点“跳过”。", "text": "没有的话，可以点“跳过”。"}
"""What an optional question adds; a yes/no question needs no way round it."""


def choice_button(title: str, value: str | None = None) -> Button:
    """A button whose click is read as the answer itself, never as a question or a need."""
    payload = json.dumps({"form_choice": value if value is not None else title}, ensure_ascii=False)
    return Button(title, f"/inform{payload}")


def half_hidden(text: str) -> str:
    """990***********043X: enough to recognise, not enough to copy."""
    return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) > 7 else text


def shown(spec: FieldSpec, value: object, skipped: bool = False) -> str:
    """A value as the summary shows it: identifiers half hidden (also inside free text, such as
    drivers listed with their ID numbers), booleans in words."""
    if value is None or value == "" or value == []:
        return SKIPPED if skipped else "（未填写）"
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "choices" and isinstance(value, list):
        return "、".join(str(v) for v in value)
    if spec.kind == "date":
        try:
            day = date.fromisoformat(str(value))
            return f"{day.year}年{day.month}月{day.day}日"
        except ValueError:
            return str(value)
    text = str(value)
    if spec.kind in _MASKED_KINDS:
        return half_hidden(text)
    return _ID_IN_TEXT.sub(lambda match: half_hidden(match.group(0)), text)


PREFILL_CONSENT = (
    "为了让您少填表，经您同意，我会从政府已有数据中调取您的{data}，"
    "只用于预填「{item}」申请表，不作他用；您也可以不同意，由自己逐项填写。\n同意调取吗？"
)
"""A template, editable in the workbench (bot/wording.py): the data it names must be what pre-fill reads."""


def consent_request(form: Form, item: ServiceItem, labels: list[str]) -> Reply:
    text = said("prefill_consent", PREFILL_CONSENT, data="、".join(labels), item=item.title)
    return Reply(text, (Button("同意调取", "/affirm"), Button("不同意，我自己填", "/deny")))


def draft_started(item: ServiceItem, number: str, prefilled: list[str]) -> Reply:
    if prefilled:
        head = (
            f"已为您创建「{item.title}」申请（草稿编号 {number}），并预填了{len(prefilled)}项：{'、'.join(prefilled)}。"
        )
        return Reply(head + "接下来只问您政府还不掌握的信息，每次一个问题。")
    return Reply(f"已为您创建「{item.title}」申请（草稿编号 {number}）。接下来请逐项填写，每次一个问题。")


def draft_resumed(item: ServiceItem, number: str) -> Reply:
    return Reply(f"找到了您上次没填完的「{item.title}」申请（草稿编号 {number}），我们接着填，已填的内容都在。")


def unfinished(drafts: list[ApplicationSummary]) -> Reply:
    names = "、".join(f"「{d.service_title}」（{d.number}）" for d in drafts[:3])
    return Reply(
        f"您还有没填完的申请：{names}。说“继续办理”就能接着填，已填的内容都在。",
        (Button("继续办理", "/resume_application"),),
    )


def question(spec: FieldSpec, retry: bool = False) -> Reply:
    text = spec.question
    if spec.why and not retry:
        text += f"（{spec.why}）"
    if not spec.required and spec.kind != "bool":
        text += _SKIP_HINTS.get(spec.kind, "不清楚或不需要的话，可以点“跳过”。")
    buttons: tuple[Button, ...] = ()
    if spec.kind in ("choice", "choices"):
        buttons = tuple(choice_button(c) for c in spec.choices)
        if spec.kind == "choices":
            buttons += (choice_button("以上都要", "全部"),)
    elif spec.kind == "bool":
        buttons = (choice_button("是", "是"), choice_button("否", "否"))
    if not spec.required and spec.kind != "bool":
        buttons += (choice_button("跳过", SKIP),)
    return Reply(text, buttons)


def help_after_failures(spec: FieldSpec, problem: str) -> Reply:
    """After two failed tries: what exactly is expected, an example, and ways out."""
    lines = [problem, f"这一项需要填写{spec.label}。"]
    if spec.why:
        lines.append(f"为什么需要：{spec.why}")
    if spec.kind in ("choice", "choices"):
        lines.append(f"请直接点选下面的选项：{'、'.join(spec.choices)}。")
    elif spec.example:
        lines.append(f"例如：{spec.example}")
    lines.append("如果现在手头没有，可以先保存草稿回头再办，或者转人工服务。")
    buttons: list[Button] = []
    if spec.kind in ("choice", "choices"):
        buttons += [choice_button(c) for c in spec.choices]
    if not spec.required:
        buttons.append(choice_button("跳过", SKIP))
    buttons += [LATER_BUTTON, HUMAN_BUTTON]
    return Reply("\n".join(lines), tuple(buttons))


def upload_button(title: str, refs: list[str], material: str | None = None) -> Button:
    """Sends staged files again (to a named material): the citizen never picks a file twice."""
    entities = {"upload_ref": ",".join(refs), **({"material": material} if material else {})}
    return Button(title, "/upload_material" + json.dumps(entities, ensure_ascii=False, separators=(",", ":")))


def ask_upload(material: Material, position: int, total: int, still_needed: list[str] = ()) -> Reply:
    """The question of an upload step: one material at a time, with how far along it is. With
    several still needed, a materials card comes with it for the clients that can show one (the
    web widget, the mini-program: a picker per material, sent together); WeChat asks one by one."""
    count = f"（共{total}项，这是第{position}项）" if total > 1 else ""
    note = f"\n说明：{material.note}" if material.note else ""
    text = f"请上传「{material.name}」{count}：直接发送照片或 PDF 文件即可，多页的可以一次选多张。{note}"
    buttons = [choice_button("暂缺，承诺后补", DEFER)] if material.deferrable else []
    card = {MATERIALS_CARD: {"title": CARD_TITLE, "items": list(still_needed), "button": CARD_BUTTON}}
    return Reply(text, (*buttons, LATER_BUTTON, HUMAN_BUTTON), custom=card if len(still_needed) > 1 else None)


MATERIALS_CARD = "materials_card"
CARD_TITLE = "也可以一次传好几项：在下面逐项选好文件，再点“一起上传”。"
CARD_BUTTON = "一起上传"


def file_received(material: str, count: int, thumbnail: str | None) -> Reply:
    many = f"{count}个文件" if count > 1 else "文件"
    return Reply(f"已收到「{material}」的{many}。", image=thumbnail)


def file_refused(reason: str) -> Reply:
    return Reply(f"这个文件没能收下：{reason}")


FILE_GONE = "这个文件已经处理过或已过期，不用再传；如果还需要，请重新发送。"
SEND_A_FILE = "请直接发送照片或 PDF 文件（点输入框旁的回形针或相机图标）。"
UPLOAD_WITHOUT_APPLICATION = (
    "收到您的文件了。不过您现在没有正在办理、需要材料的申请：请先告诉我要办哪一件事，"
    "或者说“继续办理”接着填写草稿，我会告诉您要传哪些材料。"
)


def upload_waiting(refs: list[str], material: str) -> Reply:
    return Reply(
        f"「{material}」的文件已经收到，但政务平台暂时没能保存。文件我先替您留着，稍后点“重新上传”即可，不用再选一次。",
        (upload_button("重新上传", refs, material), HUMAN_BUTTON),
    )


def deferred_for_now(material: str) -> Reply:
    return Reply(f"好的，「{material}」先容缺，提交时请约定补交日期。")


def not_deferrable(material: str) -> Reply:
    return Reply(
        f"「{material}」不能容缺，提交前需要上传。暂时拿不到的话，可以点“先保存，回头再办”，草稿会保留。",
        (LATER_BUTTON, HUMAN_BUTTON),
    )


RESEND_AFTER_LOGIN = "核验身份后，请重新发送文件。"


def supplement_handed_in(number: str, material: str) -> Reply:
    return Reply(
        f"「{material}」已交给承办部门（办件号 {number}），审核会接着进行，您可以随时查询进度。",
        (STATUS_BUTTON,),
    )


def which_material(names: list[str], refs: list[str]) -> Reply:
    return Reply(
        "收到文件了。请问这是哪一项材料？",
        tuple(upload_button(name, refs, name) for name in names),
    )


def summary(
    form: Form,
    item: ServiceItem,
    application: Application,
    deferred: list[str],
    skipped: list[str] = (),
    day: date | None = None,
    signing: Signing | None = None,
    code_pending: bool = False,
) -> Reply:
    """The application as it would go in; `day` (today) checks a registration window. With
    `signing` the commitments follow in full and the code is on its way: the code the citizen
    sends back confirms, signs and submits. `code_pending`: a code sent with an earlier
    summary still stands."""
    values = application.fields
    prefilled = set(application.prefilled_fields)
    lines = [f"请核对「{item.title}」申请（编号 {application.number}）："]
    applying = [spec for spec in form.fields if spec.applies(values)]
    offered = [spec for spec in applying if spec.offer and values.get(spec.name) in (None, "", [])]
    shown_fields = [spec for spec in applying if spec not in offered]
    for index, spec in enumerate(shown_fields, start=1):
        mark = "（已预填）" if spec.name in prefilled else ""
        lines.append(f"{index}. {spec.label}：{shown(spec, values.get(spec.name), spec.name in skipped)}{mark}")
    if offered:
        lines.append("选填：" + "；".join(spec.offer for spec in offered))
    lines.append("")
    lines.append("材料清单：")
    status = {m.name: m for m in application.checklist}
    lines += [
        f"· {m.name}：{material_status(m, deferred, status[m.name].status if m.name in status else None)}"
        for m in form.materials_for(values)
    ]
    uploaded = [m.name for m in application.checklist if m.file_ids]
    if uploaded:
        lines.append(f"传错了的，说“重新上传”加材料名就行，比如“重新上传{uploaded[0]}”。")
    lines.append("")
    lines.append(f"费用：{form.fee(values) or item.fee or '不收费'}")
    blockers = form.blockers(values, day)
    if blockers:
        lines += ["", "暂时不能提交：", *(f"· {b.says}{b.instead}" for b in blockers)]
        buttons = [choice_button("修改信息", EDIT), LATER_BUTTON, HUMAN_BUTTON]
        return Reply("\n".join(lines), tuple(buttons))
    lines.append("")
    if signing is not None:
        lines += [to_sign(signing).text, "", SIGN_AT_SUMMARY]
        first = choice_button("重新获取验证码", RESEND)
    elif code_pending:
        lines.append(CODE_STILL_VALID)
        first = choice_button("重新获取验证码", RESEND)
    else:
        signs = application.materials("sign") or deferred
        then = "，再用短信验证码签署承诺书即可提交" if signs else ""
        lines.append(f"信息无误的话，点“确认提交”{then}；要修改，直接告诉我哪一项改成什么。")
        first = choice_button("确认提交", "确认提交")
    buttons = [first, choice_button("修改信息", EDIT)]
    if deferrable_now(application, deferred) and not deferred:
        buttons.insert(1, choice_button("有材料暂缺（容缺受理）", DEFER))
    buttons.append(LATER_BUTTON)
    return Reply("\n".join(lines), tuple(buttons))


SIGN_AT_SUMMARY = (
    "核对无误后，回复短信里的6位验证码，即表示您本人签署以上承诺书并提交申请；要修改，直接告诉我哪一项改成什么。"
)
CODE_STILL_VALID = (
    "信息无误的话，回复刚才短信里的6位验证码，即表示您本人签署承诺书并提交申请（没收到或已过期的，点“重新获取验证码”）；"
    "要修改，直接告诉我哪一项改成什么。"
)


def deferrable_now(application: Application, deferred: list[str] = ()) -> list[str]:
    """The case's 可容缺 materials not yet supplied: what a 容缺 commitment may cover."""
    return [
        m.name
        for m in application.checklist
        if m.deferrable and m.status in ("needed", "optional", "shared") and m.name not in deferred
    ]


def material_status(material: Material, deferred: list[str], status: str | None = None) -> str:
    """How the summary marks a material: 免提交, 已上传, 容缺, 在线签署, 交回原件 or still needed."""
    if material.shared and material.deferrable:
        return "免提交（部门通过数据共享获取；无法在线核验的，可容缺后补）"
    if material.shared:
        return "免提交（部门通过数据共享获取）"
    if status == "uploaded":
        return "已上传"
    if material.name in deferred:
        return "容缺，承诺后补"
    note = f"（{material.note}）" if material.note else ""
    if status == "signed":
        return "已在线签署"
    if material.supply == "sign":
        return "待签署（点“确认提交”后在线签署）"
    if material.supply == "original":
        return "交回原件" + note
    if material.optional:
        return "如适用请上传" + note
    return ("需上传，可容缺受理" if material.deferrable else "需上传") + note


def defer_pick(names: list[str]) -> Reply:
    text = (
        "以下材料可以“容缺受理”：先提交申请，您签署承诺后在约定日期前补交。\n"
        + "\n".join(f"· {n}" for n in names)
        + "\n请问暂时缺哪一项？"
    )
    buttons = tuple(choice_button(n) for n in names)
    if len(names) > 1:
        buttons += (choice_button("都暂缺", "全部"),)
    return Reply(text, buttons + (choice_button("不用容缺了", "不用"),))


def defer_date(latest: date) -> Reply:
    return Reply(
        f"您承诺在哪天之前补交？最晚可以约到{latest.year}年{latest.month}月{latest.day}日"
        f"（30个工作日内），例如“下周五”或“12月15日”。"
    )


def files_removed(material: str, count: int) -> Reply:
    return Reply(f"好的，「{material}」原来的{count if count > 1 else ''}{'个' if count > 1 else ''}文件已删除。")


def blocked(block: Block) -> Reply:
    """An answer that makes the application fail by the guide's rules, said when it is given."""
    return Reply(f"请注意：{block.says}{block.instead}")


RESEND = "__resend__"
ASK_SIGN_CODE = "回复短信里的6位验证码，即表示您本人签署以上承诺书并提交申请；没收到的话，点“重新获取验证码”。"


def _sign_buttons() -> tuple[Button, ...]:
    return (choice_button("重新获取验证码", RESEND), choice_button("返回核对", BACK), LATER_BUTTON)


ASK_SIGN_CODE_REPLY = Reply(ASK_SIGN_CODE, _sign_buttons())


def to_sign(signing: Signing) -> Reply:
    """The commitments in full, then where the code went: the code the citizen sends back is
    their signature, so what it signs must be on the screen above it."""
    count = len(signing.documents)
    parts = [f"提交前请阅读并签署以下{'承诺书' if count == 1 else f'{count}份承诺书'}："]
    parts += [f"《{name}》\n{text}" for name, text in signing.documents]
    parts.append(f"验证码已发送到您登记的手机{signing.phone_masked}。")
    return Reply("\n\n".join(parts))


def pause_request(number: str | None) -> Reply:
    buttons = (choice_button("先不办了", "是"), choice_button("继续填写", "否"))
    if not number:
        return Reply("确定先不办了吗？", buttons)
    return Reply(f"确定先不办了吗？已填写的内容会保存为草稿（编号 {number}），回头说“继续办理”就能接着填。", buttons)


def paused(item: ServiceItem, number: str | None) -> Reply:
    if not number:
        return Reply(f"好的，「{item.title}」先不办了。需要时对我说“开始办理”就行。")
    return Reply(
        f"好的，「{item.title}」申请已为您保存为草稿（编号 {number}）。回头对我说“继续办理”，就从刚才的地方接着填。"
    )


def ask_edit(form: Form) -> Reply:
    example = next((f for f in form.fields if f.example and f.kind not in _MASKED_KINDS), form.fields[0])
    sample = f"“{example.label}改为{example.example}”" if example.example else f"“{example.label}改为……”"
    return Reply(f"请告诉我要修改哪一项、改成什么，例如{sample}。", (choice_button("不改了，返回核对", BACK),))


def ask_fix(spec: FieldSpec) -> Reply:
    return (
        question(spec, retry=True)
        if spec.kind in ("choice", "choices", "bool")
        else Reply(f"好的，请告诉我正确的{spec.label}：")
    )


def corrected(spec: FieldSpec, value: object) -> Reply:
    return Reply(f"已将{spec.label}改为：{shown(spec, value)}。")


UNKNOWN_CORRECTION = "抱歉，我没听出要改哪一项。请说“某某改为……”，比如“电话改为13800990001”。"
CANNOT_CHANGE_PREFILLED_IDENTITY = "申请人身份信息来自核验过的登记数据，不能在这里修改；如有错误，请转人工服务处理。"


def dates_contradict(spec: FieldSpec, value: str, earlier: FieldSpec, before: str) -> Reply:
    """Two dates that cannot both be right: asked again, nothing stored."""
    return Reply(
        f"{spec.label}（{_iso_words(value)}）早于{earlier.label}（{_iso_words(before)}），两个日期对不上。"
        f"请核对后重新告诉我{spec.label}；如果是{earlier.label}填错了，可以说“修改{earlier.label}”。"
    )


def _iso_words(value: str) -> str:
    year, month, day = (int(part) for part in value.split("-"))
    return f"{year}年{month}月{day}日"


NOT_SURE = "不确定的内容我先不填，以免填错影响审核；您查清楚后再告诉我就行。"
NOT_UNDERSTOOD_CONSENT = "请点“同意调取”或“不同意，我自己填”。"
NOT_UNDERSTOOD_CONFIRM = "请点“确认提交”，或者直接告诉我要修改哪一项。"


OFFER_NOTICES = "offer_notices"
"""The custom payload after a submission: clients that can ask for an opt-in to case notices
(the mini-program's wx.requestSubscribeMessage) offer it there."""


def submitted(item: ServiceItem, application: Application, promise_basis: str | None = None) -> Reply:
    """`promise_basis`: the guide's rule behind the promised date when it is not the item's time
    limit (a 公示期, a result date)."""
    lines = [f"申请已提交！申请编号：{application.number}。"]
    if application.summary.promised_date:
        day = application.summary.promised_date
        basis = promise_basis or (f"{item.time_limit_days}个工作日内" if item.time_limit_days else "")
        lines.append(f"承诺办结日期：{day.year}年{day.month}月{day.day}日" + (f"（{basis}）。" if basis else "。"))
    lines.append("接下来各部门并联办理：")
    by_department: dict[str, list[str]] = {}
    for task in application.subtasks:
        by_department.setdefault(task.department, []).append(task.service)
    lines += [f"· {department}：{join_names(services)}" for department, services in by_department.items()]
    for material in application.deferred_materials:
        due = material.due_date
        lines.append(f"请记得在{due.year}年{due.month}月{due.day}日前补交{material.name}。")
    lines.append("之后随时问我“我的申请到哪一步了”，就能查看办理进度。")
    return Reply("\n".join(lines), (STATUS_BUTTON,), custom={OFFER_NOTICES: {"application_no": application.number}})


def already_submitted(number: str | None) -> Reply:
    return Reply(
        f"申请 {number or ''} 已经提交过了，无需重复提交。说“我的申请到哪一步了”就能查看办理进度。",
        (STATUS_BUTTON,),
    )


def same_case(portal_message: str) -> Reply:
    """The case already has an application (the other parent applied for the baby): the portal's
    message points to it; nothing new is started."""
    return Reply(portal_message, (STATUS_BUTTON, HUMAN_BUTTON))


def submit_refused(portal_message: str) -> Reply:
    """The portal refused the submission (a field missing, a 容缺 date out of range …)."""
    return Reply(f"{portal_message}请说“继续办理”，改好后再提交，已填的内容都在。", (HUMAN_BUTTON,))


def answer_not_saved() -> Reply:
    return Reply(
        f"系统繁忙，一网通办平台暂时没有响应，您刚才的回答还没保存；之前填写的内容都在草稿里。"
        f"请稍后说“继续办理”，从这一项接着填；着急的话可以拨打{settings.hotline}。",
        (HUMAN_BUTTON,),
    )


def draft_gone(number: str | None) -> Reply:
    return Reply(
        f"草稿 {number or ''} 已经提交或不再可用，无法继续修改。说“查询进度”可以查看办理情况，"
        "或告诉我要办的事重新申请。",
        (STATUS_BUTTON,),
    )


def submit_unavailable(number: str) -> Reply:
    return Reply(
        f"系统繁忙，一网通办平台暂时没有响应，申请还没有提交成功。您填写的内容已保存在草稿 {number} 中，"
        f"稍后对我说“继续办理”即可再次提交，不会重复提交；着急的话可以拨打{settings.hotline}。",
        (HUMAN_BUTTON,),
    )


def portal_unavailable() -> Reply:
    return Reply(
        f"系统繁忙，一网通办平台暂时没有响应。您已填写的内容都会保留，请稍后说“继续办理”再试；"
        f"着急的话可以拨打{settings.hotline}政务服务便民热线。",
        (HUMAN_BUTTON,),
    )


def wrong_subject(item: ServiceItem, needs_enterprise: bool) -> Reply:
    who = "企业" if needs_enterprise else "个人"
    return Reply(f"「{item.title}」需要以{who}身份办理，我们先核验{who}身份。")


AFTER_EXPIRY = "请说“继续办理”，重新核验身份后接着填写，已填的内容都在。"
AFTER_STEP_UP = "请说“继续办理”，核验后回到确认提交这一步，已填的内容都在。"
NO_ITEM = "请先告诉我您要办哪一件事，比如“孩子出生了要办什么”“想开个小饭馆”。"
NO_DRAFT = "您目前没有未完成的申请。请告诉我要办哪一件事，我来帮您在线办理。"


def not_read(spec: FieldSpec) -> str:
    """When an answer could not be read and its parser gave no reason of its own."""
    return f"抱歉，没能识别您填写的{spec.label}。"


def new_value_not_read(spec: FieldSpec) -> str:
    return f"没能识别新的{spec.label}。"


PICK_MATERIAL = "请从上面的材料中选择。"
ASK_DUE_DATE = "请告诉我一个具体日期，例如“下周五”。"


def due_date_out_of_range(latest: date) -> Reply:
    return Reply(f"承诺补交日期需要在今天之后、{latest.year}年{latest.month}月{latest.day}日之前，请换一个日期。")
