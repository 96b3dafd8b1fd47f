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
# notification providers keepwf sends itself, as Keep does (docs/providers.md); the engine's registry holds both lists
NOTIFY_PROVIDERS = ("slack", "teams", "discord", "pagerduty", "opsgenie", "telegram", "ntfy", "smtp", "sendgrid", "jira")
RUNNABLE_PROVIDERS = OFFLINE_PROVIDERS + NOTIFY_PROVIDERS
# their with: parameters (docs/providers.md); a test keeps this equal to the engine's providers
PROVIDER_PARAMETERS = {
    "slack": ("message", "blocks", "channel", "slack_timestamp", "thread_timestamp", "attachments", "username",
              "notification_type"),
    "teams": ("message", "typeCard", "themeColor", "sections", "schema", "attachments", "mentions"),
    "discord": ("message", "content", "embeds", "components", "username", "avatar_url"),
    "pagerduty": ("title", "dedup", "service_id", "requester", "incident_id", "event_type", "severity", "source",
                  "priority", "status", "resolution", "alert_body", "custom_details", "timestamp", "component", "group",
                  "class", "images", "links", "routing_key", "incident_key"),
    "opsgenie": ("type", "message", "alias", "description", "responders", "visible_to", "actions", "tags", "details",
                 "entity", "source", "priority", "user", "note", "alert_id", "query_type", "query"),
    "telegram": ("chat_id", "message", "topic_id", "parse_mode", "reply_markup", "reply_markup_layout", "image_url"),
    "ntfy": ("message", "topic"),
    "smtp": ("from_email", "from_name", "to_email", "subject", "body", "html"),
    "sendgrid": ("to", "subject", "message", "html"),
    "jira": ("summary", "description", "issue_type", "issuetype", "project_key", "board_name", "issue_id", "labels",
             "components", "custom_fields", "transition_to", "ticket_id", "board_id"),
}
ENGINE_PARAMETERS = ("enrich_alert", "enrich_incident", "audit_enabled")  # taken by the engine, for any provider
STEP_ONLY_PROVIDERS = ("bash", "python")
KEEP_SERVER_PROVIDERS = ("keep",)
