"""Configuration of the WeChat official-account channel: credentials first, then environment.

Rasa hands a channel only its section of credentials.yml. Secrets do not belong in a
committed file, so every value there may be left empty and is then read from an environment
variable; the defaults make a fresh clone talk to the local fake WeChat API
(tests/support/fake_wechat.py) and nothing else. A deployment pointed at the real WeChat API
with any development default still in place refuses to start: a known token would let anyone
forge messages. The lookup and that check are shared with the mini-program (channels/config.py).
"""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.settings import secret
from channels.config import ChannelConfigError, check_api_base, setting

# (credentials key, environment variable, development default)
TOKEN = ("token", "BANSHI_WECHAT_TOKEN", "banshi-dev-token")
APP_ID = ("app_id", "BANSHI_WECHAT_APPID", "wx0000banshi0dev0")
APP_SECRET = ("app_secret", "BANSHI_WECHAT_SECRET", "banshi-dev-secret")
AES_KEY = ("encoding_aes_key", "BANSHI_WECHAT_AES_KEY", "")  # empty: plain (明文) mode
API_BASE = ("api_base", "BANSHI_WECHAT_API_BASE", "http://127.0.0.1:8011")

PRODUCTION_API_BASE = "https://api.weixin.qq.com"


def installation_aes_key() -> str:
    """The EncodingAESKey made once for this installation (data/secrets/wechat_aes_key): 43
    letters and digits, the form 公众号后台 accepts when the operator pastes it there."""
    alphabet = string.ascii_letters + string.digits
    return secret("wechat_aes_key", make=lambda: "".join(secrets.choice(alphabet) for _ in range(43)))


class WeChatConfigError(ChannelConfigError):
    """The channel's configuration cannot work; raised at start-up, never per request."""


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    app_id: str
    app_secret: str
    aes_key: str
    api_base: str
    # WeChat waits 5 s for a passive reply; leave room for the network and the response.
    passive_reply_seconds: float = 4.0
    # Follow-up parts of a passive reply go out after the HTTP response, so they arrive after it.
    followup_delay_seconds: float = 1.0
    max_body_bytes: int = 64 * 1024
    max_clock_skew_seconds: int = 300

    @property
    def safe_mode(self) -> bool:
        """Safe (安全) mode: messages are AES-encrypted, and so must our replies be."""
        return bool(self.aes_key)

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
    ) -> WeChatSettings:
        """Reads each value from credentials, an empty one from the environment, else the default."""
        credentials = credentials or {}
        environ = os.environ if environ is None else environ

        def value(spec: tuple[str, str, str]) -> str:
            return setting(spec, credentials, environ)

        aes_key = value(AES_KEY)
        if not aes_key and credentials.get("safe_mode") == "required":
            # the production profile: never plain mode, where the signature does not cover the body
            aes_key = installation_aes_key()
        settings = cls(
            token=value(TOKEN),
            app_id=value(APP_ID),
            app_secret=value(APP_SECRET),
            aes_key=aes_key,
            api_base=value(API_BASE).rstrip("/"),
            passive_reply_seconds=float(credentials.get("passive_reply_seconds") or 4.0),
            followup_delay_seconds=float(credentials.get("followup_delay_seconds") or 1.0),
            max_body_bytes=int(credentials.get("max_body_bytes") or 64 * 1024),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fails at start-up on a configuration that would fail, or be unsafe, at the first message."""
        if self.aes_key and len(self.aes_key) != 43:
            raise WeChatConfigError("BANSHI_WECHAT_AES_KEY / encoding_aes_key 必须是公众号后台给出的43位EncodingAESKey")
        check_api_base(
            self.api_base, ((spec, getattr(self, spec[0])) for spec in (TOKEN, APP_ID, APP_SECRET)), WeChatConfigError
        )
        if not 0 < self.passive_reply_seconds < 5:
            raise WeChatConfigError("passive_reply_seconds must be below WeChat's 5 s limit")
