"""Keep's own examples that notify, run for real against loopback peers that answer like Slack, Teams, Discord,
PagerDuty, Opsgenie, Telegram, ntfy, SendGrid and Jira; each check reads what arrived at the peer.

The examples are read unchanged from ../shared/keep-examples; only the provider configs they name are given here,
pointing at the loopback peer (``webhook_url``, ``host``, ``base_url``, the documented test/proxy settings).
"""

from __future__ import annotations

import json

import pytest
import yaml

from keepwf.engine import RunOptions, run_workflow
from keepwf.workflow.loader import load_source
from tests.engine.fakeapi import FakeApi, keep_apis
from tests.engine.helpers import Clock, alert


def _auth(ptype: str, url: str) -> dict:
    return {
        "slack": {"webhook_url": f"{url}/services/T0/B0/hooksecret"},
        "teams": {"webhook_url": f"{url}/teams/webhookb2/teamssecret"},
        "discord": {"webhook_url": f"{url}/api/webhooks/1/discordsecret"},
        "pagerduty": {"routing_key": "pdroutingsecret", "events_base_url": url},
        "opsgenie": {"api_key": "opsgeniesecret", "base_url": url},
        "telegram": {"bot_token": "1:telegramsecret", "base_url": url},
        "ntfy": {"host": f"{url}/ntfy", "username": "u", "password": "ntfysecret"},
        "sendgrid": {"api_key": "SG.sendgridsecret", "from_email": "keep@example.com", "base_url": url},
        "jira": {"email": "me@example.com", "api_token": "jirasecret", "host": url},
    }[ptype]


def _configs(data: dict, url: str) -> dict:
    out = {}
    for s in (data.get("steps") or []) + (data.get("actions") or []):
        prov = s.get("provider") or {}
        cfg = str(prov.get("config") or "")
        if "providers." in cfg:
            out[cfg.replace("{", "").replace("}", "").strip().split(".", 1)[1]] = {"authentication": _auth(prov["type"], url)}
    return out


EVENT = alert(ticket_id="10023", team="ops", status="resolved", hostname="h1", description="disk full", time="t",
              url="https://grafana.example.com/a/1")
NO_TICKET = {k: v for k, v in EVENT.items() if k != "ticket_id"}
EVENTS = {"jira-create-ticket-on-alert.yml": NO_TICKET}

CASES = {
    "slack_basic.yml": lambda reqs: reqs[0]["path"] == "/services/T0/B0/hooksecret" and "text" in reqs[0]["json"],
    "slack_message_update.yml": lambda reqs: json.loads(reqs[0]["form"]["payload"])["attachments"][0]["color"] == "danger",
    "teams-adaptive-card-notifier.yaml": lambda reqs: reqs[0]["json"]["type"] == "message",
    "teams-adaptive-cards-with-mentions.yaml":
        lambda reqs: reqs[0]["json"]["attachments"][0]["content"]["msteams"]["entities"][0]["type"] == "mention",
    "discord_basic.yml": lambda reqs: reqs[0]["json"]["content"] == "Alerta!" and reqs[0]["json"]["components"],
    "opsgenie-create-alert.yml": lambda reqs: reqs[0]["json"]["responders"] == [{"name": "ops", "type": "team"}],
    "opsgenie-create-alert-cel.yml": lambda reqs: reqs[0]["json"]["message"] == "cpu high",
    "telegram_basic.yml": lambda reqs: reqs[0]["path"].endswith("/sendPhoto") and reqs[0]["json"]["caption"] == "test",
    "telegram_advanced.yml": lambda reqs: reqs[0]["json"]["message_thread_id"] == "1234"
        and len(reqs[0]["json"]["reply_markup"]["inline_keyboard"][0]) == 2,
    "send-message-telegram-with-htmlmd.yaml": lambda reqs: [r["json"]["parse_mode"] for r in reqs] == ["HTML", "MarkdownV2"],
    "ntfy_basic.yml": lambda reqs: reqs[0]["path"] == "/ntfy/test-topic" and reqs[0]["raw"] == b"test-message",
    "sendgrid_basic.yml": lambda reqs: len(reqs[0]["json"]["personalizations"][0]["to"]) == 2,
    "jira-create-ticket-on-alert.yml": lambda reqs: any(r["method"] == "POST" and r["path"] == "/rest/api/2/issue" for r in reqs),
    "test_jira_create_with_custom_fields.yml":
        lambda reqs: reqs[-1]["json"]["fields"]["customfield_10201"] == "Critical",
    "update_jira_ticket.yml": lambda reqs: reqs[0]["method"] == "PUT" and reqs[0]["path"] == "/rest/api/2/issue/10023",
    "jira-transition-on-resolved.yml": lambda reqs: reqs[-1]["json"] == {"transition": {"id": "31"}},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_keep_example_sends_keeps_requests(keep_examples, name):
    text = (keep_examples / name).read_bytes()
    doc = load_source(text, name).docs[0]
    with FakeApi({"*": keep_apis}) as api:
        data = yaml.safe_load(text)["workflow"]
        result = run_workflow(doc, RunOptions(event=EVENTS.get(name, EVENT), event_kind="alert", trigger="alert", now=Clock(),
                                              sleep=lambda s: None, providers_file=_configs(data, api.url),
                                              allow_private_network=True))
    assert result.status == "success", (result.error, [s.error for s in result.steps])
    assert api.requests, "nothing arrived"
    assert CASES[name](api.requests), api.requests
    ran = [s for s in result.steps if s.status == "ran"]
    assert ran and all(s.results for s in ran if s.provider not in ("console",))
    dumped = str(result.to_dict())
    assert "secret" not in dumped.replace("secrets", "")
    if name.startswith("opsgenie-create"):  # the example enriches the alert with results.alertId
        assert result.event["opsgenie_alert_id"] == "A-1"
