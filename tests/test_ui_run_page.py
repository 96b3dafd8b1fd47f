"""The web view's run page says how many items a foreach went over, apart from the attempts (issue 12 item 7)."""

from __future__ import annotations

import asyncio

LOOP = """workflow:
  id: loop
  triggers:
    - type: manual
  consts:
    hosts: [a, b]
  steps:
    - name: get-alerts
      foreach: "{{ consts.hosts }}"
      provider:
        type: console
        with:
          message: "{{ foreach.value }}"
"""


def _get(app, path: str) -> tuple[int, str]:
    """One GET through the ASGI app, without an HTTP client or a server."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": [],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body.decode()


def test_the_run_page_shows_items_apart_from_attempts(tmp_repo):
    from keepwf.server.ui.app import create_ui_app

    r = tmp_repo
    r.write("workflows/loop.yml", LOOP)
    r.commit("loop")
    assert r.cli("deploy", "loop", "-m", "x").code == 0
    run_id = r.cli("run", "loop", "--json").json()["run_id"]
    status, html = _get(create_ui_app(r.path), f"/runs/{run_id}")
    assert status == 200, html[:500]
    assert "<td>1 <span class=\"dim\">(2 items)</span></td>" in html
    plain = r.cli("run", "hello-alert", "--draft", "--json").json()["run_id"]
    status, html = _get(create_ui_app(r.path), f"/runs/{plain}")
    assert status == 200 and "item" not in html.split("<h2>Steps</h2>")[1].split("</table>")[0]
