"""Every configuration variable of banshi, in one place, with its default.

All are environment variables so that `make run`, the tests and a deployment configure the
same code the same way. The README's configuration table mirrors this module.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def env_value(name: str, default: str) -> str:
    """An environment variable, or `default` when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or default


def secret(name: str, root: Path | None = None, make: Callable[[], str] | None = None) -> str:
    """A secret our own processes share (`rasa_token`, `action_secret`): BANSHI_<NAME> when set,
    else a random value made once per installation in `data/secrets/<name>` (mode 0600).

    Never a published default: a fresh `make run` is as closed as a deployment. `make` draws a
    value of another shape (default: 32 random bytes, URL-safe base64).
    """
    given = env_value(f"BANSHI_{name.upper()}", "")
    if given:
        return given
    folder = (root or settings.project_root) / "data" / "secrets"
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = folder / f".{name}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make() if make else secrets.token_urlsafe(32))
        try:
            os.link(draft, path)  # atomic: two processes starting together agree on one value
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    project_root: Path
    db_url: str
    knowledge_dir: Path
    models_dir: Path
    rasa_port: int
    action_port: int
    portal_port: int
    console_port: int
    rasa_public_url: str
    rasa_url: str
    redis_url: str
    """How our own processes reach Rasa's HTTP API (the staff web app: pause, resume, agents' words)."""
    bind_host: str
    """Where our servers listen: loopback by default; the gateway is the only public entry."""
    widget_origins: tuple[str, ...]
    """Pages allowed to embed the web chat widget (CORS and the socket.io handshake's Origin)."""
    web_session_hours: float
    """How long a web chat session lasts; after it the widget starts a new conversation."""
    public_host: str
    public_port: int
    public_url: str
    """The gateway of the production profile (`make run-production`)."""
    messages_per_minute: int
    """Messages one sender (web session, openid) may send a minute; more get a polite "too fast"."""
    retention_days: float
    fresh_login_minutes: float
    """Submitting or 催办 needs an identity verified this recently, else a fresh SMS code."""
    """How long conversations and 转人工 transcripts are kept (the consent text quotes it)."""
    hotline: str
    crisis_line: str
    """The psychological-aid line (心理援助热线) said to anyone in distress."""
    human_hours: str
    portal_url: str
    portal_connect_timeout: float
    portal_read_timeout: float
    portal_retries: int
    portal_backoff: float
    portal_breaker_failures: int
    portal_breaker_cooldown: float
    upload_inbox: str
    """Where the channels leave a citizen's file for the action server to attach (bot/uploads.py):
    a directory, or an S3 bucket when Rasa and the action server run on different hosts."""
    max_upload_bytes: int
    staff_idle_minutes: float
    staff_logins_per_minute: int
    """A staff session ends after this long without a request (an unattended workstation)."""
    staff_session_hours: float
    """…and after this long whatever happens (a shift)."""
    assist_link_hours: float
    """How long the link an agent texts a caller (to continue a draft) can be opened, once."""
    assist_link_base: str
    """Where a caller opens that link (the public site); empty: the page the agent works on."""
    console_url: str
    """How our own processes reach the console (the channels hand it notice opt-ins)."""
    notice_webhook_url: str
    """Where the portal posts case changes (the console's /hooks/portal-notices); "off": none,
    the notifier's poll of the portal's feed alone."""
    notice_poll_seconds: float
    """How often the notifier polls the portal's notice feed (the fallback of the webhook)."""
    wechat_notice_template: str
    """The official account's 订阅通知 template for case progress (公众号后台 → 订阅通知)."""
    miniprogram_notice_template: str
    """The mini-program's subscribe-message template for case progress (小程序后台 → 订阅消息)."""
    handoff_first_reply_minutes: float
    """The supervisors' target for an agent's first words to a citizen waiting for a human,
    counted from when the service is open (the dashboard shows the share within it)."""
    handoff_resolve_minutes: float
    """…and for closing the request (resolved or handed back to the bot)."""
    registration_rounds: dict[str, tuple[date, date]]
    """This year's application rounds as the departments announced them, by item
    (`school_enrollment=2027-05-15..2027-06-05`); an item without one follows its guide's
    months (入学报名: 5月至6月)."""

    @classmethod
    def from_env(cls) -> Settings:
        root = Path(env_value("BANSHI_HOME", str(PROJECT_ROOT)))
        rasa_port = int(env_value("BANSHI_RASA_PORT", "5005"))
        portal_port = int(env_value("BANSHI_PORTAL_PORT", "8001"))
        console_port = int(env_value("BANSHI_CONSOLE_PORT", "8002"))
        public_port = int(env_value("BANSHI_PUBLIC_PORT", "8080"))
        public_url = env_value("BANSHI_PUBLIC_URL", f"http://localhost:{public_port}").rstrip("/")
        # the console's own pages, and the gateway's in the production profile
        console_origins = f"http://localhost:{console_port},http://127.0.0.1:{console_port},{public_url}"
        return cls(
            project_root=root,
            db_url=env_value("BANSHI_DB_URL", f"sqlite:///{root / 'data' / 'db' / 'banshi.db'}"),
            knowledge_dir=Path(env_value("BANSHI_KNOWLEDGE_DIR", str(root / "knowledge"))),
            models_dir=Path(env_value("BANSHI_MODELS_DIR", str(root / "models"))),
            rasa_port=rasa_port,
            action_port=int(env_value("BANSHI_ACTION_PORT", "5055")),
            portal_port=portal_port,
            console_port=console_port,
            rasa_public_url=env_value("BANSHI_RASA_PUBLIC_URL", f"http://localhost:{rasa_port}"),
            rasa_url=env_value("BANSHI_RASA_URL", f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            redis_url=env_value("BANSHI_REDIS_URL", ""),
            bind_host=env_value("BANSHI_BIND_HOST", "127.0.0.1"),
            widget_origins=tuple(
                origin.strip().rstrip("/")
                for origin in env_value("BANSHI_WIDGET_ORIGINS", console_origins).split(",")
                if origin.strip()
            ),
            web_session_hours=float(env_value("BANSHI_WEB_SESSION_HOURS", "12")),
            public_host=env_value("BANSHI_PUBLIC_HOST", "0.0.0.0"),
            public_port=public_port,
            public_url=public_url,
            messages_per_minute=int(env_value("BANSHI_MESSAGES_PER_MINUTE", "20")),
            retention_days=float(env_value("BANSHI_RETENTION_DAYS", "90")),
            fresh_login_minutes=float(env_value("BANSHI_FRESH_LOGIN_MINUTES", "30")),
            hotline=env_value("BANSHI_HOTLINE", "12345"),
            crisis_line=env_value("BANSHI_CRISIS_LINE", "12356"),
            human_hours=env_value("BANSHI_HUMAN_HOURS", "工作日 9:00—17:00"),
            # The portal client: where the 一网通办 platform is and how patiently to call it.
            portal_url=env_value("BANSHI_PORTAL_URL", f"http://localhost:{portal_port}").rstrip("/"),
            portal_connect_timeout=float(env_value("BANSHI_PORTAL_CONNECT_TIMEOUT", "1.0")),
            portal_read_timeout=float(env_value("BANSHI_PORTAL_READ_TIMEOUT", "3.0")),
            portal_retries=int(env_value("BANSHI_PORTAL_RETRIES", "2")),
            portal_backoff=float(env_value("BANSHI_PORTAL_BACKOFF", "0.2")),
            portal_breaker_failures=int(env_value("BANSHI_PORTAL_BREAKER_FAILURES", "5")),
            portal_breaker_cooldown=float(env_value("BANSHI_PORTAL_BREAKER_COOLDOWN", "30")),
            upload_inbox=env_value("BANSHI_UPLOAD_INBOX", f"file://{root / 'data' / 'objects' / 'inbox'}"),
            max_upload_bytes=int(env_value("BANSHI_MAX_UPLOAD_MB", "10")) * 1024 * 1024,
            staff_idle_minutes=float(env_value("BANSHI_STAFF_IDLE_MINUTES", "30")),
            staff_logins_per_minute=int(env_value("BANSHI_STAFF_LOGINS_PER_MINUTE", "20")),
            staff_session_hours=float(env_value("BANSHI_STAFF_SESSION_HOURS", "12")),
            assist_link_hours=float(env_value("BANSHI_ASSIST_LINK_HOURS", "24")),
            assist_link_base=env_value("BANSHI_ASSIST_LINK_BASE", "").rstrip("/"),
            console_url=env_value("BANSHI_CONSOLE_URL", f"http://127.0.0.1:{console_port}").rstrip("/"),
            notice_webhook_url=env_value(
                "BANSHI_NOTICE_WEBHOOK_URL", f"http://127.0.0.1:{console_port}/hooks/portal-notices"
            ),
            notice_poll_seconds=float(env_value("BANSHI_NOTICE_POLL_SECONDS", "60")),
            wechat_notice_template=env_value("BANSHI_WECHAT_NOTICE_TEMPLATE", "banshi-dev-case-progress"),
            miniprogram_notice_template=env_value("BANSHI_MINIPROGRAM_NOTICE_TEMPLATE", "banshi-dev-mp-case-progress"),
            handoff_first_reply_minutes=float(env_value("BANSHI_HANDOFF_FIRST_REPLY_MINUTES", "3")),
            handoff_resolve_minutes=float(env_value("BANSHI_HANDOFF_RESOLVE_MINUTES", "30")),
            registration_rounds=parse_rounds(env_value("BANSHI_REGISTRATION_ROUNDS", "")),
        )


def parse_rounds(text: str) -> dict[str, tuple[date, date]]:
    """ "school_enrollment=2027-05-15..2027-06-05,…" → {code: (first day, last day)}; a wrong
    entry stops the process at start rather than letting the wrong dates through."""
    rounds: dict[str, tuple[date, date]] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        code, _, span = entry.partition("=")
        first, _, last = span.partition("..")
        try:
            opens, closes = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        except ValueError as error:
            raise ValueError(f"BANSHI_REGISTRATION_ROUNDS: {entry!r} is not code=YYYY-MM-DD..YYYY-MM-DD") from error
        if closes < opens:
            raise ValueError(f"BANSHI_REGISTRATION_ROUNDS: {entry!r} closes before it opens")
        rounds[code.strip()] = (opens, closes)
    return rounds


settings = Settings.from_env()
