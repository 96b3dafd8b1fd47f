"""A loopback HTTP peer for provider tests: records every request exactly and answers as a test tells it to.

``answer`` maps ``"METHOD /path"`` (path without the query) to a function ``request -> (status, body, headers)``
or to a fixed ``(status, body)``; a ``list`` of those is a queue (the last entry repeats). Bodies that are dicts or
lists are sent as JSON. ``hang`` makes the server sleep before answering (the timeout test).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeApi:
    def __init__(self, answers: dict | None = None):
        self.requests: list[dict] = []
        self.answers: dict = dict(answers or {})
        self.hang = 0.0
        self._counts: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                parts = urllib.parse.urlsplit(self.path)
                req = {"method": self.command, "path": parts.path, "query": urllib.parse.parse_qs(parts.query),
                       "headers": {k.lower(): v for k, v in self.headers.items()}, "raw": raw,
                       "body": raw.decode("utf-8", "replace")}
                ctype = req["headers"].get("content-type", "")
                if ctype.startswith("application/json"):
                    req["json"] = json.loads(raw or b"null")
                elif ctype.startswith("application/x-www-form-urlencoded"):
                    req["form"] = {k: v[0] for k, v in urllib.parse.parse_qs(req["body"], keep_blank_values=True).items()}
                outer.requests.append(req)
                if outer.hang:
                    time.sleep(outer.hang)
                status, body, headers = outer._answer(req)
                data = b"" if status == 204 else body if isinstance(body, bytes) else (
                    json.dumps(body).encode() if isinstance(body, (dict, list)) else str(body).encode())
                try:
                    self.send_response(status)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    if isinstance(body, (dict, list)):
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if status != 204:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _answer(self, req):
        key = f"{req['method']} {req['path']}"
        spec = self.answers.get(key, self.answers.get("*", (404, {"error": f"no answer for {key}"})))
        if isinstance(spec, list):
            n = self._counts.get(key, 0)
            self._counts[key] = n + 1
            spec = spec[min(n, len(spec) - 1)]
        if callable(spec):
            spec = spec(req)
        status, body, *rest = spec
        return status, body, (rest[0] if rest else {})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.server.shutdown()
        self.server.server_close()


def keep_apis(req):
    """Answers like each real API keepwf's notification providers call (by path), for whole-workflow tests."""
    m, path = req["method"], req["path"]
    if path.endswith(("/chat.postMessage", "/chat.update")):
        return 200, {"ok": True, "ts": "1700000000.000100", "channel": "C1"}
    if path.endswith("/reactions.add"):
        return 200, {"ok": True}
    if path.startswith("/services/"):
        return 200, "ok"
    if path.startswith("/teams"):
        return 200, "1"
    if path.startswith("/api/webhooks/"):
        return 204, ""
    if path == "/v2/enqueue":
        return 202, {"status": "success", "message": "Event processed", "dedup_key": "d"}
    if path in ("/incidents",) or path.startswith("/incidents/"):
        return (201 if m == "POST" else 200), {"incident": {"id": "PT1", "status": "triggered"}}
    if path == "/v2/alerts" and m == "POST":
        return 202, {"result": "Request will be processed", "took": 0.1, "requestId": "req-1"}
    if path.startswith("/v2/alerts/requests/"):
        return 200, {"data": {"success": True, "action": "Create", "processedAt": "2026-03-02T10:00:01Z",
                              "integrationId": "i", "isSuccess": True, "status": "Alert created successfully",
                              "alertId": "A-1", "alias": "al"}}
    if path.startswith("/v2/alerts/"):
        return 202, {"result": "Request will be processed", "requestId": "req-2"}
    if "/bot" in path and path.endswith(("/sendMessage", "/sendPhoto")):
        return 200, {"ok": True, "result": {"message_id": 1, "chat": {"id": 1}}}
    if path == "/v3/mail/send":
        return 202, ""
    if path == "/rest/agile/1.0/board":
        return 200, {"values": [{"name": "TEST", "location": {"projectKey": "TEST"}},
                                {"name": "YOUR_BOARD_NAME", "location": {"projectKey": "YBN"}}]}
    if path == "/rest/api/2/issue" and m == "POST":
        return 201, {"id": "10001", "key": "TEST-1", "self": "https://jira.example/rest/api/2/issue/10001"}
    if path.startswith("/rest/api/2/issue/") and path.endswith("/transitions"):
        return (200, {"transitions": [{"id": "31", "name": "Done"}]}) if m == "GET" else (204, "")
    if path.startswith("/rest/api/2/issue/"):
        return (204, "") if m == "PUT" else (200, {"id": path.rsplit("/", 1)[1], "key": "TEST-9"})
    if path.startswith("/ntfy/"):
        return 200, {"id": "n1", "event": "message", "topic": path.rsplit("/", 1)[1], "message": req["body"]}
    return 404, {"error": f"no fake for {m} {path}"}
