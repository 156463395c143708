"""Staff accounts, sessions and the audit log: the rules, on a temporary services database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.staff.accounts import FAILURES_BEFORE_LOCK, AccountError, LoginRefused, StaffAccounts
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSessions

PASSWORD = "correct horse battery"


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'services.db'}"


@pytest.fixture
def accounts(db_url) -> StaffAccounts:
    return StaffAccounts(db_url)


def test_an_account_logs_in_with_its_password_only(accounts):
    admin = accounts.add("Admin.Wang", "王管理", PASSWORD, ["admin"])
    assert admin.username == "admin.wang" and admin.has("agent", "editor")  # an administrator holds every role
    assert accounts.authenticate("admin.wang", PASSWORD).id == admin.id
    for wrong in ("correct horse battery ", "", "x" * 300):
        with pytest.raises(LoginRefused):
            accounts.authenticate("admin.wang", wrong)
    with pytest.raises(LoginRefused):
        accounts.authenticate("nobody", PASSWORD)
    agent = accounts.add("agent.li", "李坐席", PASSWORD, ["agent"])
    assert agent.has("agent") and not agent.has("editor", "admin")


@pytest.mark.parametrize(
    "username, name, password, roles, problem",
    [
        ("ab", "名", PASSWORD, ["agent"], "用户名"),
        ("1abc", "名", PASSWORD, ["agent"], "用户名"),
        ("abc", "", PASSWORD, ["agent"], "姓名"),
        ("abc", "名", "short", ["agent"], "密码长度"),
        ("abc", "名", "aaaaaaaaaaaaaa", ["agent"], "过于简单"),
        ("abc", "名", PASSWORD, ["root"], "角色"),
        ("abc", "名", PASSWORD, [], "角色"),
    ],
)
def test_bad_account_requests_are_refused_in_words(accounts, username, name, password, roles, problem):
    with pytest.raises(AccountError, match=problem):
        accounts.add(username, name, password, roles)


def test_a_username_is_taken_once(accounts):
    accounts.add("agent.li", "李坐席", PASSWORD, ["agent"])
    with pytest.raises(AccountError, match="已被使用"):
        accounts.add("AGENT.LI", "另一个", PASSWORD, ["agent"])


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(accounts):
    accounts.add("agent.li", "李坐席", PASSWORD, ["agent"])
    for _ in range(FAILURES_BEFORE_LOCK):
        with pytest.raises(LoginRefused) as refused:
            accounts.authenticate("agent.li", "wrong password!!")
        assert not refused.value.locked
    with pytest.raises(LoginRefused) as refused:
        accounts.authenticate("agent.li", PASSWORD)
    assert refused.value.locked


def test_a_disabled_account_cannot_log_in_and_the_last_admin_stays(accounts):
    admin = accounts.add("admin.wang", "王管理", PASSWORD, ["admin"])
    agent = accounts.add("agent.li", "李坐席", PASSWORD, ["agent"])
    accounts.update(agent.id, active=False)
    with pytest.raises(LoginRefused):
        accounts.authenticate("agent.li", PASSWORD)
    with pytest.raises(AccountError, match="管理员"):
        accounts.update(admin.id, roles=["agent"])
    with pytest.raises(AccountError, match="管理员"):
        accounts.update(admin.id, active=False)
    assert accounts.get(admin.id).has("admin")


def test_a_session_ends_when_idle_when_disabled_and_when_the_password_changes(accounts, db_url):
    agent = accounts.add("agent.li", "李坐席", PASSWORD, ["agent"])
    sessions = StaffSessions(timedelta(minutes=30), timedelta(hours=12), db_url)
    token, started = sessions.start(agent)
    resolved = sessions.resolve(token)
    assert resolved and resolved.user.username == "agent.li" and resolved.csrf_matches(started.csrf_token)
    assert not resolved.csrf_matches("") and not resolved.csrf_matches(None) and sessions.resolve("forged") is None
    assert StaffSessions(timedelta(0), timedelta(hours=12), db_url).resolve(token) is None  # idle too long
    assert sessions.resolve(token) is None  # and gone for good

    token, _ = sessions.start(agent)
    accounts.update(agent.id, password="another long password")
    assert sessions.resolve(token) is None
    token, _ = sessions.start(accounts.get(agent.id))
    accounts.update(agent.id, active=False)
    assert sessions.resolve(token) is None


def test_the_audit_log_lists_the_newest_first_and_filters(db_url):
    audit = AuditLog(db_url)
    audit.record("admin.wang", "login", client="127.0.0.1")
    audit.record("agent.li", "login_refused", detail={"locked": False})
    audit.record("admin.wang", "user_add", "agent.li", {"roles": ["agent"]})
    assert [e.action for e in audit.entries()] == ["user_add", "login_refused", "login"]
    assert [e.action for e in audit.entries(username="admin.wang")] == ["user_add", "login"]
    assert [e.target for e in audit.entries(action="user_add")] == ["agent.li"]
