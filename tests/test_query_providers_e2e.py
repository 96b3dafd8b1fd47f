"""Issue 16's "done when": a deployed workflow queries PostgreSQL, then MariaDB, then Prometheus (all real servers of
this machine, see tests/engine/sql_peers.py and prometheus_peer.py) and sends a console message built from the
results; the run record holds the rows; the credentials (KEEP_PROVIDER_* variables and providers.yaml) appear in no
git object and in no output."""

from __future__ import annotations

import json
import secrets
import subprocess

import pytest

from tests.engine.prometheus_peer import prometheus  # noqa: F401 - fixture
from tests.engine.sql_peers import maria, pg  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

WF = """workflow:
  id: capacity
  triggers:
    - type: manual
  steps:
    - name: disks
      provider:
        type: postgres
        config: "{{ providers.pg }}"
        with:
          query: "select id, name, defects from SCHEMA.disk where defects > %(min)s order by id"
          parameters:
            min: 50
    - name: owner
      provider:
        type: mysql
        config: "{{ providers.maria }}"
        with:
          query: "select name, email from customer where customer_id = %s"
          parameters: ["c-42"]
          single_row: true
          as_dict: true
    - name: up
      provider:
        type: prometheus
        config: "{{ providers.prom }}"
        with:
          query: up{job="prometheus"}
  actions:
    - name: tell
      provider:
        type: console
        with:
          message: "disk {{ steps.disks.results.0.1 }} at {{ steps.disks.results.0.2 }}% (owner {{ steps.owner.results.name }}, {{ steps.owner.results.email }}); prometheus up={{ steps.up.results.data.result.0.value.1 }}"
"""


@pytest.fixture
def maria_user(maria):
    """A throwaway MariaDB account with a real password, allowed to read the throwaway database only."""
    import pymysql

    user, password = "kwf_" + secrets.token_hex(4), "Maria-" + secrets.token_hex(8)
    conn = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'")
            cur.execute(f"GRANT SELECT ON {maria.namespace}.* TO '{user}'@'127.0.0.1'")
        yield {**maria.auth, "username": user, "password": password}
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER '{user}'@'127.0.0.1'")
        conn.close()


def test_deployed_workflow_queries_postgres_mariadb_prometheus_and_keeps_secrets_out(tmp_repo, monkeypatch, pg,
                                                                                       maria_user, prometheus):
    pg_pass, prom_pass = "Pg-" + secrets.token_hex(8), "Prom-" + secrets.token_hex(8)
    monkeypatch.setenv("KEEP_PROVIDER_PG", json.dumps({"authentication": {**pg.auth, "password": pg_pass}}))
    monkeypatch.setenv("KEEP_PROVIDER_MARIA", json.dumps({"authentication": maria_user}))
    r = tmp_repo
    cfg = (r.path / "keepwf.toml").read_text()  # Prometheus listens on loopback: allowed on purpose
    r.write("keepwf.toml", cfg.replace("allow_private_network = false", "allow_private_network = true")
            if "allow_private_network = false" in cfg else cfg + "\n[engine]\nallow_private_network = true\n")
    r.write("workflows/capacity.yml", WF.replace("SCHEMA", pg.namespace))
    r.commit("add capacity")
    assert r.cli("validate").code == 0
    res = r.cli("deploy", "capacity", "-m", "first")
    assert res.code == 0, res
    # providers.yaml beside the checkout, not committed (runs read it from disk)
    r.write("providers.yaml", json.dumps({"prom": {"authentication": {"url": prometheus, "username": "ops",
                                                                      "password": prom_pass}}}))
    run = r.cli("run", "capacity", "--json")
    assert run.code == 0, run
    record = run.json()
    assert record["status"] == "success", record
    steps = {s["name"]: s for s in record["steps"]}
    assert steps["disks"]["results"] == [[[1, "sda", "55.5"]]]
    assert steps["owner"]["results"] == [{"name": "Acme", "email": "ops@acme.test"}]
    assert steps["up"]["results"][0]["data"]["result"][0]["value"][1] == "1"
    assert steps["tell"]["results"] == ["disk sda at 55.5% (owner Acme, ops@acme.test); prometheus up=1"]
    shown = r.cli("runs", "show", record["run_id"])
    human = r.cli("run", "capacity")
    assert shown.code == 0 and human.code == 0 and "disk sda at 55.5%" in human.out + human.err
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=r.path,
                             capture_output=True).stdout
    assert b"disk sda at 55.5%" in objects  # the run records are in git
    for secret in (pg_pass, prom_pass, maria_user["password"]):
        assert secret.encode() not in objects
        for out in (run, shown, human):
            assert secret not in out.out + out.err
