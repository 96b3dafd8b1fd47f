"""``jira``: Jira Cloud's REST API v2 with Basic ``email:api_token``, as Keep's provider calls it.

Create (no ``issue_id``): ``POST /rest/api/2/issue`` ``{fields: {summary, description, project: {key},
issuetype: {name}, labels, components: [{name}], …custom_fields}}``; the project comes from ``project_key`` or from
``board_name`` (``GET /rest/agile/1.0/board``). Result ``{"issue": <Jira's answer>, "ticket_url":
"<host>/browse/<key>"}``. Update (``issue_id``): ``PUT /rest/api/2/issue/<id>`` ``{update: {summary: [{set}], …}}``
(204), the key read back with ``GET /rest/api/2/issue/<id>``; ``transition_to`` then moves the issue through the
transition of that name. Result ``{"issue": {id, key, self}, "ticket_url": …}``.
A step reads ``ticket_id`` (``{"issue": …}``) or counts a board's issues (``board_id`` → ``{"number_of_issues"}``).
Keep turns TLS verification off for Jira; keepwf verifies (``authentication.verify: false`` to opt out).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from keepwf.engine.providers.api import Api, ApiProvider, as_list
from keepwf.engine.providers.base import ProviderError, basic_authorization, register


def host(api: Api) -> str:
    h = str(api.auth.get("host", "")).rstrip("/")
    return h if h.startswith(("https://", "http://")) else f"https://{h}"


def headers(api: Api) -> dict:
    return {"Authorization": basic_authorization(api.auth.get("email"), api.auth.get("api_token")),
            "Accept": "application/json"}


def _q(v: Any) -> str:
    return quote(str(v), safe="")


def _labels(api: Api) -> list:
    labels = api.p("labels")
    if isinstance(labels, str):
        try:
            labels = json.loads(labels.replace("'", '"'))
        except ValueError:
            raise ProviderError(f"jira: labels must be a list, got {labels[:80]!r}") from None
    return as_list(labels)


class JiraCalls:
    def __init__(self, api: Api):
        self.api, self.host, self.headers = api, host(api), headers(api)

    def call(self, method: str, path: str, body: Any = None, accept=None):
        req, resp = self.api.request(method, f"{self.host}{path}", json_data=body, headers=self.headers)
        self.api.ok(req, resp, accept)
        return resp.json()

    def issue_key(self, issue_id: Any) -> str:
        return (self.call("GET", f"/rest/api/2/issue/{_q(issue_id)}") or {}).get("key")

    def project_of_board(self, board_name: str) -> str:
        boards = (self.call("GET", "/rest/agile/1.0/board") or {}).get("values") or []
        for b in boards:
            if str(b.get("name", "")).lower() == str(board_name).lower():
                return b["location"]["projectKey"]
        raise ProviderError(f"jira: could not find board {board_name!r} - please verify your board name is in this "
                            f"list: {[b.get('name') for b in boards]}")

    def transition(self, key: str, name: str) -> None:
        found = (self.call("GET", f"/rest/api/2/issue/{_q(key)}/transitions") or {}).get("transitions") or []
        match = [t for t in found if str(t.get("name", "")).lower() == str(name).lower()]
        if not match:
            raise ProviderError(f"jira: issue {key} has no transition {name!r} (it has: {[t.get('name') for t in found]})")
        self.call("POST", f"/rest/api/2/issue/{_q(key)}/transitions", {"transition": {"id": match[0]["id"]}})


@register
class JiraProvider(ApiProvider):
    type = "jira"
    known = frozenset({"summary", "description", "issue_type", "issuetype", "project_key", "board_name", "issue_id",
                       "labels", "components", "custom_fields", "transition_to"})
    step_known = frozenset({"ticket_id", "board_id"})

    def send(self, call, api: Api) -> Any:
        api.need("email", "api_token", "host")
        jira = JiraCalls(api)
        if api.p("issue_id"):
            return self._update(api, jira)
        return self._create(api, jira)

    def _create(self, api: Api, jira: JiraCalls) -> dict:
        issue_type = api.p("issue_type") or api.p("issuetype") or "Task"
        project_key = api.p("project_key") or (jira.project_of_board(api.p("board_name")) if api.p("board_name") else "")
        summary, description = api.p("summary", ""), api.p("description", "")
        if not project_key or not summary or not description:
            raise ProviderError(f"jira: project_key (or board_name), summary and description are required - got "
                                f"{project_key!r}, {summary!r}, {description!r}"[:400])
        fields: dict[str, Any] = {"summary": summary, "description": description, "project": {"key": project_key},
                                  "issuetype": {"name": issue_type}}
        labels = _labels(api)
        if labels:
            fields["labels"] = labels
        if api.p("components"):
            fields["components"] = [{"name": c} for c in as_list(api.p("components"))]
        custom = api.p("custom_fields")
        if isinstance(custom, dict):
            fields.update(custom)
        issue = jira.call("POST", "/rest/api/2/issue", {"fields": fields})
        return {"issue": issue, "ticket_url": f"{jira.host}/browse/{(issue or {}).get('key')}"}

    def _update(self, api: Api, jira: JiraCalls) -> dict:
        issue_id = api.p("issue_id")
        update: dict[str, Any] = {}
        if api.p("summary"):
            update["summary"] = [{"set": api.p("summary")}]
        if api.p("description"):
            update["description"] = [{"set": api.p("description")}]
        if api.p("components"):
            update["components"] = [{"set": c} for c in as_list(api.p("components"))]
        labels = _labels(api)
        if labels:
            update["labels"] = [{"set": label} for label in labels]
        custom = api.p("custom_fields")
        if isinstance(custom, dict):
            update.update(custom)
        jira.call("PUT", f"/rest/api/2/issue/{_q(issue_id)}", {"update": update})
        key = jira.issue_key(issue_id)
        if api.p("transition_to"):
            jira.transition(key, api.p("transition_to"))
        return {"issue": {"id": issue_id, "key": key, "self": f"{jira.host}/rest/api/2/issue/{issue_id}"},
                "ticket_url": f"{jira.host}/browse/{key}"}

    def query(self, call) -> Any:
        api = Api(call, self.type)
        api.need("email", "api_token", "host")
        jira = JiraCalls(api)
        if api.p("ticket_id"):
            return {"issue": jira.call("GET", f"/rest/api/2/issue/{_q(api.p('ticket_id'))}")}
        if api.p("board_id"):
            issues = jira.call("GET", f"/rest/agile/1.0/board/{_q(api.p('board_id'))}/issue") or {}
            return {"number_of_issues": issues.get("total")}
        raise ProviderError("jira: a jira step needs ticket_id or board_id")
