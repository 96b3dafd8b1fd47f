"""Imports every command module so each registers its commands on the app (order = order in --help)."""

from keepwf.cli import init_cmd  # noqa: F401
from keepwf.cli import validate_cmd  # noqa: F401
from keepwf.cli import versions_cmd  # noqa: F401
from keepwf.cli import deploy_cmd  # noqa: F401
from keepwf.cli import canary_cmd  # noqa: F401
from keepwf.cli import run_cmd  # noqa: F401
from keepwf.cli import runs_cmd  # noqa: F401
from keepwf.cli import sync_cmd  # noqa: F401
from keepwf.cli import serve_cmd  # noqa: F401
from keepwf.cli import hooks_cmd  # noqa: F401
from keepwf.cli import reviews_cmd  # noqa: F401
from keepwf.cli import verify_cmd  # noqa: F401
from keepwf.cli import schema_cmd  # noqa: F401
from keepwf.cli import incident_cmd  # noqa: F401
from keepwf.cli import wftest_cmd  # noqa: F401
from keepwf.cli import fmt_cmd  # noqa: F401
from keepwf.cli import ui_cmd  # noqa: F401
from keepwf.cli import worker_cmd  # noqa: F401
