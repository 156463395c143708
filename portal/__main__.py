"""`python -m portal --port 8001`: the sandbox 一网通办 portal; `--list-demo` prints the demo
people and enterprises (with the 一件事 each fits) to try it with."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import settings


def _list_demo(db_url: str | None) -> int:
    from portal.config import PortalConfig
    from portal.db import Database
    from portal.seed import demo_subjects, seed

    db = Database(PortalConfig.from_env(db_url=db_url).db_url)
    seed(db)
    with db.transaction() as session:
        for row in demo_subjects(session):
            who = (
                row.identifier
                if row.kind == "citizen"
                else f"{row.identifier}  法定代表人 {row.legal_rep} {row.legal_rep_id_number}"
            )
            print(f"{row.name}\t{who}\t{','.join(row.scenarios) or '-'}\t{row.note}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal", description="示例市一网通办沙箱平台")
    parser.add_argument("--host", default=settings.bind_host, help="监听地址（默认 BANSHI_BIND_HOST，仅本机）")
    parser.add_argument("--port", type=int, default=settings.portal_port)
    parser.add_argument(
        "--db-url", default=None, help="SQLAlchemy 地址（默认 BANSHI_PORTAL_DB_URL 或 data/db/portal.db）"
    )
    parser.add_argument(
        "--list-demo", action="store_true", help="列出演示用的个人和企业后退出（显示完整证件号，仅限沙箱）"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.list_demo:
        return _list_demo(args.db_url)

    from portal.app import create_app

    app = create_app(args.db_url)
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
