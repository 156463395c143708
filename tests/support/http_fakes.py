"""Real local HTTP servers that misbehave on purpose, for the portal client's fault tests: a
server that is slow or answers 5xx, and a proxy in front of the real portal that loses answers
after the portal has acted on the request (the case idempotency keys exist for)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Behaviour = Callable[[str, str, int], tuple[int, dict] | None]
"""(method, path, request number) → (status, JSON body), or None to drop the connection."""


class _Server:
    def __init__(self, handler_class: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def record(self, handler: BaseHTTPRequestHandler) -> int:
        with self.lock:
            self.requests.append((handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()}))
            return len(self.requests)


def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)


class FaultServer(_Server):
    """Answers every request through `behaviour`, optionally after `delay` seconds."""

    def __init__(self, behaviour: Behaviour, delay: float = 0.0) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                number = server.record(self)
                if server.delay:
                    time.sleep(server.delay)
                answer = server.behaviour(self.command, self.path, number)
                if answer is None:
                    self.close_connection = True
                    return
                _reply(self, *answer)

            do_GET = do_POST = do_PATCH = _any

            def log_message(self, *args: object) -> None:
                pass

        self.behaviour = behaviour
        self.delay = delay
        super().__init__(Handler)


class LossyProxy(_Server):
    """Forwards everything to `target`; the first `lose` answers to paths ending in `suffix`
    are replaced by a 502 *after* the portal has processed the request."""

    def __init__(self, target: str, suffix: str, lose: int) -> None:
        server = self
        self.lost = 0
        self._upstream = httpx.Client(base_url=target, timeout=30)

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.record(self)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                upstream = server._upstream.request(self.command, self.path, content=body, headers=headers)
                with server.lock:
                    drop = self.path.endswith(suffix) and server.lost < lose
                    server.lost += drop
                if drop:
                    _reply(self, 502, {"code": "bad_gateway", "message": "网关错误"})
                    return
                passed = {k: v for k, v in upstream.headers.items() if k.lower().startswith("idempotent")}
                _reply(self, upstream.status_code, upstream.json(), passed)

            do_GET = do_POST = do_PATCH = _any

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        self._upstream.close()
