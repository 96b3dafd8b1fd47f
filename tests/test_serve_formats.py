"""Webhook bodies → alerts exactly as Keep's providers format them; API keys as Keep reads them (pure, fast)."""

from __future__ import annotations

import base64

import pytest

from keepwf.server import auth
from keepwf.service.runtime.dispatch import dedupe_hash, interval_seconds
from keepwf.service.runtime.formats import FormatError, format_alerts, grafana, prometheus

NOW = "2026-11-30T10:00:00+00:00"


def am_alert(**kw):
    a = {"status": "firing", "labels": {"alertname": "HighCPU", "severity": "error", "Team": "db", "instance": "h1"},
         "annotations": {"summary": "cpu high", "description": "cpu at 99%"}, "fingerprint": "fp1",
         "startsAt": "2026-11-30T09:59:00Z", "generatorURL": "http://prom/graph"}
    a.update(kw)
    return a


def test_alertmanager_one_alert_per_item_with_keeps_mapping():
    out = prometheus({"version": "4", "status": "firing", "alerts": [am_alert(), am_alert(fingerprint="fp2")]}, now=NOW)
    assert len(out) == 2
    a = out[0]
    assert (a["name"], a["id"], a["fingerprint"], a["severity"], a["status"]) == ("HighCPU", "HighCPU", "fp1", "high", "firing")
    assert a["description"] == "cpu at 99%" and a["annotations"] == {"summary": "cpu high"}
    assert a["labels"]["team"] == "db" and a["team"] == "db" and a["instance"] == "h1"  # labels lower-cased, on top
    assert a["source"] == ["prometheus"] and a["environment"] == "unknown" and a["lastReceived"] == NOW
    assert a["startsAt"] == "2026-11-30T09:59:00Z" and a["payload"]["generatorURL"] == "http://prom/graph"


@pytest.mark.parametrize("given, expected", [("critical", "critical"), ("error", "high"), ("medium", "warning"),
                                             ("warning", "warning"), ("low", "low"), ("page", "info"), (None, "info")])
def test_alertmanager_severity_mapping(given, expected):
    labels = {"alertname": "X", **({"severity": given} if given else {})}
    assert prometheus({"alerts": [am_alert(labels=labels)]}, now=NOW)[0]["severity"] == expected


def test_alertmanager_name_from_alertname_unless_id_is_a_uuid_and_description_falls_back():
    uid = "0b8f5c0e-7d1a-4c3e-9a51-0c6a3b2d1e4f"
    assert prometheus({"alerts": [am_alert(id=uid)]}, now=NOW)[0]["name"] == uid
    assert prometheus({"alerts": [am_alert(id="not-a-uuid")]}, now=NOW)[0]["name"] == "HighCPU"
    a = prometheus({"alerts": [am_alert(annotations={"summary": "only summary"}, status="resolved",
                                        labels={"alertname": "A", "environment": "prod"})]}, now=NOW)[0]
    assert a["description"] == "only summary" and a["status"] == "resolved" and a["environment"] == "prod"
    assert "environment" not in a["labels"]
    assert prometheus({"alerts": [am_alert(labels={}, annotations={})]}, now=NOW, new_id=lambda: "gen")[0]["name"] == "gen"


@pytest.mark.parametrize("group, status", [("ok", "resolved"), ("resolved", "resolved"), ("normal", "resolved"),
                                           ("alerting", "firing"), ("firing", "firing"), ("pending", "pending"),
                                           ("no_data", "pending"), ("paused", "suppressed")])
def test_grafana_status_from_the_group(group, status):
    body = {"title": "[FIRING:1] disk", "status": group,
            "alerts": [{"status": "firing", "labels": {"alertname": "disk", "severity": "critical", "env": "p"},
                        "annotations": {"summary": "s"}, "fingerprint": "g1"}]}
    a = grafana(body, now=NOW)[0]
    assert a["status"] == status and a["name"] == "[FIRING:1] disk" and a["id"] == "g1" and a["fingerprint"] == "g1"
    assert a["severity"] == "critical" and a["source"] == ["grafana"] and a["description"] == "s" and a["env"] == "p"


def test_bad_bodies_say_why():
    with pytest.raises(FormatError, match="alerts"):
        prometheus({"alerts": [1, 2]}, now=NOW)
    with pytest.raises(FormatError, match="alerts"):
        grafana({"title": "x"}, now=NOW)
    with pytest.raises(FormatError, match="not found"):
        format_alerts("zabbix", {}, now=NOW)
    with pytest.raises(FormatError):
        format_alerts(None, [1], now=NOW)
    assert format_alerts(None, [{"name": "a"}, {"name": "b"}], now=NOW)[1]["lastReceived"] == NOW


def test_dedupe_hash_ignores_only_last_received():
    a = {"name": "x", "fingerprint": "f", "lastReceived": "t1", "status": "firing"}
    assert dedupe_hash(a) == dedupe_hash(dict(a, lastReceived="t2"))
    assert dedupe_hash(a) != dedupe_hash(dict(a, status="resolved"))


class _Doc:
    def __init__(self, value):
        self.data = {"triggers": [{"type": "alert"}, {"type": "interval", "value": value}]}


@pytest.mark.parametrize("value, seconds", [(300, 300), ("5m", 300), ("2", 2), ("1h", 3600), ("1d", 86400),
                                            ("0", None), ("soon", None)])
def test_interval_values(value, seconds):
    assert interval_seconds(_Doc(value)) == seconds


def _b(user, pw):
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}


def test_api_key_from_every_place_keep_reads_it():
    keys = ["k1", "k2"]
    assert auth.check(keys, {"x-api-key": "k2"}, {}) is None
    assert auth.check(keys, {}, {"api_key": "k1"}) is None
    assert auth.check(keys, _b("api_key", "k1"), {}) is None
    assert auth.check(keys, _b("anyone", "k2"), {}) is None
    assert auth.check(keys, {"authorization": "Digest k1"}, {}) is None
    assert auth.check(keys, {}, {}) == (401, "Missing API Key")
    assert auth.check(keys, {"authorization": "Bearer k1"}, {}) == (401, "Missing API Key")
    assert auth.check(keys, {"authorization": "Basic !!!"}, {}) == (401, "Missing API Key")
    assert auth.check(keys, {"x-api-key": "k3"}, {}) == (403, "Invalid API Key")
    assert auth.check(keys, _b("k1", "nope"), {}) == (403, "Invalid API Key")  # the user name is not the key


def test_keys_from_env_and_file(tmp_path, monkeypatch):
    f = tmp_path / "keys"
    f.write_text("# serve keys\nfilekey\n\n")
    monkeypatch.setenv(auth.ENV_VAR, "a, b,")
    assert auth.load_keys(str(f)) == ["a", "b", "filekey"]
    from keepwf.errors import UsageError

    with pytest.raises(UsageError, match="--api-keys-file"):
        auth.load_keys(str(tmp_path / "missing"))


def test_serve_refuses_to_start_without_a_key_or_with_no_auth_off_loopback(tmp_repo, monkeypatch):
    monkeypatch.delenv(auth.ENV_VAR, raising=False)
    r = tmp_repo.cli("serve", "--port", "0")
    assert r.code == 2 and "no API key configured" in r.err and "KEEPWF_API_KEYS" in r.err
    r = tmp_repo.cli("serve", "--port", "0", "--no-auth", "--host", "0.0.0.0")
    assert r.code == 2 and "--no-auth is refused on 0.0.0.0" in r.err
    r = tmp_repo.cli("serve", "--log-format", "xml")
    assert r.code == 2 and "--log-format" in r.err


def test_trigger_explain_says_serve_runs_interval_workflows():
    from keepwf.engine.triggers import match_triggers

    m = match_triggers([{"type": "interval", "value": 60}], alert={"name": "x"})[0]
    assert not m.matched and "`keepwf serve` runs it every 60" in m.reason


def test_journal_prunes_finished_work_but_never_what_is_pending(tmp_path):
    from keepwf.store.journal import Journal

    j = Journal(tmp_path / "j.sqlite")
    j.add_events([(f"t{i}", "alert", "production", "{}", "2026-01-01T00:00:00.000000+00:00", None) for i in range(30)])
    with j.tx() as c:
        c.execute("UPDATE events SET state='dispatched' WHERE seq <= 25")
        for seq in range(1, 26):
            c.execute("INSERT INTO jobs(seq, env, workflow, kind, key, strategy, arrived, state) VALUES "
                      "(?, 'production', 'wf', 'alert', 'k', 'parallel', 'x', ?)", (seq, "done" if seq != 3 else "queued"))
    assert j.prune(keep=5) == 19 + 24  # done jobs 1..20 but the queued 3; closed events 1..25 but 3 (its job waits)
    assert [r["seq"] for r in j.jobs_in("queued")] == [3]
    assert j.pending() == 5 + 1  # 5 queued events, 1 queued job
    j.close()
