"""The real portal as a process over HTTP, once on SQLite and once on PostgreSQL.

Every response the tests see is checked against the portal's own /openapi.json, so the
document is exercised by every test rather than by one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jsonschema
import pytest

from bot.ops.processes import free_port
from tests.support.portal_cases import RESTAURANT, abandon_draft
from tests.support.portal_limits import RELAXED

ROOT = Path(__file__).resolve().parents[2]
PG_DSN = os.environ.get("BANSHI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
STARTUP_TIMEOUT_S = 60


class OpenApi:
    """Validates a response against the operation and status it answers."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self._routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in document["paths"]
        ]

    def check(self, method: str, url_path: str, response: httpx.Response) -> None:
        template = next((t for rx, t in self._routes if rx.match(url_path)), None)
        if template is None:
            schema_ref = {"$ref": "#/components/schemas/ErrorBody"}
        else:
            operation = self.document["paths"][template].get(method.lower())
            if operation is None:
                schema_ref = {"$ref": "#/components/schemas/ErrorBody"}
            else:
                responses = operation["responses"]
                entry = responses.get(str(response.status_code), responses.get("default"))
                assert entry is not None, f"{method} {template} {response.status_code} is not documented"
                if "application/json" not in entry["content"]:  # a file: its type is one the operation names
                    assert response.headers.get("content-type", "").split(";")[0] in entry["content"], response.headers
                    return
                schema_ref = entry["content"]["application/json"]["schema"]
        assert response.headers.get("content-type", "").startswith("application/json"), response.headers
        schema = dict(schema_ref) | {"components": self.document["components"]}
        jsonschema.Draft202012Validator(schema).validate(response.json())


@dataclass
class Portal:
    url: str
    db_url: str
    log: Path
    openapi: OpenApi | None = None
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def request(self, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.request(method, self.url + path, headers=headers, **kwargs)
        assert response.status_code < 500, f"{method} {path} → {response.status_code}: {response.text}"
        if self.openapi is not None:
            self.openapi.check(method, path.split("?")[0], response)
        return response

    def get(self, path: str, token: str | None = None, **kw) -> httpx.Response:
        return self.request("GET", path, token, **kw)

    def post(self, path: str, token: str | None = None, **kw) -> httpx.Response:
        return self.request("POST", path, token, **kw)

    def delete(self, path: str, token: str | None = None, **kw) -> httpx.Response:
        return self.request("DELETE", path, token, **kw)

    def upload(
        self, number: str, token: str, material: str, data: bytes, key: str | None = None, **form: str
    ) -> httpx.Response:
        """One material file, as a browser or the mini-program sends it (multipart)."""
        return self.post(
            f"/applications/{number}/materials",
            token,
            data={"material": material, **form},
            files={"file": ("upload.bin", data)},
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
        )

    def supply(self, number: str, token: str, missing: list[dict] | None = None) -> list[str]:
        """Uploads a photo for every material the draft still needs (but those promised under
        容缺 in `missing`) and signs what is to be signed; the names uploaded."""
        from tests.support.sample_files import photo

        promised = {m["name"] for m in missing or []}
        needed = [
            m["name"]
            for m in self.get(f"/applications/{number}", token).json()["checklist"]
            if m["status"] == "needed" and m["name"] not in promised
        ]
        for name in needed:
            assert self.upload(number, token, name, photo()).status_code == 201
        self.sign(number, token, missing)
        return needed

    def sign(self, number: str, token: str, missing: list[dict] | None = None) -> list[str]:
        """Signs what the draft asks to be signed (with the 容缺 commitment for `missing`), with
        the code the sandbox's SMS gateway sent; the names signed ([] when there is nothing)."""
        started = self.post(f"/applications/{number}/signing", token, json={"missing_materials": missing or []})
        if started.status_code == 409 and started.json()["code"] == "nothing_to_sign":
            return []
        assert started.status_code == 201, started.text
        signing = started.json()
        code = self.get(f"/dev/signing/{number}").json()["code"]
        signed = self.post(f"/applications/{number}/signing/{signing['signing_id']}", token, json={"code": code})
        assert signed.status_code == 200, signed.text
        return [d["name"] for d in signing["documents"]]

    def patch(self, path: str, token: str | None = None, **kw) -> httpx.Response:
        return self.request("PATCH", path, token, **kw)

    def withdraw_consents(self, token: str, purpose: str) -> None:
        """Leaves a demo person's consents as other tests expect them (none for `purpose`)."""
        for consent in self.get("/me/consents", token).json()["items"]:
            if consent["purpose"] == purpose:
                self.request("DELETE", f"/me/consents/{consent['id']}", token)

    def start_binding(self, **body) -> httpx.Response:
        body.setdefault("channel", "web")
        body.setdefault("channel_user_id", f"test-{uuid.uuid4().hex[:12]}")
        return self.post("/identity/bindings", json=body)

    def sms_code(self, binding_id: str) -> str:
        response = self.get(f"/dev/sms/{binding_id}")
        assert response.status_code == 200, response.text
        return response.json()["code"]

    def bind(self, name: str, id_number: str) -> str:
        """Token of a citizen, through the whole binding flow."""
        started = self.start_binding(name=name, id_number=id_number)
        assert started.status_code == 201, started.text
        binding_id = started.json()["binding_id"]
        verified = self.post(f"/identity/bindings/{binding_id}/verify", json={"code": self.sms_code(binding_id)})
        assert verified.status_code == 200, verified.text
        return verified.json()["token"]

    def bind_enterprise(self, uscc: str, rep_name: str, rep_id: str) -> str:
        started = self.start_binding(
            subject_type="enterprise",
            uscc=uscc,
            legal_representative_name=rep_name,
            legal_representative_id_number=rep_id,
        )
        assert started.status_code == 201, started.text
        binding_id = started.json()["binding_id"]
        verified = self.post(f"/identity/bindings/{binding_id}/verify", json={"code": self.sms_code(binding_id)})
        assert verified.status_code == 200, verified.text
        return verified.json()["token"]

    def wait_for(self, number: str, token: str, done, timeout: float = 30.0) -> dict:
        """Polls an application until `done(app)` holds (the simulator ticks every 0.1 s)."""
        deadline = time.monotonic() + timeout
        while True:
            app = self.get(f"/applications/{number}", token).json()
            if done(app):
                return app
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"application {number} stuck: {app['status']} {[t['status'] for t in app['subtasks']]}"
                )
            time.sleep(0.2)


NOTICE_SECRET = "test-notice-secret"


def start_portal(
    work: Path,
    db_url: str,
    dev: bool = True,
    relaxed: bool = True,
    objects: str | None = "local",
    env_extra: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, Portal]:
    """A portal process; `relaxed` loosens the binding limits for suites that bind often;
    `objects` None keeps the object store the environment names (an S3 bucket). Its notices
    go nowhere (the feed only) unless `env_extra` names a BANSHI_NOTICE_WEBHOOK_URL."""
    port = free_port()
    log = work / f"portal-{port}.log"
    env = os.environ | {
        "BANSHI_PORTAL_DB_URL": db_url,
        "BANSHI_PORTAL_DEV": "1" if dev else "0",
        "BANSHI_PORTAL_TICK_SECONDS": "0.1",
        "BANSHI_PORTAL_CORRECTION_RATE": "0",
        "BANSHI_NOTICE_SECRET": NOTICE_SECRET,
        "BANSHI_NOTICE_WEBHOOK_URL": "off",
        **(RELAXED if relaxed else {}),
        **(env_extra or {}),
    }
    if objects == "local":
        env["BANSHI_PORTAL_OBJECTS"] = f"file://{work / f'objects-{port}'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "portal", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    portal = Portal(url=f"http://127.0.0.1:{port}", db_url=db_url, log=log)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"portal exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(portal.url + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"portal not healthy after {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    return process, portal


def stop_portal(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def _postgres_schema() -> tuple[str, str]:
    """A fresh schema in the shared `test` database; the URL pins the portal to it."""
    import psycopg

    schema = f"portal_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        # CI and the development machines run PostgreSQL: there a missing server is a failure.
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_DSN}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN}: {exc}")
    base = PG_DSN.replace("postgresql://", "postgresql+psycopg://", 1)
    return schema, f"{base}?options=-csearch_path%3D{schema}"


def _drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def portal(request, tmp_path_factory) -> Portal:
    work = tmp_path_factory.mktemp(f"portal-{request.param}")
    schema = None
    if request.param == "sqlite":
        db_url = f"sqlite:///{work / 'portal.db'}"
    else:
        schema, db_url = _postgres_schema()
    process, running = start_portal(work, db_url)
    try:
        running.openapi = OpenApi(httpx.get(running.url + "/openapi.json", timeout=10).json())
        yield running
        assert process.poll() is None, f"the portal died during the tests:\n{running.log.read_text()[-3000:]}"
    finally:
        stop_portal(process)
        running.client.close()
        if schema:
            _drop_schema(schema)


@pytest.fixture(scope="session")
def demo(portal: Portal) -> dict[str, dict]:
    """The demo people and enterprises as the portal's database holds them, by name."""
    return demo_people(portal)


def demo_people(portal: Portal) -> dict[str, dict]:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from portal.models import Citizen, Enterprise

    engine = create_engine(portal.db_url)
    try:
        with Session(engine) as session:
            rows: dict[str, dict] = {}
            for c in session.scalars(select(Citizen)):
                rows[c.name] = {
                    "kind": "citizen",
                    "name": c.name,
                    "id_number": c.id_number,
                    "phone": c.phone,
                    "district": c.district,
                    "scenarios": list(c.scenarios),
                }
            for e in session.scalars(select(Enterprise)):
                rows[e.name] = {
                    "kind": "enterprise",
                    "name": e.name,
                    "uscc": e.uscc,
                    "rep": e.legal_rep.name,
                    "rep_id": e.legal_rep.id_number,
                    "scenarios": list(e.scenarios),
                    "status": e.status,
                }
            return rows
    finally:
        engine.dispose()


@pytest.fixture
def citizen_token(portal: Portal, demo: dict):
    """A fresh token for a demo citizen, by name."""
    return lambda name: portal.bind(name, demo[name]["id_number"])


@pytest.fixture
def enterprise_token(portal: Portal, demo: dict):
    def make(name: str) -> str:
        row = demo[name]
        return portal.bind_enterprise(row["uscc"], row["rep"], row["rep_id"])

    return make


@pytest.fixture
def restaurant_draft(portal, citizen_token):
    """A restaurant draft of 田甜 (fields given, nothing uploaded): (number, token)."""
    token = citizen_token("田甜")
    created = portal.post(
        "/applications", token, json={"service_code": "restaurant", "fields": RESTAURANT, "prefill": False}
    )
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    yield number, token
    abandon_draft(portal.db_url, number)
