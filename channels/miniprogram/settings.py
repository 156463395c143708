"""Configuration of the mini-program channel: credentials first, then environment, then a dev default.

The credentials.yml section `channels.miniprogram.MiniProgramInput` may leave every value empty;
they are then read from BANSHI_MINIPROGRAM_APPID / BANSHI_MINIPROGRAM_SECRET, and the API base
from BANSHI_WECHAT_API_BASE (the official account's: both talk to api.weixin.qq.com). The
defaults talk to the local fake (tests/support/fake_wechat.py); pointed at a non-local API with a
development AppID or secret the channel refuses to start (channels/config.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from channels.config import ChannelConfigError, check_api_base, setting
from channels.wechat.settings import API_BASE

# (credentials key, environment variable, development default)
APP_ID = ("app_id", "BANSHI_MINIPROGRAM_APPID", "wx0000banshi0mini")
APP_SECRET = ("app_secret", "BANSHI_MINIPROGRAM_SECRET", "banshi-dev-mp-secret")


class MiniProgramConfigError(ChannelConfigError):
    """The mini-program channel's configuration cannot work; raised at start-up."""


@dataclass(frozen=True)
class MiniProgramSettings:
    app_id: str
    app_secret: str
    api_base: str
    # A session token is valid this long from login; the mini-program logs in again on a 401.
    session_ttl_seconds: int = 2 * 3600
    max_sessions: int = 100_000
    max_body_bytes: int = 64 * 1024
    max_login_body_bytes: int = 4 * 1024
    max_message_chars: int = 2000
    wechat_timeout_seconds: float = 10.0

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
    ) -> MiniProgramSettings:
        credentials = credentials or {}
        environ = os.environ if environ is None else environ

        def number(key: str, default: float) -> float:
            raw = credentials.get(key)
            if raw in (None, ""):
                return default
            try:
                return float(raw)
            except (TypeError, ValueError):
                raise MiniProgramConfigError(f"miniprogram: {key} 必须是数字，而不是 {raw!r}") from None

        settings = cls(
            app_id=setting(APP_ID, credentials, environ),
            app_secret=setting(APP_SECRET, credentials, environ),
            api_base=setting(API_BASE, credentials, environ).rstrip("/"),
            session_ttl_seconds=int(number("session_ttl_seconds", 2 * 3600)),
            max_sessions=int(number("max_sessions", 100_000)),
            max_body_bytes=int(number("max_body_bytes", 64 * 1024)),
            max_message_chars=int(number("max_message_chars", 2000)),
            wechat_timeout_seconds=number("wechat_timeout_seconds", 10.0),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        check_api_base(self.api_base, ((APP_ID, self.app_id), (APP_SECRET, self.app_secret)), MiniProgramConfigError)
        if self.session_ttl_seconds <= 0 or self.max_sessions <= 0:
            raise MiniProgramConfigError("miniprogram: session_ttl_seconds 与 max_sessions 必须为正数")
        if self.max_body_bytes < 1024 or self.max_message_chars <= 0:
            raise MiniProgramConfigError("miniprogram: max_body_bytes 至少 1024，max_message_chars 必须为正数")
        if self.wechat_timeout_seconds <= 0:
            raise MiniProgramConfigError("miniprogram: wechat_timeout_seconds 必须为正数")
