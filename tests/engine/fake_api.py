"""A loopback HTTP server that plays one real API for a test: each request is recorded (method, path, query
parameters, headers, body) and answered by the test's ``answer(request)`` with the real API's documented response
shape. The test then checks the exact request keepwf sent."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, Any]  # (status, body: dict/list → JSON, str → text/plain)


class FakeApi:
    def __init__(self, answer: Callable[[dict], Answer]):
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode() if n else ""
                split = urllib.parse.urlsplit(self.path)
                req = {"method": self.command, "path": split.path,
                       "params": dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True)),
                       "headers": {k.lower(): v for k, v in self.headers.items()}, "body": raw,
                       "json": json.loads(raw) if raw[:1] in ("{", "[") else None}
                outer.requests.append(req)
                code, body = answer(req)
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeApi:
        self.thread.start()
        return self

    def __exit__(self, *a) -> None:
        self.server.shutdown()
        self.server.server_close()
