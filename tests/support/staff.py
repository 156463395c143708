"""Staff members in the end-to-end stack: accounts made with `python -m bot staff`, and an HTTP
client logged in to the staff web app."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx

from tests.support.browser import ROOT

PASSWORD = "e2e staff password 1"


class Staff:
    """One staff member's HTTP client: the Secure session cookie is carried by hand (httpx, like
    any client, keeps Secure cookies off plain HTTP; browsers treat loopback as secure)."""

    def __init__(self, stack, username: str, password: str = PASSWORD) -> None:
        self.url = stack.console_url
        self.username = username
        answer = httpx.post(f"{self.url}/staff/api/login", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie, cookie
        self.cookie = cookie.split(";")[0]
        self.csrf = answer.json()["csrf_token"]

    def call(self, method: str, path: str, csrf: bool = True, **kwargs) -> httpx.Response:
        headers = {"Cookie": self.cookie, **kwargs.pop("headers", {})}
        if csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        return httpx.request(method, f"{self.url}/staff/api{path}", headers=headers, timeout=10, **kwargs)


def staff_cli(stack, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    env = os.environ | {"BANSHI_DB_URL": stack.db_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", "staff", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def new_staff(stack, role: str) -> Staff:
    """A fresh account of `role`, made on the command line, logged in."""
    name = f"{role}{uuid.uuid4().hex[:6]}"
    made = staff_cli(stack, "add", name, "--name", "测试人员", "--role", role, "--password-stdin")
    assert made.returncode == 0, made.stderr
    return Staff(stack, name)
