"""The query providers seen from outside the engine: validate no longer asks for --mock for them, and the CLI's
start-up does not import their database drivers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.test_validate_rules import check, step


@pytest.mark.parametrize("ptype", ["postgres", "mysql", "prometheus", "victoriametrics", "grafana", "elastic",
                                   "clickhouse"])
def test_validate_does_not_warn_that_a_query_provider_cannot_run(ptype):
    found, _ = check("  steps:\n" + step("q", ptype, "{query: x}") + "  actions:\n" + step("d", "datadog", "{message: x}"))
    assert found == [("warning", "offline-provider", "workflow.actions[0].provider.type")]


def test_cli_start_up_imports_no_database_driver():
    code = ("import sys, keepwf.cli, keepwf.engine; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'pymysql', 'psycopg_binary')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
