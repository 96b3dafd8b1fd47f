"""elastic, clickhouse and grafana against loopback fakes (tests/engine/fake_api.py): no such server runs on this
machine, so each fake checks the exact request keepwf sent (method, path, URL parameters, auth header, JSON body) and
answers with the response shape the real API documents (Elasticsearch ``_search``/``_sql`` and error objects,
ClickHouse's HTTP interface with ``JSONEachRow`` and its ``Code: N. DB::Exception`` text, Grafana's ``/api/ds/query``
data frames). The results must be Keep's shapes."""

from __future__ import annotations

import base64
import json

import pytest

from tests.engine.fake_api import FakeApi
from tests.engine.helpers import run

WF = """
workflow:
  id: wf
  steps:
    - name: q
      provider:
        type: {type}
        config: "{{{{ providers.p }}}}"
        with:
{with_}
"""


def q_run(ptype, auth, with_, **kw):
    lines = "\n".join(f"          {k}: {json.dumps(v)}" for k, v in with_.items())
    kw.setdefault("allow_private_network", True)  # the fakes listen on loopback (netpolicy refuses it by default)
    return run(WF.format(type=ptype, with_=lines), providers_file={"p": {"authentication": auth}}, **kw)


HIT = {"_index": "keep-alerts-keep", "_id": "a1", "_score": 1.3862942,
       "_source": {"name": "disk full", "status": "firing", "host": "db-1", "service": "db"}}
SEARCH = {"took": 3, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
          "hits": {"total": {"value": 1, "relation": "eq"}, "max_score": 1.3862942, "hits": [HIT]}}
NO_INDEX = {"error": {"root_cause": [{"type": "index_not_found_exception", "reason": "no such index [nope]",
                                      "index": "nope"}], "type": "index_not_found_exception",
                      "reason": "no such index [nope]", "index": "nope"}, "status": 404}
SQL = {"columns": [{"name": "host", "type": "keyword"}, {"name": "c", "type": "long"}], "rows": [["db-1", 3], ["db-2", 1]]}


def elastic_answer(req):
    if req["path"] == "/nope/_search":
        return 404, NO_INDEX
    if req["path"] == "/_sql":
        return 200, SQL
    return 200, SEARCH


@pytest.fixture
def es():
    with FakeApi(elastic_answer) as api:
        yield api


def test_elastic_search_sends_keeps_body_and_returns_hits(es):
    r = q_run("elastic", {"host": es.url, "api_key": "a2VlcHdmOnNlY3JldA=="},
              {"index": "keep-alerts-keep", "query": json.dumps({"query_string": {"query": "firing"}}, indent=2)})
    assert r.status == "success", r.error
    assert r.results["q"] == [[HIT]]
    (req,) = es.requests
    assert (req["method"], req["path"]) == ("POST", "/keep-alerts-keep/_search")
    assert req["json"] == {"query": {"query_string": {"query": "firing"}}, "size": 10}
    assert req["headers"]["authorization"] == "ApiKey a2VlcHdmOnNlY3JldA=="
    assert "a2VlcHdmOnNlY3JldA==" not in json.dumps(r.to_dict())
    # a whole search body: its query and size are used (Keep)
    q_run("elastic", {"host": es.url, "username": "elastic", "password": "changeme-es"},
          {"index": "logs-*", "query": {"query": {"match": {"acknowledged": False}}, "size": "1000"}})
    req = es.requests[-1]
    assert req["path"] == "/logs-*/_search" and req["json"] == {"query": {"match": {"acknowledged": False}}, "size": "1000"}
    assert req["headers"]["authorization"] == "Basic " + base64.b64encode(b"elastic:changeme-es").decode()


def test_elastic_sql_rows_errors_and_config(es):
    r = q_run("elastic", {"host": es.url, "api_key": "k3y-value"}, {"query": "SELECT host, COUNT(*) AS c FROM alerts GROUP BY host"})
    assert r.results["q"] == [[{"host": "db-1", "c": 3}, {"host": "db-2", "c": 1}]]
    assert es.requests[-1]["path"] == "/_sql" and es.requests[-1]["json"] == {"query": "SELECT host, COUNT(*) AS c FROM alerts GROUP BY host"}
    r = q_run("elastic", {"host": es.url, "api_key": "k3y-value"}, {"index": "nope", "query": {"match_all": {}}})
    assert r.status == "error" and "elastic: search in 'nope' failed: HTTP 404: no such index [nope]" in r.error
    r = q_run("elastic", {"host": es.url}, {"index": "x", "query": {"match_all": {}}})
    assert r.status == "error" and "api_key or username and password" in r.error
    r = q_run("elastic", {"api_key": "k3y-value"}, {"index": "x", "query": {"match_all": {}}})
    assert r.status == "error" and "authentication.host or cloud_id" in r.error
    r = q_run("elastic", {"host": es.url, "api_key": "k3y-value"}, {"index": "x", "query": "{not json"})
    assert r.status == "error" and "with.query is not JSON" in r.error


def test_elastic_cloud_id_decodes_to_the_cluster_url():
    from keepwf.engine.providers.elastic import cloud_url

    cid = "prod:" + base64.b64encode(b"us-central1.gcp.cloud.es.io:443$abc123$def456").decode()
    assert cloud_url(cid) == "https://abc123.us-central1.gcp.cloud.es.io:443"


ROWS = [{"timestamp": "2026-03-02 09:59:00", "level": "ERROR", "message": "disk full", "n": "18446744073709551615"},
        {"timestamp": "2026-03-02 09:58:00", "level": "INFO", "message": "ok", "n": "1"}]


def clickhouse_answer(req):
    q = req["params"].get("query", "")
    if "missing_table" in q:
        return 404, ("Code: 60. DB::Exception: Table default.missing_table does not exist. (UNKNOWN_TABLE) "
                     "(version 24.3.1.2672 (official build))\n")
    if "WHERE 0" in q:
        return 200, ""
    return 200, "".join(json.dumps(r) + "\n" for r in ROWS)


@pytest.fixture
def ch():
    with FakeApi(clickhouse_answer) as api:
        yield api


def test_clickhouse_http_request_as_keep_and_jsoneachrow_rows(ch):
    auth = {"host": "127.0.0.1", "port": ch.port, "username": "default", "password": "ch-pass-1", "database": "logs",
            "protocol": "http"}
    r = q_run("clickhouse", auth, {"query": "SELECT * FROM logs_table ORDER BY timestamp DESC LIMIT 2;"})
    assert r.status == "success", r.error
    assert r.results["q"] == [ROWS]
    (req,) = ch.requests
    assert (req["method"], req["path"], req["body"]) == ("POST", "/", "")
    assert req["params"] == {"query": "SELECT * FROM logs_table ORDER BY timestamp DESC LIMIT 2;",
                             "default_format": "JSONEachRow", "database": "logs"}
    assert req["headers"]["authorization"] == "Basic " + base64.b64encode(b"default:ch-pass-1").decode()
    assert "ch-pass-1" not in json.dumps(r.to_dict())
    r = q_run("clickhouse", auth, {"query": "SELECT * FROM {table} LIMIT 1", "table": "logs_table", "single_row": "True"})
    assert r.results["q"] == [ROWS[0]] and ch.requests[-1]["params"]["query"] == "SELECT * FROM logs_table LIMIT 1"
    r = q_run("clickhouse", auth, {"query": "SELECT 1 WHERE 0", "single_row": True})
    assert r.results["q"] == [[]]  # Keep: no row → the empty list


def test_clickhouse_errors(ch):
    auth = {"host": "127.0.0.1", "port": ch.port, "username": "default", "password": "", "protocol": "http"}
    r = q_run("clickhouse", auth, {"query": "SELECT * FROM missing_table"})
    assert r.status == "error"
    assert "clickhouse: HTTP query failed: HTTP 404: Code: 60. DB::Exception: Table default.missing_table" in r.error
    r = q_run("clickhouse", {**auth, "protocol": "clickhouse"}, {"query": "SELECT 1"})
    assert r.status == "error" and "HTTP interface" in r.error and "http (port 8123)" in r.error
    r = q_run("clickhouse", {**auth, "host": "http://127.0.0.1"}, {"query": "SELECT 1"})
    assert r.status == "error" and "without a scheme" in r.error


FRAMES = {"results": {"A": {"status": 200, "frames": [{
    "schema": {"refId": "A", "fields": [{"name": "Time", "type": "time", "typeInfo": {"frame": "time.Time"}},
                                        {"name": "Value", "type": "number", "labels": {"job": "api"},
                                         "typeInfo": {"frame": "float64"}}]},
    "data": {"values": [[1772445600000, 1772445660000], [0.5, 0.75]]}}]}}}


def grafana_answer(req):
    if req["headers"].get("authorization") != "Bearer glsa_token_1":
        return 401, {"message": "Invalid API key", "traceID": ""}
    if req["json"]["queries"][0]["datasource"]["uid"] == "broken":
        return 200, {"results": {"A": {"error": "bad_data: 1:5: parse error: unexpected end of input",
                                       "errorSource": "downstream", "status": 400}}}
    return 200, FRAMES


def test_grafana_ds_query_request_and_rows():
    with FakeApi(grafana_answer) as g:
        auth = {"host": g.url, "token": "glsa_token_1"}
        r = q_run("grafana", auth, {"datasource_uid": "prom-1", "expr": "rate(http_requests_total[5m])",
                                    "start": "now-5m", "max_data_points": 100})
        assert r.status == "success", r.error
        assert r.results["q"] == [[{"Time": 1772445600000, "Value": 0.5}, {"Time": 1772445660000, "Value": 0.75}]]
        (req,) = g.requests
        assert (req["method"], req["path"]) == ("POST", "/api/ds/query")
        assert req["json"] == {"queries": [{"refId": "A", "datasource": {"uid": "prom-1"},
                                            "expr": "rate(http_requests_total[5m])", "maxDataPoints": 100}],
                               "from": "now-5m", "to": "now"}
        assert "glsa_token_1" not in json.dumps(r.to_dict())
        r = q_run("grafana", auth, {"datasource_uid": "broken", "expr": "sum by"})
        assert r.status == "error" and "grafana: Datasource broken returned an error: bad_data" in r.error
        r = q_run("grafana", {**auth, "token": "wrong-token"}, {"datasource_uid": "prom-1", "expr": "up"})
        assert r.status == "error" and "HTTP 401: Invalid API key" in r.error
        r = q_run("grafana", auth, {"expr": "up"})
        assert r.status == "error" and "datasource_uid is required" in r.error


@pytest.mark.parametrize("ptype, auth", [("elastic", {"host": "http://169.254.169.254", "api_key": "k"}),
                                          ("grafana", {"host": "http://169.254.169.254", "token": "t"}),
                                          ("prometheus", {"url": "http://0xa9fea9fe"})])
def test_query_providers_obey_the_network_policy(ptype, auth):
    """The query providers send through the one network policy: the metadata service is never reached, however it
    is spelled, even with private networks allowed."""
    with_ = {"query": {"expr": "up"}, "datasource_uid": "d"} if ptype == "grafana" else {"query": "up"}
    r = q_run(ptype, auth, with_,
              allow_private_network=True)
    assert r.status == "error" and "refused to connect" in r.error and "169.254.169.254" in r.error
