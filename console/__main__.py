"""`python -m console --port 8002`."""

from __future__ import annotations

import argparse

from bot.settings import settings
from console.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m console")
    parser.add_argument("--host", default=settings.bind_host, help="监听地址（默认 BANSHI_BIND_HOST，仅本机）")
    parser.add_argument("--port", type=int, default=settings.console_port)
    parser.add_argument("--rasa-url", default=None, help="Rasa 服务的浏览器可达地址")
    parser.add_argument("--origin", default=None, help="控制台对外的地址（嵌入代码中显示；默认 http://localhost:端口）")
    args = parser.parse_args()
    app = create_app(args.rasa_url, args.origin or f"http://localhost:{args.port}")
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
