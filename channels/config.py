"""What the channels' settings share: credentials first, then environment, then a dev default.

Rasa hands a channel only its section of credentials.yml. Secrets do not belong in a committed
file, so every value there may be left empty and is then read from an environment variable; the
development defaults talk to the local fake WeChat API (tests/support/fake_wechat.py) and nothing
else. Pointed at a non-local API, a channel with a development default still in place refuses
to start: a known secret or token would let anyone impersonate the service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlparse

# (credentials key, environment variable, development default)
Spec = tuple[str, str, str]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ChannelConfigError(ValueError):
    """A channel's configuration cannot work; raised at start-up, never per request."""


def setting(spec: Spec, credentials: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """The credentials value, an empty one replaced by the environment, else the default."""
    key, variable, default = spec
    given = str(credentials.get(key) or "").strip()
    return given or str(environ.get(variable) or "").strip() or default


def check_api_base(
    api_base: str, values: Iterable[tuple[Spec, str]], error: type[ChannelConfigError] = ChannelConfigError
) -> None:
    """The API base must be an http(s) URL; a non-local one must not come with dev defaults.

    `values` pairs each secret's spec with the value in use."""
    parsed = urlparse(api_base)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise error(f"BANSHI_WECHAT_API_BASE 不是有效的URL：{api_base!r}")
    if parsed.hostname not in LOCAL_HOSTS:
        defaults = [spec[1] for spec, value in values if value == spec[2]]
        if defaults:
            raise error("WeChat API 指向非本机地址，但以下变量仍是开发默认值：" + ", ".join(defaults))
