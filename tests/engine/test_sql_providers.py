"""postgres and mysql against the real PostgreSQL and MariaDB servers (tests/engine/sql_peers.py): Keep's result
shapes, bound parameters, read-only by default (the server refuses the write), timeouts, clear errors, redaction."""

from __future__ import annotations

import json

from tests.engine.helpers import alert, run
from tests.engine.sql_peers import closed_port, maria, maria_rows, pg, pg_rows  # noqa: F401 - fixtures

STEP = """
workflow:
  id: wf
  steps:
    - name: q
      provider:
        type: {type}
        config: "{{{{ providers.db }}}}"
        with:
{with_}
{actions}"""
SAY = """  actions:
    - name: say
      provider:
        type: console
        with:
          message: "first: {{ steps.q.results.0.1 }}"
"""


def sql_run(ptype, config, with_: dict, actions="", **kw):
    lines = "\n".join(f"          {k}: {json.dumps(v)}" for k, v in with_.items())
    return run(STEP.format(type=ptype, with_=lines, actions=actions), providers_file={"db": config}, **kw)


def test_postgres_rows_are_tuples_as_keep_and_render_into_later_steps(pg):
    r = sql_run("postgres", pg.config(), {"query": f"select id, name, defects, seen from {pg.namespace}.disk order by id"},
                actions=SAY)
    assert r.status == "success", r.error
    rows = r.results["q"][0]
    assert rows == [[1, "sda", "55.5", "2026-03-02T09:00:00+00:00"], [2, "sdb", "12", "2026-03-02T08:00:00+00:00"]]
    assert r.results["say"] == ["first: sda"]


def test_postgres_single_row_as_dict_and_bound_parameters(pg):
    name = "sda' OR '1'='1"  # bound by the driver: never SQL text
    r = sql_run("postgres", pg.config(), {"query": f"select id, name from {pg.namespace}.disk where name = %(n)s",
                                          "parameters": {"n": name}})
    assert r.status == "success" and r.results["q"] == [[]]
    r = sql_run("postgres", pg.config(), {"query": f"select id, name from {pg.namespace}.disk where name = %s",
                                          "parameters": ["sdb"], "single_row": True, "as_dict": "True"})
    assert r.results["q"] == [{"id": 2, "name": "sdb"}]
    r = sql_run("postgres", pg.config(), {"query": f"select 1 from {pg.namespace}.disk where false", "single_row": True})
    assert r.status == "error" and "postgres: single_row: the query returned no rows" in r.error


def test_postgres_is_read_only_unless_the_step_says_so(pg):
    insert = f"insert into {pg.namespace}.alert values ('major', 'disk sda')"
    r = sql_run("postgres", pg.config(), {"query": insert})
    assert r.status == "error"
    assert "read-only transaction" in r.error and "read_only: false" in r.error
    r = sql_run("postgres", pg.config(), {"query": f"commit; {insert}"})  # no escape through a second statement
    assert r.status == "error" and "one statement" in r.error
    r = sql_run("postgres", pg.config(), {"query": f"drop table {pg.namespace}.alert"})
    assert r.status == "error" and "read-only" in r.error
    assert pg_rows(f"select * from {pg.namespace}.alert") == []
    r = sql_run("postgres", pg.config(), {"query": insert, "read_only": False})
    assert r.status == "success", r.error
    assert pg_rows(f"select * from {pg.namespace}.alert") == [("major", "disk sda")]


def test_postgres_action_writes_with_read_only_false_and_returns_none_as_keep(pg):
    wf = f"""
workflow:
  id: wf
  actions:
    - name: push
      provider:
        type: postgres
        config: "{{{{ providers.db }}}}"
        with:
          query: "insert into {pg.namespace}.alert values (%s, %s)"
          parameters: ["{{{{ alert.severity }}}}", "{{{{ alert.name }}}}"]
          read_only: false
"""
    r = run(wf, providers_file={"db": pg.config()}, event=alert(name="it's down"), event_kind="alert")
    assert r.status == "success", r.error
    assert r.results["push"] == [None]
    assert pg_rows(f"select * from {pg.namespace}.alert") == [("critical", "it's down")]


def test_postgres_timeout_unreachable_and_missing_config(pg):
    r = sql_run("postgres", pg.config(), {"query": "select pg_sleep(5)", "timeout": 1})
    assert r.status == "error" and "postgres: the query was stopped after the timeout of 1s" in r.error
    port = closed_port()
    r = sql_run("postgres", pg.config(port=port), {"query": "select 1"})
    assert r.status == "error" and f"postgres: cannot connect to 127.0.0.1:{port}/test" in r.error
    assert any(log["step"] == "q" and log["level"] == "error" and f"step q failed: postgres: cannot connect to "
               f"127.0.0.1:{port}" in log["message"] for log in r.logs), r.logs  # the step and the provider, named
    r = sql_run("postgres", {"authentication": {"username": "postgres"}}, {"query": "select 1"})
    assert r.status == "error" and "postgres: the provider config needs authentication.host" in r.error
    r = sql_run("postgres", pg.config(), {"query": "select * from no_such_table_xyz"})
    assert r.status == "error" and 'query failed on 127.0.0.1:5432/test: relation "no_such_table_xyz" does not exist' in r.error


def test_postgres_password_never_reaches_the_record(pg):
    secret = "s3cret-pg-pass"  # trust auth: the server does not ask for it; it is still a credential
    r = sql_run("postgres", pg.config(password=secret), {"query": f"select '{secret}' as echoed, 'test' as db"})
    text = json.dumps(r.to_dict())
    assert r.status == "success", r.error
    assert secret not in text and r.results["q"] == [[["***", "test"]]]


def test_mysql_keep_shapes_single_row_as_dict_and_keep_format_kwargs(maria):
    r = sql_run("mysql", maria.config(), {"query": "SELECT MAX(datetime) FROM demo_table LIMIT 1"})
    assert r.status == "success", r.error
    assert r.results["q"] == [[["2026-03-02T09:30:00"]]]
    r = sql_run("mysql", maria.config(), {"query": "select * from customer where customer_id = '{cid}'",
                                          "cid": "c-42", "single_row": True, "as_dict": True})
    assert r.results["q"] == [{"customer_id": "c-42", "name": "Acme", "email": "ops@acme.test", "tier": "gold"}]
    r = sql_run("mysql", maria.config(), {"query": "select id from demo_table where name = %s", "parameters": ["second"]})
    assert r.results["q"] == [[[2]]]
    r = sql_run("mysql", maria.config(), {"query": "select 1 from demo_table where 1 = 0", "single_row": True})
    assert r.status == "error" and "mysql: single_row: the query returned no rows" in r.error


def test_mysql_is_read_only_unless_the_step_says_so(maria):
    for q in ("insert into demo_table values (3, 'third', now())", "create table t2 (a int)",
              "set session transaction read write"):
        r = sql_run("mysql", maria.config(), {"query": q + "; insert into demo_table values (4, 'x', now())"})
        assert r.status == "error", q  # one statement per step
    r = sql_run("mysql", maria.config(), {"query": "delete from demo_table"})
    assert r.status == "error" and "(1792)" in r.error and "read_only: false" in r.error
    assert len(maria_rows(f"select * from {maria.namespace}.demo_table")) == 2
    r = sql_run("mysql", maria.config(), {"query": "delete from demo_table where id = 1", "read_only": "false"})
    assert r.status == "success", r.error
    assert maria_rows(f"select id from {maria.namespace}.demo_table") == [(2,)]


def test_mysql_timeout_unreachable_and_bad_format(maria):
    r = sql_run("mysql", maria.config(), {"query": "select sleep(5)", "timeout": 1})
    assert r.status == "error" and "mysql: the query was stopped after the timeout of 1s" in r.error
    port = closed_port()
    r = sql_run("mysql", maria.config(port=port), {"query": "select 1"})
    assert r.status == "error" and f"mysql: cannot connect to 127.0.0.1:{port}/{maria.namespace}" in r.error
    r = sql_run("mysql", maria.config(), {"query": "select '{missing}'", "other": 1})
    assert r.status == "error" and "cannot fill the query" in r.error and "KeyError" in r.error


def test_mysql_enrich_alert_from_a_single_row_as_keeps_blogpost_example(maria):
    wf = """
workflow:
  id: wf
  steps:
    - name: get-more-details
      provider:
        type: mysql
        config: " {{ providers.db }} "
        with:
          query: "select * from customer where customer_id = '{{ alert.customer_id }}'"
          single_row: true
          as_dict: true
          enrich_alert:
            - key: customer_name
              value: results.name
            - key: customer_tier
              value: results.tier
"""
    r = run(wf, providers_file={"db": maria.config()}, event=alert(customer_id="c-42"), event_kind="alert")
    assert r.status == "success", r.error
    assert {(e["key"], e["value"]) for e in r.enrichments} == {("customer_name", "Acme"), ("customer_tier", "gold")}


def test_engine_query_timeout_from_keepwf_toml_bounds_a_query(pg):
    import pytest

    from keepwf.config import parse_config
    from keepwf.errors import UsageError

    assert parse_config("[engine]\nquery_timeout = 1\n").query_timeout == 1.0
    assert parse_config("").query_timeout == 30.0
    with pytest.raises(UsageError, match="query_timeout"):
        parse_config("[engine]\nquery_timeout = 0\n")
    r = sql_run("postgres", pg.config(), {"query": "select pg_sleep(5)"}, query_timeout=1.0)
    assert r.status == "error" and "stopped after the timeout of 1s" in r.error
    r = sql_run("postgres", {**pg.config(), "timeout": 2}, {"query": "select pg_sleep(5)"}, query_timeout=1.0)
    assert r.status == "error" and "stopped after the timeout of 2s" in r.error  # the config's timeout wins
