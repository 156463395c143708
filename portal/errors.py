"""One error shape for every failure, so clients branch on `code` and show `message` as is.

`message` is a complete, polite Chinese sentence meant for the citizen; `code` is stable and
meant for programs; `details` names the offending fields when there are any.
"""

from __future__ import annotations


class ApiError(Exception):
    """A failure the client caused or must handle; raised anywhere, rendered by the app."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "details": self.details}


def not_found_application() -> ApiError:
    """The same answer for a number that does not exist and one that belongs to someone else."""
    return ApiError(404, "application_not_found", "未找到该办件，请核对办件编号后再查询。")


_PROBLEMS = {
    "missing": "缺少必填项",
    "extra_forbidden": "不是可接受的字段",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "string_too_short": "内容太短或为空",
    "string_too_long": "内容太长",
    "too_short": "至少需要一项",
    "too_long": "条目太多",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不正确",
    "date_type": "应为日期，格式如 2026-01-31",
    "date_parsing": "应为日期，格式如 2026-01-31",
    "date_from_datetime_parsing": "应为日期，格式如 2026-01-31",
    "date_from_datetime_inexact": "应为日期，格式如 2026-01-31",
    "value_error": "取值无效",
}


def problem_text(error_type: str, fallback: str = "取值无效") -> str:
    return _PROBLEMS.get(error_type, fallback)
