"""What the Keep format knows: keys per section, trigger types, providers keepwf runs (keep-format.md §1, §4).

The validator and the JSON Schema both read these tables, so they cannot drift apart.
"""

from __future__ import annotations

import re

ROOT_KEYS = ("workflow", "workflows", "alert", "alerts", "providers", "actions")

WORKFLOW_KEYS = (
    "id", "name", "description", "disabled", "debug", "owners", "tags", "services", "permissions", "strategy",
    "consts", "inputs", "triggers", "steps", "actions", "on-failure", "interval", "providers",
)  # fmt: skip
STRATEGIES = ("nonparallel_with_retry", "nonparallel", "parallel")

TRIGGER_KEYS = {
    "manual": ("type",),
    "alert": ("type", "filters", "cel", "only_on_change", "severity_changed"),
    "interval": ("type", "value"),
    "incident": ("type", "events"),
}
TRIGGER_TYPES = tuple(TRIGGER_KEYS)
FILTER_KEYS = ("key", "value", "exclude")
INCIDENT_EVENTS = ("created", "updated", "deleted")
INTERVAL_RE = re.compile(r"^\s*\d+\s*[mhd]?\s*$")

STEP_KEYS = (
    "name", "provider", "if", "condition", "foreach", "continue", "continue_on_error", "vars", "alias", "on-failure",
    "throttle", "id",
)  # fmt: skip
ACTION_KEYS = STEP_KEYS + ("use",)
PROVIDER_KEYS = ("type", "config", "with", "on-failure")
STEP_ON_FAILURE_KEYS = ("retry",)
RETRY_KEYS = ("count", "interval")
THROTTLE_KEYS = ("type", "with")
THROTTLE_TYPES = ("one_until_resolved",)

CONDITION_KEYS = {
    "threshold": ("name", "type", "alias", "value", "compare_to", "compare_type", "level"),
    "assert": ("name", "type", "alias", "assert"),
    "stddev": ("name", "type", "alias", "value", "compare_to", "pivot_column"),
}
CONDITION_TYPES = tuple(CONDITION_KEYS)
COMPARE_TYPES = ("gt", "lt")

INPUT_KEYS = ("name", "description", "type", "default", "required", "options", "visuallyHidden")
INPUT_TYPES = ("string", "number", "boolean", "choice")

# Providers keepwf runs itself (keep-format.md "keepwf decisions" 6); bash and python have no notify (steps only).
OFFLINE_PROVIDERS = ("console", "mock", "bash", "python", "http", "webhook")
# query providers keepwf runs itself against the configured server (docs/providers.md)
QUERY_PROVIDERS = ("postgres", "mysql", "prometheus", "victoriametrics", "grafana", "elastic", "clickhouse")
STEP_ONLY_PROVIDERS = ("bash", "python")
KEEP_SERVER_PROVIDERS = ("keep",)
