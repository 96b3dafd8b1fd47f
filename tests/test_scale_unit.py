"""keepwf's side of the PostgreSQL queue that needs no server: configuration, refusals, URL redaction, job locks."""

from __future__ import annotations

import pytest

from keepwf.config import parse_config
from keepwf.errors import UsageError
from keepwf.service.runtime.qintake import job_lock
from keepwf.store.pgqueue import check_url, redact


def test_serve_queue_from_keepwf_toml():
    cfg = parse_config('[serve]\nqueue = "postgresql://keepwf@db:5432/keepwf"\n')
    assert cfg.serve_queue == "postgresql://keepwf@db:5432/keepwf"
    assert parse_config("").serve_queue is None


def test_a_password_in_keepwf_toml_is_refused_it_would_be_committed():
    with pytest.raises(UsageError) as e:
        parse_config('[serve]\nqueue = "postgresql://keepwf:s3cret@db/keepwf"\n')
    assert "password" in e.value.message and "s3cret" not in e.value.message and "keepwf.toml:2" in e.value.message


def test_a_queue_that_is_not_postgresql_is_refused():
    with pytest.raises(UsageError, match="postgresql://"):
        parse_config('[serve]\nqueue = "redis://localhost"\n')
    with pytest.raises(UsageError, match="not a PostgreSQL URL"):
        check_url("mysql://x")


def test_redact_hides_the_password_only():
    assert redact("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"


@pytest.mark.parametrize("strategy, lock", [("nonparallel_with_retry", "prod:page:fp1"), ("nonparallel", "prod:page:fp1"),
                                            ("parallel", None)])
def test_job_lock_is_env_workflow_fingerprint_for_nonparallel_strategies(strategy, lock):
    assert job_lock({"strategy": strategy, "env": "prod", "key": "page:fp1"}) == lock


def test_cli_refusals_without_a_server(tmp_repo):
    r = tmp_repo.cli("serve", "--no-workers", "--no-auth", "--port", "0")
    assert r.code == 2 and "--no-workers needs a queue" in r.err
    r = tmp_repo.cli("worker")
    assert r.code == 2 and "no queue given" in r.err
    r = tmp_repo.cli("queue", "status", "--queue", "postgresql://nobody@127.0.0.1:1/none")
    assert r.code != 0 and "cannot reach the queue database" in r.err and "Traceback" not in r.err


def test_a_retried_job_whose_run_id_is_already_recorded_does_not_append_again(tmp_repo):
    import json

    from keepwf.model.runrecord import new_run_id
    from keepwf.service.runtime.qworker import QueueWorker
    from tests.serve_helpers import alert_workflow, runs
    from tests.test_serve import deploy

    deploy(tmp_repo, "page", alert_workflow("page", "v1"))
    w = QueueWorker(tmp_repo.path, "postgresql://unused@127.0.0.1/none")  # no connection needed to run a job
    job = {"env": "production", "workflow": "page", "kind": "alert", "key": "page:fp1", "strategy": "parallel",
           "event": json.dumps({"name": "a", "source": ["prometheus"], "fingerprint": "fp1"}), "inputs": "{}",
           "arrived": "2026-01-01T00:00:00.000Z", "run_id": new_run_id(), "task": "t1"}
    assert w.run_job(job, 0) == "success"
    first = runs(tmp_repo, "page")
    assert [r["run_id"] for r in first] == [job["run_id"]] and first[0]["attempt"] == 1
    # the worker died after appending, before acknowledging: Procrastinate hands the job out again (attempts = 1)
    assert w.run_job(job, 1) == "already recorded"
    assert len(runs(tmp_repo, "page")) == 1
    # a retry whose first attempt left no record runs under a new id that says which attempt it retries
    other = dict(job, run_id=new_run_id())
    assert w.run_job(other, 1) == "success"
    rec = [r for r in runs(tmp_repo, "page") if r.get("retry_of") == other["run_id"]]
    assert len(rec) == 1 and rec[0]["attempt"] == 2 and rec[0]["run_id"] != other["run_id"]
