"""What can go wrong when the assistant calls the 一网通办 portal.

Each error carries `user_message`, a complete, polite Chinese sentence the chat can say as is,
so no caller ever shows a stack trace or an HTTP status to a citizen. Programs branch on the
class, and on `code` (the portal's machine-readable error code) when they need finer detail.
"""

from __future__ import annotations

from bot.settings import settings


class PortalError(Exception):
    """Any failure of a portal call."""

    default_message = "抱歉，系统出了点问题，请稍后再试；着急的话可以拨打{hotline}政务服务便民热线。"

    def __init__(
        self,
        detail: str,
        *,
        user_message: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.user_message = user_message or self.default_message.format(hotline=settings.hotline)
        self.status = status
        self.code = code
        self.idempotency_key: str | None = None
        """Set on a failed submit: retrying later with the same key cannot submit twice."""


class PortalUnavailable(PortalError):
    """The portal could not be reached or did not answer properly (network, 5xx, garbage).

    Nothing the citizen did is wrong, and nothing they gave is lost: the caller keeps it.
    """

    default_message = (
        "系统繁忙，一网通办平台暂时没有响应。您刚才提供的信息我已经保存好了，"
        "请稍后再试；着急的话可以拨打{hotline}政务服务便民热线。"
    )


class PortalTimeout(PortalUnavailable):
    """The portal did not answer within the configured timeout."""


class PortalBadResponse(PortalUnavailable):
    """The portal answered something this client cannot read (wrong JSON, missing fields)."""


class CircuitOpen(PortalUnavailable):
    """Recent calls failed in a row; the client does not even try until the cool-down ends."""


class PortalRejected(PortalError):
    """The portal refused the request (4xx); its own message is already meant for the citizen."""


class AuthRequired(PortalRejected):
    """No valid token (missing, expired or revoked): the citizen must verify their identity again."""

    default_message = "您的身份核验已过期，需要重新核验后才能继续办理。"


class NotFound(PortalRejected):
    """No such object for this identity; another person's application answers exactly so."""

    default_message = "没有找到相关记录，请核对后再试。"


class Conflict(PortalRejected):
    """The request clashes with the object's state (already submitted, already urged, …)."""


class RateLimited(PortalRejected):
    """Too many requests of this kind; the portal's message says how long to wait."""

    default_message = "操作太频繁了，请过几分钟再试。"


_REJECTIONS: dict[int, type[PortalRejected]] = {401: AuthRequired, 404: NotFound, 409: Conflict, 429: RateLimited}


def rejection(status: int, code: str | None, message: str | None) -> PortalRejected:
    """The error for a 4xx answer, with the portal's own message when it gave one."""
    kind = _REJECTIONS.get(status, PortalRejected)
    detail = f"portal answered {status} {code or ''}".strip()
    return kind(detail, user_message=message or None, status=status, code=code)
