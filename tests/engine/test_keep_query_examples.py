"""Keep's own examples that query databases and metrics (../shared/keep-examples), run against real peers where the
machine has them (MariaDB, PostgreSQL, Prometheus) and against loopback fakes of Elasticsearch, ClickHouse and
VictoriaMetrics that check the exact request and answer with the documented response shape. Notification and Keep-
server actions are answered by --mock (the notification providers are another issue). Where an example is broken in
Keep itself (``results[0][0]`` is not mustache; MetricsQL's ``rate(x)`` is not PromQL), keepwf behaves as Keep,
after the real query ran."""

from __future__ import annotations

import json
import secrets

import pytest

from keepwf.engine import MockSet, RunOptions, run_workflow
from keepwf.workflow.loader import load_source
from tests.engine import test_http_query_providers as http_fakes
from tests.engine.fake_api import FakeApi
from tests.engine.helpers import Clock, alert
from tests.engine.prometheus_peer import prometheus  # noqa: F401 - fixture
from tests.engine.sql_peers import maria, pg  # noqa: F401 - fixtures


def run_example(keep_examples, name, providers, mocked=(), env=None):
    doc = load_source((keep_examples / name).read_bytes(), name).docs[0]
    mocks = MockSet.from_data({"providers": {m: {"result": {"ok": True}} for m in mocked}})
    return run_workflow(doc, RunOptions(event=alert(), event_kind="alert", providers_file=providers, env=env or {}, allow_private_network=True,
                                        mocks=mocks, now=Clock(), sleep=lambda s: None))


def step(r, name):
    return next(s for s in r.steps if s.name == name)


def test_raw_sql_query_datetime_queries_mariadb(keep_examples, maria):
    cfg = {"mysql-prod": maria.config()}
    r = run_example(keep_examples, "raw_sql_query_datetime.yml", cfg, ["slack"])
    assert step(r, "get-max-datetime").status == "ran"
    assert r.results["get-max-datetime"] == [[["2026-03-02T09:30:00"]]]  # SELECT MAX(datetime) FROM demo_table
    # Keep renders results[0][0] (not mustache) as "", so to_utc("") cannot compare and Slack is not called
    assert step(r, "trigger-slack").status in ("skipped", "error") and r.calls == ()
    r = run_example(keep_examples, "simple_http_request_ntfy.yml", cfg, ["http"])
    assert r.results["get-max-datetime"] == [[["2026-03-02T09:30:00"]]]


def test_disk_grown_defects_rule_reads_postgres_with_env_credentials(keep_examples, pg):
    import psycopg

    db = "keepwf_t_" + secrets.token_hex(4)  # the example's `select * from disk` is unqualified: a whole database
    with psycopg.connect(host="127.0.0.1", dbname="test", user="postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {db}")
    try:
        cols = ", ".join(f"c{i} text" for i in range(2, 13))
        with psycopg.connect(host="127.0.0.1", dbname=db, user="postgres", autocommit=True) as c:
            c.execute(f"CREATE TABLE disk (id int, name text, {cols}, defects int)")
            c.execute("INSERT INTO disk (id, name, defects) VALUES (1, 'sda', 55), (2, 'sdb', 10)")
        env = {"POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "pg-pass-never-shown", "POSTGRES_DATABASE": db,
               "POSTGRES_HOST": "127.0.0.1"}
        # its providers: sit under workflow:, where Keep does not read them (only at the document root): the same
        # config comes from providers.yaml here, with the example's {{ env.X }} values
        cfg = {"postgres-server": {"authentication": {k: "{{ env.POSTGRES_%s }}" % k.upper() for k in
                                                      ("username", "password", "database", "host")}}}
        cfg["postgres-server"]["authentication"]["username"] = "{{ env.POSTGRES_USER }}"
        r = run_example(keep_examples, "disk_grown_defects_rule.yml", cfg, env=env)
        assert step(r, "check-disk-defects").status == "ran", (r.status, r.error, r.steps)
        rows = r.results["check-disk-defects"][0]
        assert [(row[0], row[1], row[13]) for row in rows] == [(1, "sda", 55), (2, "sdb", 10)]
        assert "pg-pass-never-shown" not in str(r.to_dict())
    finally:
        with psycopg.connect(host="127.0.0.1", dbname="test", user="postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE {db}")


def test_elastic_examples_send_keeps_search_bodies(keep_examples):
    with FakeApi(http_fakes.elastic_answer) as es:
        cfg = {"elastic": {"authentication": {"host": es.url, "api_key": "ZXhhbXBsZS1rZXk="}}}
        r = run_example(keep_examples, "elastic_basic.yml", cfg)
        assert r.status == "success" and r.results["query-ack-index"] == [[http_fakes.HIT]]
        r = run_example(keep_examples, "create_alerts_from_elastic.yml", cfg, ["keep"])
        assert r.status == "success"
        r = run_example(keep_examples, "elastic_enrich_example.yml", cfg, ["slack"])
        assert [s.status for s in r.steps[:3]] == ["ran", "ran", "ran"]
        sent = [(q["path"], q["json"]) for q in es.requests]
    assert sent[0] == ("/keep-alerts-keep/_search", {"query": {"query_string": {"query": "info"}}, "size": 10})
    assert sent[1] == ("/keep-alerts-keep/_search", {"query": {"query_string": {"query": "firing"}}, "size": 10})
    assert sent[2] == ("/your_ack_index/_search", {"query": {"bool": {"must": [{"match": {"acknowledged": False}}]}},
                                                   "size": 10})
    assert [p for p, _ in sent[3:]] == ["/your_config_index/_search", "/your_people_index/_search"]


def test_clickhouse_multiquery_runs_its_follow_up_when_a_query_returns_rows(keep_examples):
    with FakeApi(http_fakes.clickhouse_answer) as ch:
        cfg = {"clickhouse": {"authentication": {"host": "127.0.0.1", "port": ch.port, "username": "default",
                                                 "password": "", "protocol": "http"}}}
        r = run_example(keep_examples, "clickhouse_multiquery.yml", cfg, ["servicenow"])
        assert r.status == "success", r.error
        assert len(ch.requests) == 4 and all(q["params"]["default_format"] == "JSONEachRow" for q in ch.requests)
        assert "LIKE '%te_tests%'" in ch.requests[0]["params"]["query"]
        assert r.results["clickhouse-observability-follow-up-query"] == [http_fakes.ROWS]
        (call,) = r.calls
        assert call["step"] == "snow-action" and "disk full" in call["params"]["payload"]["description"]


VM_ANSWER = {"status": "success", "isPartial": False, "data": {"resultType": "vector", "result": [
    {"metric": {"job": "victoriametrics"}, "value": [1737808021, "0.022633333333333307"]},
    {"metric": {"job": "vmagent"}, "value": [1737808021, "0.009299999999999998"]}]}}


def test_victoriametrics_examples_against_a_fake_vm(keep_examples):
    """VictoriaMetrics' /api/v1/query answer shape (its docs); MetricsQL's rate(x) needs no range, unlike PromQL."""
    with FakeApi(lambda req: (200, VM_ANSWER)) as vm:
        cfg = {"authentication": {"VMBackendURL": vm.url}}
        r = run_example(keep_examples, "create_multi_alert_from_vm_metric.yml", {"vm": cfg}, ["keep"])
        assert r.status == "success", r.error
        assert r.results["victoriametrics-step"] == [VM_ANSWER["data"]["result"]]
        (req,) = vm.requests
        assert (req["method"], req["path"]) == ("GET", "/api/v1/query")
        assert req["params"] == {"query": "sum(rate(process_cpu_seconds_total)) by (job)", "time": ""}
        # written for an older Keep that returned the whole answer: data.result.0.value.1 is not in today's result
        r = run_example(keep_examples, "query_victoriametrics.yml", {"victoriametrics": cfg}, ["slack", "ntfy"])
        assert step(r, "victoriametrics-step").status == "ran"
        assert step(r, "trigger-slack1").status in ("error", "skipped")


@pytest.mark.slow
def test_victoriametrics_example_against_real_prometheus_fails_clearly_on_metricsql(keep_examples, prometheus):
    cfg = {"authentication": {"VMBackendURL": prometheus}}
    r = run_example(keep_examples, "create_alert_from_vm_metric.yml", {"vm": cfg}, ["keep"])
    assert r.status == "error"
    assert "victoriametrics: query failed: HTTP 400" in r.error and "expected type range vector" in r.error


def test_slack_message_reaction_enriches_the_alert_from_a_mysql_action(keep_examples, maria):
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", user="root", password="", database=maria.namespace, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE tenant (id VARCHAR(20), name VARCHAR(50))")
        cur.execute("INSERT INTO tenant VALUES ('t-7', 'Acme Corp')")
    conn.close()
    doc = load_source((keep_examples / "slack-message-reaction.yml").read_bytes(), "x.yml").docs[0]
    mocks = MockSet.from_data({"providers": {"slack": {"result": {"slack_timestamp": "1700000000.1"}}}})
    r = run_workflow(doc, RunOptions(allow_private_network=True, event=alert(tenantId="t-7", gcp={"policy_name": "cpu"}, validatedScopes="all",
                                                 content="cpu high", url="http://127.0.0.1/a"), event_kind="alert",
                                     providers_file={"readonly": maria.config()}, mocks=mocks, now=Clock(),
                                     sleep=lambda s: None))
    assert r.status == "success", r.error
    assert r.results["get-tenant-name"] == [{"id": "t-7", "name": "Acme Corp"}]  # single_row + as_dict, an action
    assert ("customer_name", "Acme Corp") in {(e["key"], e["value"]) for e in r.enrichments}
    (call,) = [c for c in r.calls if c["step"] == "send-slack-alert"]
    assert "Tenant Name: Acme Corp" in json.dumps(call["params"]["blocks"])
