"""The staff web app on the real console: the first administrator made with `python -m bot staff
add`, sessions, CSRF, roles (an agent reaches no administrator's page), the audit log, and the
pages in a real browser."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.browser import CHROMIUM, OUTPUT, browser_page
from tests.support.staff import PASSWORD, Staff, staff_cli

ENDPOINTS = [
    ("GET", "/staff/api/me"),
    ("POST", "/staff/api/logout"),
    ("GET", "/staff/api/users"),
    ("POST", "/staff/api/users"),
    ("PATCH", "/staff/api/users/1"),
    ("GET", "/staff/api/audit"),
]


@pytest.fixture(scope="module")
def admin_name(stack) -> str:
    name = f"admin{uuid.uuid4().hex[:6]}"
    made = staff_cli(stack, "add", name, "--name", "王管理", "--role", "admin", "--password-stdin")
    assert made.returncode == 0, made.stderr
    assert "已新建账号" in made.stdout
    return name


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_no_staff_endpoint_answers_without_a_session(stack, method, path):
    answer = httpx.request(method, stack.console_url + path, json={}, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"] == "login_required"
    forged = httpx.request(method, stack.console_url + path, headers={"Cookie": "__Host-banshi_staff=guess"})
    assert forged.status_code == 401


def test_an_agent_reaches_no_administrators_page_and_the_audit_log_says_who_did_what(stack, admin_name):
    admin = Staff(stack, admin_name)
    agent_name = f"agent{uuid.uuid4().hex[:6]}"
    body = {"username": agent_name, "display_name": "李坐席", "password": PASSWORD, "roles": ["agent"]}
    assert admin.call("POST", "/users", csrf=False, json=body).status_code == 403  # no CSRF token
    foreign = admin.call("POST", "/users", json=body, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    made = admin.call("POST", "/users", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["user"]["role_names"] == ["坐席"]

    agent = Staff(stack, agent_name)
    assert agent.call("GET", "/me").json()["user"]["roles"] == ["agent"]
    for method, path in (("GET", "/users"), ("GET", "/audit"), ("PATCH", f"/users/{made.json()['user']['id']}")):
        refused = agent.call(method, path, json={"roles": ["admin"]})
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden", (path, refused.text)

    for _ in range(5):
        wrong = httpx.post(f"{stack.console_url}/staff/api/login", json={"username": agent_name, "password": "x" * 12})
        assert wrong.status_code == 401 and wrong.json()["message"] == "用户名或密码不正确。"
    locked = httpx.post(f"{stack.console_url}/staff/api/login", json={"username": agent_name, "password": PASSWORD})
    assert locked.status_code == 423 and "锁定" in locked.json()["message"]
    assert agent.call("POST", "/logout").status_code == 200
    assert agent.call("GET", "/me").status_code == 401

    entries = admin.call("GET", "/audit").json()["entries"]
    done = [(e["username"], e["action"], e["target"]) for e in entries]
    assert (admin_name, "user_add", agent_name) in done
    assert (agent_name, "forbidden", "/staff/api/users") in done
    assert (agent_name, "login_refused", None) in done and (agent_name, "logout", None) in done
    assert ("cli", "user_add", admin_name) in done


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is installed by scripts/setup.sh")
def test_the_staff_pages_in_a_real_browser(stack, admin_name):
    with browser_page(stack.console_url + "/staff/", 1280, 800) as (_browser, page):
        login = page.locator("#login")
        login.get_by_label("用户名").fill(admin_name)
        login.get_by_label("密码").fill("wrong password!")
        login.get_by_role("button", name="登录").click()
        login.get_by_text("用户名或密码不正确").wait_for(timeout=10_000)
        login.get_by_label("密码").fill(PASSWORD)
        login.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="账号管理").click()
        page.get_by_role("cell", name=admin_name).wait_for(timeout=10_000)
        page.screenshot(path=str(OUTPUT / "staff-accounts.png"))
        page.get_by_role("button", name="操作日志").click()
        page.get_by_role("cell", name="登录失败").first.wait_for(timeout=10_000)
        page.screenshot(path=str(OUTPUT / "staff-audit.png"))
        page.get_by_role("button", name="退出登录").click()
        page.get_by_text("已退出登录").wait_for(timeout=10_000)
        assert page.get_by_role("button", name="账号管理").count() == 0
