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
