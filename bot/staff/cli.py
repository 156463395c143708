"""`python -m bot staff …`: staff accounts from the command line — above all the first
administrator, who then manages the others in the staff web app. Every change is audited
under the name "cli". Passwords are read from the terminal (twice), or from standard input
with --password-stdin (scripts); never from an argument, which `ps` would show."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.staff.accounts import ROLES, AccountError, StaffAccounts
from bot.staff.audit import AuditLog
from bot.staff.sessions import StaffSessions

ROLE_HELP = "角色（可多次给出）：" + "、".join(f"{k}={v}" for k, v in ROLES.items())


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码（至少12个字符）：")
    if getpass.getpass("再输入一次：") != first:
        raise AccountError("两次输入的密码不一致。")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot staff", description="工作人员账号")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="新建账号")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="姓名（页面上显示）")
    add.add_argument("--role", action="append", required=True, choices=sorted(ROLES), help=ROLE_HELP)
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码")
    sub.add_parser("list", help="列出账号")
    roles = sub.add_parser("roles", help="设置账号的角色")
    roles.add_argument("username")
    roles.add_argument("--role", action="append", required=True, choices=sorted(ROLES), help=ROLE_HELP)
    for name, text in (("disable", "停用账号（立即退出登录）"), ("enable", "恢复账号")):
        sub.add_parser(name, help=text).add_argument("username")
    password = sub.add_parser("password", help="重设密码（立即退出登录）")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)

    accounts, audit = StaffAccounts(), AuditLog()
    try:
        if args.command == "add":
            user = accounts.add(args.username, args.name, _password(args.password_stdin), args.role)
            audit.record("cli", "user_add", user.username, {"roles": list(user.roles)}, "cli")
            print(f"已新建账号 {user.username}（{'、'.join(ROLES[r] for r in user.roles)}）")
            return 0
        if args.command == "list":
            for user in accounts.all():
                state = "" if user.active else "（已停用）"
                print(f"{user.username}\t{user.display_name}\t{'、'.join(ROLES[r] for r in user.roles)}{state}")
            return 0
        user = next((u for u in accounts.all() if u.username == args.username.strip().lower()), None)
        if user is None:
            raise AccountError(f"没有账号 {args.username}。")
        if args.command == "roles":
            changed = accounts.update(user.id, roles=args.role)
            detail = {"roles": list(changed.roles)}
        elif args.command in ("disable", "enable"):
            changed = accounts.update(user.id, active=args.command == "enable")
            detail = {"active": changed.active}
        else:
            changed = accounts.update(user.id, password=_password(args.password_stdin))
            detail = {"password": "reset"}
        if not changed.active or args.command == "password":
            StaffSessions.for_settings().end_all(user.id)
        audit.record("cli", f"user_{args.command}", user.username, detail, "cli")
        print(f"已更新账号 {user.username}")
        return 0
    except AccountError as problem:
        print(problem, file=sys.stderr)
        return 1
