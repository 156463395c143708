"""The assistant's client of the 一网通办 portal: async (rasa-sdk actions are), typed, patient
within limits, and never the reason a citizen hears a stack trace.

- explicit connect and read timeouts;
- bounded retries with exponential backoff and jitter, only where repeating cannot do harm:
  GET requests, and create/submit, which carry an Idempotency-Key generated once per call
  (the same key on every attempt, so a retry after a lost answer returns the first result);
- one circuit breaker per process (`connect()`), so a dead portal costs one fast apology
  instead of a timeout per turn;
- results as dataclasses (bot/portal_client/models.py) and failures as PortalError subclasses with a
  Chinese `user_message` (bot/portal_client/errors.py).

Nothing personal is logged: paths carry only application numbers and binding ids.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import httpx

from bot.portal_client.breaker import CLOSED, CircuitBreaker
from bot.portal_client.errors import (
    PortalBadResponse,
    PortalError,
    PortalTimeout,
    PortalUnavailable,
    rejection,
)
from bot.portal_client.models import (
    Application,
    ApplicationSummary,
    BindingStarted,
    Card,
    Consent,
    Me,
    PortalToken,
    Signing,
    SmsSent,
    Submitted,
    UploadedFile,
    Urged,
    parse,
)
from bot.settings import Settings, settings

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
MAX_RETRY_AFTER_S = 2.0
"""A Retry-After longer than this is not waited for inside a chat turn."""


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    connect_timeout: float
    read_timeout: float
    retries: int
    backoff: float
    breaker_failures: int
    breaker_cooldown: float

    @classmethod
    def from_settings(cls, source: Settings = settings, **overrides: Any) -> ClientConfig:
        values = dict(
            base_url=source.portal_url,
            connect_timeout=source.portal_connect_timeout,
            read_timeout=source.portal_read_timeout,
            retries=source.portal_retries,
            backoff=source.portal_backoff,
            breaker_failures=source.portal_breaker_failures,
            breaker_cooldown=source.portal_breaker_cooldown,
        )
        values.update(overrides)
        return cls(**values)

    def breaker(self) -> CircuitBreaker:
        return CircuitBreaker(self.breaker_failures, self.breaker_cooldown)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """Built once: httpx would otherwise load the CA bundle for every client, on every turn."""
    return ssl.create_default_context()


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class PortalClient:
    """One conversation turn's connection to the portal; use as `async with`."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        breaker: CircuitBreaker | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.breaker = breaker or config.breaker()
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
            transport=transport,
            verify=_tls_context(),
            headers={"User-Agent": "banshi-assistant", "Accept": "application/json"},
        )

    async def __aenter__(self) -> PortalClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---- identity ------------------------------------------------------------------------

    async def start_binding(
        self, channel: str, channel_user_id: str, name: str, id_number: str, uscc: str | None = None
    ) -> BindingStarted:
        """Checks name + ID number (with `uscc`: the enterprise and its legal representative)
        against the registers; the portal texts a code to the phone on record."""
        body: dict[str, Any] = {"channel": channel, "channel_user_id": channel_user_id}
        if uscc:
            body |= {
                "subject_type": "enterprise",
                "uscc": uscc,
                "legal_representative_name": name,
                "legal_representative_id_number": id_number,
            }
        else:
            body |= {"subject_type": "citizen", "name": name, "id_number": id_number}
        response = await self._request("POST", "/identity/bindings", json=body)
        return parse(BindingStarted.from_json, self._json(response))

    async def verify_binding(self, binding_id: str, code: str) -> PortalToken:
        response = await self._request("POST", f"/identity/bindings/{binding_id}/verify", json={"code": code})
        return parse(PortalToken.from_json, self._json(response))

    async def me(self, token: str) -> Me:
        response = await self._request("GET", "/me", token=token, retry=True)
        return parse(Me.from_json, self._json(response))

    async def logout(self, token: str) -> None:
        await self._request("POST", "/me/logout", token=token)

    async def list_consents(self, token: str) -> list[Consent]:
        response = await self._request("GET", "/me/consents", token=token, retry=True)
        items = parse(lambda body: body["items"], self._json(response))
        return [parse(Consent.from_json, item) for item in items]

    async def withdraw_consent(self, token: str, consent_id: int) -> None:
        await self._request("DELETE", f"/me/consents/{consent_id}", token=token)

    async def grant_consent(self, token: str, purpose: str, fields: Sequence[str]) -> Consent:
        """Records consent to release `fields` for `purpose`; granting the same twice is harmless."""
        response = await self._request(
            "POST", "/me/consents", token=token, json={"purpose": purpose, "fields": sorted(set(fields))}
        )
        return parse(Consent.from_json, self._json(response))

    # ---- applications --------------------------------------------------------------------

    async def list_applications(self, token: str, status: str | None = None) -> list[ApplicationSummary]:
        params = {"status": status} if status else None
        response = await self._request("GET", "/applications", token=token, params=params, retry=True)
        items = parse(lambda body: body["items"], self._json(response))
        return [parse(ApplicationSummary.from_json, item) for item in items]

    async def get_application(self, token: str, number: str) -> Application:
        response = await self._request("GET", f"/applications/{number}", token=token, retry=True)
        return parse(Application.from_json, self._json(response))

    async def create_application(
        self,
        token: str,
        service_code: str,
        fields: dict[str, Any] | None = None,
        *,
        prefill: bool = True,
        services: Sequence[str] | None = None,
        idempotency_key: str | None = None,
    ) -> Application:
        """A draft; idempotent through its key, so it is retried like a GET."""
        body: dict[str, Any] = {"service_code": service_code, "fields": fields or {}, "prefill": prefill}
        if services:
            body["services"] = list(services)
        key = idempotency_key or new_idempotency_key()
        response = await self._keyed("POST", "/applications", key, token=token, json=body)
        return parse(Application.from_json, self._json(response))

    async def update_application(self, token: str, number: str, fields: dict[str, Any]) -> Application:
        response = await self._request("PATCH", f"/applications/{number}", token=token, json={"fields": fields})
        return parse(Application.from_json, self._json(response))

    async def submit(
        self,
        token: str,
        number: str,
        *,
        missing_materials: Sequence[dict[str, Any]] = (),
        commitment: bool = False,
        idempotency_key: str | None = None,
    ) -> Submitted:
        """Submits a draft exactly once, however often it is retried with the same key.

        Pass the key of an earlier, failed attempt (the error's `idempotency_key`) to retry it
        in a later turn; without one, a fresh key covers this call's own retries.
        """
        key = idempotency_key or new_idempotency_key()
        body = {"missing_materials": list(missing_materials), "commitment": commitment}
        response = await self._keyed("POST", f"/applications/{number}/submit", key, token=token, json=body)
        application = parse(Application.from_json, self._json(response))
        return Submitted(application, response.headers.get("Idempotent-Replayed") == "true", key)

    async def upload_material(
        self,
        token: str,
        number: str,
        material: str,
        data: bytes,
        *,
        idempotency_key: str,
        file_name: str = "upload",
        replaces: str | None = None,
    ) -> UploadedFile:
        """Attaches a file to an application; the key makes a retry (this call's, or a later
        turn's with the same staged file) store it once."""
        form = {"material": material, **({"replaces": replaces} if replaces else {})}
        response = await self._keyed(
            "POST",
            f"/applications/{number}/materials",
            idempotency_key,
            token=token,
            data=form,
            files={"file": (file_name or "upload", data)},
        )
        uploaded = parse(UploadedFile.from_json, self._json(response))
        return replace(uploaded, replayed=response.headers.get("Idempotent-Replayed") == "true")

    async def remove_material(self, token: str, number: str, file_id: str) -> Application:
        """Takes a file off a draft (a photo sent by mistake); retried, as removing twice is once."""
        response = await self._request("DELETE", f"/applications/{number}/materials/{file_id}", token=token, retry=True)
        return parse(Application.from_json, self._json(response))

    async def card(self, token: str) -> Card:
        response = await self._request("GET", "/me/card", token=token, retry=True)
        return parse(Card.from_json, self._json(response))

    async def report_card_loss(self, token: str, kind: str) -> Card:
        """挂失 ("temporary" or "formal"); repeating it changes nothing, so it is retried."""
        response = await self._request("POST", "/me/card/loss", token=token, json={"kind": kind}, retry=True)
        return parse(Card.from_json, self._json(response))

    async def recover_card(self, token: str) -> Card:
        response = await self._request("POST", "/me/card/recovery", token=token, retry=True)
        return parse(Card.from_json, self._json(response))

    async def start_signing(self, token: str, number: str, missing_materials: Sequence[dict[str, Any]] = ()) -> Signing:
        """The commitments still to sign (with the 容缺 one for `missing_materials`, as they will be
        submitted) and an SMS code sent to the phone on record; not retried (each call sends one)."""
        body = {"missing_materials": list(missing_materials)}
        response = await self._request("POST", f"/applications/{number}/signing", token=token, json=body)
        return parse(Signing.from_json, self._json(response))

    async def sign(self, token: str, number: str, signing_id: str, code: str) -> Application:
        """Signs with the code; a wrong code is a rejection whose message says how many tries are left."""
        response = await self._request(
            "POST", f"/applications/{number}/signing/{signing_id}", token=token, json={"code": code}
        )
        return parse(Application.from_json, self._json(response))

    async def supplement(self, token: str, number: str, materials: Sequence[str]) -> Application:
        """Tells the departments that requested materials are in (补正, or a 容缺 promise kept)."""
        response = await self._request(
            "POST", f"/applications/{number}/supplements", token=token, json={"materials": list(materials)}
        )
        return parse(Application.from_json, self._json(response))

    async def urge(self, token: str, number: str, note: str | None = None) -> Urged:
        """催办: not retried (a second urge would be refused as already done today)."""
        response = await self._request(
            "POST", f"/applications/{number}/urge", token=token, json={"note": note} if note else {}
        )
        return parse(Urged.from_json, self._json(response))

    async def send_continue_link(self, token: str, number: str, link: str) -> SmsSent:
        """Has the portal text the applicant's phone on record a link to continue the draft
        `number` (its own template; only the link is ours); not retried (each call sends one)."""
        response = await self._request(
            "POST", f"/applications/{number}/continue-link", token=token, json={"link": link}
        )
        return parse(SmsSent.from_json, self._json(response))

    # ---- transport -----------------------------------------------------------------------

    async def _keyed(self, method: str, path: str, key: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._request(method, path, headers={"Idempotency-Key": key}, retry=True, **kwargs)
        except PortalError as error:
            error.idempotency_key = key
            raise

    async def _request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        retry: bool = False,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> httpx.Response:
        """One call, retried (when `retry`) on timeouts, network errors and 5xx; 4xx raise at once."""
        request_headers = dict(headers or {})
        if token:
            request_headers["Authorization"] = f"Bearer {token}"
        attempts = 1 + (max(self.config.retries, 0) if retry else 0)
        for attempt in range(1, attempts + 1):
            outcome = await self._attempt(
                method, path, json=json, params=params, headers=request_headers, data=data, files=files
            )
            if isinstance(outcome, httpx.Response):
                return outcome
            error, retry_after = outcome
            retryable = error.status is None or error.status in RETRYABLE_STATUSES
            if attempt == attempts or not retryable or self.breaker.state != CLOSED:
                log.warning("portal %s %s failed after %d attempt(s): %s", method, path, attempt, error)
                raise error
            delay = self._backoff(attempt, retry_after)
            log.info("portal %s %s attempt %d failed (%s); retrying in %.2f s", method, path, attempt, error, delay)
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | tuple[PortalUnavailable, float | None]:
        """One exchange, reported to the breaker: a 2xx response, a raised rejection (4xx, the
        portal is healthy), or why the portal could not serve it (and any Retry-After)."""
        self.breaker.before_call()
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            self.breaker.record_failure()
            return PortalTimeout(f"{method} {path}: {type(exc).__name__}"), None
        except httpx.TransportError as exc:
            self.breaker.record_failure()
            return PortalUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}"), None
        except BaseException:
            self.breaker.release()
            raise
        if response.status_code >= 500:
            self.breaker.record_failure()
            error = PortalUnavailable(f"{method} {path}: HTTP {response.status_code}", status=response.status_code)
            return error, _retry_after(response)
        self.breaker.record_success()
        if response.status_code >= 400:
            raise self._rejection(response)
        return response

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential with jitter (so retries of many users do not arrive together)."""
        delay = self.config.backoff * (2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_S))
        return delay

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise PortalBadResponse(f"portal sent non-JSON ({response.headers.get('content-type')})") from None

    @staticmethod
    def _rejection(response: httpx.Response) -> PortalError:
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        return rejection(
            response.status_code, code if isinstance(code, str) else None, message if isinstance(message, str) else None
        )


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


_breaker: CircuitBreaker | None = None


def shared_breaker() -> CircuitBreaker:
    """The process-wide breaker: every turn of every user sees the portal's recent health."""
    global _breaker
    if _breaker is None:
        _breaker = ClientConfig.from_settings().breaker()
    return _breaker


def connect() -> PortalClient:
    """A client on the configured portal, sharing the process-wide circuit breaker."""
    return PortalClient(ClientConfig.from_settings(), breaker=shared_breaker())
