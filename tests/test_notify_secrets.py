"""Provider credentials never reach git objects, run records, logs or output (issue 15): a real repository, real
runs of slack/telegram/pagerduty/discord/ntfy against a loopback peer, then every git object and every printed byte
is searched for each secret — on success and on the failure paths whose messages quote URLs and answers."""

from __future__ import annotations

import json
import re
import subprocess

from tests.engine.fakeapi import FakeApi, keep_apis

SECRETS = {
    "slack_hook": "hookpath-7Qx9ZsecretA",
    "slack_token": "xoxb-5551-secretTokenB",
    "telegram": "424242:secretTelegramC",
    "pd": "routingKeySecretD0123456789",
    "discord": "discordWebhookSecretE",
    "ntfy": "ntfyPasswordSecretF",
}

WORKFLOW = """workflow:
  id: page-all
  triggers:
    - type: manual
  actions:
    - name: slack-hook
      provider: {type: slack, config: "{{ providers.hook }}", with: {message: "{{ alert.name }}"}}
    - name: slack-token
      provider: {type: slack, config: "{{ providers.bot }}", with: {message: "x", channel: C1}}
    - name: pd
      provider: {type: pagerduty, config: "{{ providers.pd }}", with: {title: "{{ alert.name }}"}}
    - name: ntfy
      provider: {type: ntfy, config: "{{ providers.push }}", with: {message: "m", topic: ops}}
    - name: tg
      provider: {type: telegram, config: "{{ providers.tg }}", with: {chat_id: 1, message: "m"}}
    - name: discord
      provider: {type: discord, config: "{{ providers.dc }}", with: {message: "m"}}
"""


def _answers(req):
    if req["path"].startswith("/bot"):  # Telegram refuses, quoting nothing secret; the error quotes the URL
        return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    if req["path"].startswith("/api/webhooks/"):  # Discord fails and echoes the request path back
        return 500, {"message": f"internal error for {req['path']}"}
    return keep_apis(req)


def test_no_secret_in_git_objects_records_or_output(tmp_repo, monkeypatch):
    r = tmp_repo
    toml = (r.path / "keepwf.toml").read_text()  # the peer is on 127.0.0.1
    r.write("keepwf.toml", re.sub(r"(?m)^allow_private_network = false", "allow_private_network = true", toml))
    assert "allow_private_network = true" in (r.path / "keepwf.toml").read_text()
    r.write("workflows/page-all.yml", WORKFLOW)
    r.commit("add page-all")
    assert r.cli("deploy", "page-all", "-m", "release").code == 0
    r.write("alert.json", json.dumps({"name": "db down"}))
    with FakeApi({"*": _answers}) as api:
        env = {
            "hook": {"webhook_url": f"{api.url}/services/T0/B0/{SECRETS['slack_hook']}"},
            "bot": {"access_token": SECRETS["slack_token"], "base_url": api.url},
            "pd": {"routing_key": SECRETS["pd"], "events_base_url": api.url},
            "push": {"host": f"{api.url}/ntfy", "username": "u", "password": SECRETS["ntfy"]},
            "tg": {"bot_token": SECRETS["telegram"], "base_url": api.url},
            "dc": {"webhook_url": f"{api.url}/api/webhooks/1/{SECRETS['discord']}"},
        }
        for name, auth in env.items():
            monkeypatch.setenv(f"KEEP_PROVIDER_{name.upper()}", json.dumps({"authentication": auth}))
        outputs = [r.cli("run", "page-all", "--alert", "alert.json", "--json"),
                   r.cli("run", "page-all", "--alert", "alert.json"),
                   r.cli("--debug", "run", "page-all", "--alert", "alert.json")]
    assert [o.code for o in outputs] == [1, 1, 1]  # telegram and discord failed; the others were sent
    rec = outputs[0].json()
    steps = {s["name"]: s for s in rec["steps"]}
    assert {n for n, s in steps.items() if s["status"] == "ran"} == {"slack-hook", "slack-token", "pd", "ntfy"}
    assert "chat not found" in steps["tg"]["error"] and "/bot***/sendMessage" in steps["tg"]["error"]
    assert "HTTP 500" in steps["discord"]["error"]
    sent = {q["path"] for q in api.requests}
    assert f"/bot{SECRETS['telegram']}/sendMessage" in sent  # the secrets did go where they belong
    run_id = rec["run_id"]
    outputs += [r.cli("runs", "show", run_id), r.cli("runs", "show", run_id, "--json"), r.cli("runs", "--json"),
                r.cli("runs", "export", "--jsonl")]
    printed = "".join(o.out + o.err for o in outputs)
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=r.path,
                             capture_output=True).stdout
    assert b"page-all" in objects and "db down" in printed
    for name, secret in SECRETS.items():
        assert secret not in printed, name
        assert secret.encode() not in objects, name
