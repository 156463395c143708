"""The mini-program channel's own words, kept together for review: the `message` of every
error answer (the mini-program shows it as is) and the apology when the dialogue fails.

Each error answer is `{"error": <code>, "message": <one of these>}`; the code is for the
mini-program's logic (e.g. log in again on `token_expired`), the message for the citizen.
"""

from __future__ import annotations

from bot.settings import settings
from channels.wechat.texts import DIALOGUE_FAILED

__all__ = [
    "DIALOGUE_FAILED",
    "ERRORS",
    "NO_REPLY",
    "NOT_SUBSCRIBED",
    "OFFER_NOTICES",
    "OFFER_NOTICES_BUTTON",
    "STILL_ANSWERING",
    "SUBSCRIBED",
]

# A turn that produced no bot message at all: Rasa logs a failing custom action (e.g. the action
# server is down) and carries on, so from the citizen's side this is the same failure.
NO_REPLY = (
    f"抱歉，我这次没能给出答复。请换个说法再试一次，或发送“转人工”联系人工客服，"
    f"也可拨打{settings.hotline}政务服务便民热线。"
)

# A message sent again while its first try is still being answered elsewhere (a slow turn).
STILL_ANSWERING = "您的消息正在处理中，答复稍后会出现在对话里，请不要重复发送。"

OFFER_NOTICES = "办件有进展（需要补正、部门办结、全部办结）时，要不要通过微信服务通知告诉您？"
OFFER_NOTICES_BUTTON = "接收办件通知"
SUBSCRIBED = "好的，办件有新进展时会通过微信服务通知告诉您（每次授权可通知一次）。"
NOT_SUBSCRIBED = "好的，不发服务通知了。办件进度随时可以在这里问我。"

ERRORS = {
    # 401: the session token
    "missing_token": "请先登录后再发送消息。",
    "invalid_token": "登录状态无效，请重新进入小程序登录。",
    "token_expired": "登录已过期，请重新登录。",
    # login
    "invalid_code": "登录凭证无效或已被使用，请重新登录。",
    "login_refused": "微信拒绝了本次登录，请稍后再试。",
    "login_rate_limited": "登录太频繁了，请稍等一分钟再试。",
    "wechat_unavailable": f"暂时无法连接微信登录服务，请稍后再试；急需办理可拨打{settings.hotline}热线。",
    # the request itself
    "invalid_json": "请求格式不正确：请以UTF-8编码的JSON对象发送。",
    "invalid_code_field": "请求缺少有效的登录凭证 code（由 wx.login 获得）。",
    "invalid_message": "请求缺少消息内容：message 必须是文字。",
    "invalid_message_id": "消息编号无效：message_id 须为8到64位的字母、数字、下划线或连字符。",
    "empty_message": "消息不能为空，请输入您要办理的事项或问题。",
    "message_too_long": "消息太长了，请精简到{limit}字以内，或分几次发送。",
    "invalid_uploads": "文件没有发送成功，请重新选择文件上传（一次最多{most}个）。",
    "payload_too_large": "请求内容过大，请精简后再发送。",
    "request_timeout": "请求未能按时送达，请检查网络后重试。",
    "invalid_subscriptions": "订阅结果格式不正确，请重新点击“接收办件通知”。",
    "notices_unavailable": "暂时没能记录您的通知授权，请稍后再点一次“接收办件通知”。",
    "too_many_messages": f"您发送得太快了，请稍等一分钟再发；着急的话可以拨打{settings.hotline}热线。",
}
