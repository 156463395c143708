"""Configuration of the portal, read from the environment like the rest of banshi.

The portal is its own service (it stands in for the city's platform), so it keeps its own
variables instead of sharing the assistant's database: the two must never be the same store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.settings import env_value as _env
from bot.settings import secret, settings


@dataclass(frozen=True)
class BindingLimits:
    """How many binding requests pass, counted so that no caller-chosen value resets them.

    Per channel user (chosen by the caller, so the weakest), per claimed ID number or credit
    code, per phone (one SMS a minute, ten a day) and per client address (the assistant's
    backend speaks for every citizen, hence generous); and wrong codes per claim across
    bindings, so a new binding does not buy five fresh guesses forever.
    """

    per_channel_user: int = 5  # per 10 minutes
    per_claim: int = 5  # per hour
    per_client: int = 300  # per 10 minutes
    sms_cooldown: timedelta = timedelta(seconds=60)
    sms_per_phone_per_day: int = 10
    failed_codes_per_claim_per_day: int = 10

    @classmethod
    def from_env(cls) -> BindingLimits:
        return cls(
            per_claim=int(_env("BANSHI_PORTAL_BINDINGS_PER_ID_PER_HOUR", "5")),
            per_client=int(_env("BANSHI_PORTAL_BINDINGS_PER_CLIENT", "300")),
            sms_cooldown=timedelta(seconds=float(_env("BANSHI_PORTAL_SMS_COOLDOWN_SECONDS", "60"))),
            sms_per_phone_per_day=int(_env("BANSHI_PORTAL_SMS_PER_PHONE_PER_DAY", "10")),
            failed_codes_per_claim_per_day=int(_env("BANSHI_PORTAL_WRONG_CODES_PER_ID_PER_DAY", "10")),
        )


@dataclass(frozen=True)
class PortalConfig:
    db_url: str
    dev: bool
    tick_seconds: float
    correction_rate: float
    code_ttl_seconds: int
    max_code_attempts: int
    token_ttl_seconds: int
    max_body_bytes: int
    knowledge_dir: Path
    limits: BindingLimits
    objects_url: str
    """Where uploaded materials are kept (bot/objectstore.py): a directory or an S3 bucket."""
    max_file_bytes: int
    max_files_per_material: int = 5
    max_files_per_application: int = 30
    drafts_per_day: int = 20
    """Drafts one subject may create in a day: the day's application numbers are shared by all."""
    notice_secret: str = ""
    """Signs the notice webhook and authenticates the feed (bot/signed_hooks.py); shared with the assistant."""
    notice_webhook_url: str = ""
    """Where case changes are posted (empty: nowhere, the assistant polls the feed)."""
    notice_interval_seconds: float = 5.0

    @classmethod
    def from_env(cls, **overrides: object) -> PortalConfig:
        """Environment first, then explicit overrides (create_app's arguments, tests)."""
        root = settings.project_root
        values: dict[str, object] = dict(
            db_url=_env("BANSHI_PORTAL_DB_URL", f"sqlite:///{root / 'data' / 'db' / 'portal.db'}"),
            dev=_env("BANSHI_PORTAL_DEV", "0") in ("1", "true", "yes"),
            tick_seconds=float(_env("BANSHI_PORTAL_TICK_SECONDS", "20")),
            correction_rate=float(_env("BANSHI_PORTAL_CORRECTION_RATE", "0.1")),
            code_ttl_seconds=int(_env("BANSHI_PORTAL_CODE_TTL_SECONDS", "300")),
            max_code_attempts=5,
            token_ttl_seconds=int(_env("BANSHI_PORTAL_TOKEN_TTL_SECONDS", str(7 * 24 * 3600))),
            max_body_bytes=64 * 1024,
            knowledge_dir=settings.knowledge_dir,
            limits=BindingLimits.from_env(),
            objects_url=_env("BANSHI_PORTAL_OBJECTS", f"file://{root / 'data' / 'objects' / 'portal'}"),
            max_file_bytes=int(_env("BANSHI_PORTAL_MAX_FILE_MB", "10")) * 1024 * 1024,
            drafts_per_day=int(_env("BANSHI_PORTAL_DRAFTS_PER_DAY", "20")),
            notice_secret=secret("notice_secret"),
            notice_webhook_url="" if settings.notice_webhook_url == "off" else settings.notice_webhook_url,
            notice_interval_seconds=float(_env("BANSHI_PORTAL_NOTICE_SECONDS", "5")),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
