"""prometheus and victoriametrics against a real Prometheus (tests/engine/prometheus_peer.py): VictoriaMetrics answers
the same Prometheus querying API (/api/v1/query, /api/v1/query_range), so Keep's victoriametrics requests are checked
against the real server too. Results are Keep's shapes: prometheus → the whole answer, victoriametrics instant →
``data.result``."""

from __future__ import annotations

import json

import pytest

from tests.engine.helpers import run
from tests.engine.prometheus_peer import prometheus  # noqa: F401 - fixture
from tests.engine.sql_peers import closed_port

pytestmark = pytest.mark.slow

WF = """
workflow:
  id: wf
  steps:
    - name: q
      provider:
        type: {type}
        config: "{{{{ providers.m }}}}"
        with:
{with_}
"""


def prom_run(ptype, auth, with_, **kw):
    lines = "\n".join(f"          {k}: {json.dumps(v)}" for k, v in with_.items())
    kw.setdefault("allow_private_network", True)  # Prometheus listens on loopback (netpolicy refuses it by default)
    return run(WF.format(type=ptype, with_=lines), providers_file={"m": {"authentication": auth}}, **kw)


def test_prometheus_instant_query_returns_the_whole_answer_as_keep(prometheus):
    r = prom_run("prometheus", {"url": prometheus}, {"query": 'up{job="prometheus"}'})
    assert r.status == "success", r.error
    answer = r.results["q"][0]
    assert answer["status"] == "success" and answer["data"]["resultType"] == "vector"
    (series,) = answer["data"]["result"]
    assert series["metric"]["job"] == "prometheus" and series["value"][1] == "1"


def test_prometheus_range_query_and_a_threshold_on_its_value(prometheus):
    first = prom_run("prometheus", {"url": prometheus}, {"query": "up"}).results["q"][0]
    t = first["data"]["result"][0]["value"][0]  # the server's own clock, not the test's
    r = prom_run("prometheus", {"url": prometheus},
                 {"query": 'up{job="prometheus"}', "queryType": "query_range", "start": str(t - 3), "end": str(t),
                  "step": "1"})
    assert r.status == "success", r.error
    answer = r.results["q"][0]
    assert answer["data"]["resultType"] == "matrix"
    values = answer["data"]["result"][0]["values"]
    assert len(values) >= 2 and {v[1] for v in values} == {"1"}
    wf = """
workflow:
  id: wf
  steps:
    - name: q
      provider:
        type: prometheus
        config: "{{ providers.m }}"
        with:
          query: 'up{job="prometheus"}'
  actions:
    - name: page
      condition:
        - name: t
          type: threshold
          value: "{{ steps.q.results.data.result.0.value.1 }}"
          compare_to: 0
          compare_type: gt
      provider:
        type: console
        with:
          message: "up is {{ steps.q.results.data.result.0.value.1 }}"
"""
    r = run(wf, providers_file={"m": {"authentication": {"url": prometheus}}}, allow_private_network=True)
    assert r.results["page"] == ["up is 1"]


def test_prometheus_bad_query_unreachable_and_basic_auth_secret(prometheus):
    r = prom_run("prometheus", {"url": prometheus}, {"query": "rate(up)"})
    assert r.status == "error" and "prometheus: query failed: HTTP 400: " in r.error and "range vector" in r.error
    port = closed_port()
    r = prom_run("prometheus", {"url": f"http://127.0.0.1:{port}"}, {"query": "up"})
    assert r.status == "error" and "prometheus: GET" in r.error and "failed" in r.error
    r = prom_run("prometheus", {"url": prometheus, "username": "u", "password": "hunter2-prom"}, {"query": "up"})
    assert r.status == "success" and "hunter2-prom" not in json.dumps(r.to_dict())


def test_victoriametrics_instant_query_is_data_result_as_keep(prometheus):
    r = prom_run("victoriametrics", {"VMBackendURL": prometheus},
                 {"query": "sum(up) by (job)", "queryType": "query"})
    assert r.status == "success", r.error
    assert [s["metric"] for s in r.results["q"][0]] == [{"job": "prometheus"}]
    assert r.results["q"][0][0]["value"][1] == "1"
    host, port = prometheus.rsplit(":", 1)
    r = prom_run("victoriametrics", {"VMBackendHost": host, "VMBackendPort": int(port)},
                 {"query": "up", "queryType": "query_range", "start": "", "end": "", "step": "1"})
    assert r.status == "error" and "victoriametrics: range query failed: HTTP 400" in r.error
    r = prom_run("victoriametrics", {"VMBackendURL": prometheus}, {"query": "up"})
    assert r.status == "error" and "Invalid query type" in r.error
    r = prom_run("victoriametrics", {"VMAlertURL": prometheus}, {"query": "up", "queryType": "query"})
    assert r.status == "error" and "VM Backend is not configured" in r.error
