"""What each page shows, read through the same service functions the CLI commands call (so the CLI and the view
never disagree about a version): ``list``/``status`` → workflows, ``history``/``show``/``runs`` → workflow,
``runs show``/``why`` → run, ``diff`` → diff, ``rollback``/``promote`` → the release forms."""

from __future__ import annotations

from typing import Any

from keepwf.server.ui import views
from keepwf.store.repo import Repo

VERSIONS_PER_PAGE = 15
RUNS_PER_PAGE = 25


def _config(repo: Repo):
    from keepwf.store.settings import load_config

    return load_config(repo)


def workflow_rows(repo: Repo) -> tuple[list[str], list[dict]]:
    """(env names, one row per workflow: {workflow, path, envs: {env: {version, draft, runs, success_rate, ...}}})."""
    from keepwf.service.runs import last_runs, version_run_stats
    from keepwf.service.status import collect, env_names
    from keepwf.service.versions import deployed_versions

    config = _config(repo)
    envs = env_names(repo, config, deployed_versions(repo))
    rows = []
    for st in collect(repo, config, with_commits=False):
        cells = {}
        for e in st.envs:
            v = e.deployed
            cell: dict[str, Any] = {"version": v.label if v else None, "draft": e.draft, "commit": v.short if v else ""}
            if v is not None:
                s = version_run_stats(repo, st.workflow, e.env, [v]).get(v.label) or {}
                cell.update(runs=s.get("runs", 0), success_rate=s.get("success_rate") if s.get("runs") else None)
                last_err = next((r for r in last_runs(repo, st.workflow, e.env, v.label, 20) if r.get("error")), None)
                cell["last_error"] = (last_err or {}).get("error")
            cells[e.env] = cell
        rows.append({"workflow": st.workflow, "path": st.path, "envs": cells})
    return envs, rows


def workflow_page(repo: Repo, wf: str, *, env: str | None, version: str | None, status: str | None,
                  since: str | None, page: int, runs_page: int) -> dict:
    from keepwf.service.runs import list_runs
    from keepwf.service.timeline import history, show
    from keepwf.service.versions import list_versions

    config = _config(repo)
    hist = history(repo, config, wf, env, limit=VERSIONS_PER_PAGE, page=page)
    env = hist.env
    everything = list_versions(repo, wf, env)  # the selector lists every live version
    selected = None
    if version or hist.deployed:
        selected = show(repo, config, wf, env, version or hist.deployed)
    runs = list_runs(repo, wf, version=selected.version.label if (selected and version) else None, env=env,
                     status=status, since=since, limit=RUNS_PER_PAGE, page=runs_page)
    return {
        "wf": wf, "env": env, "envs": list(config.envs), "history": hist, "versions": everything,
        "selected": selected, "selected_label": selected.version.label if selected else None,
        "filter_version": version, "status": status, "since": since,
        "yaml_html": views.highlight_yaml(selected.content.decode("utf-8", "replace")) if selected else "",
        "runs": [views.run_row(r.to_dict()) for r in runs.runs], "runs_more": runs.more, "runs_page": runs_page,
        "pages": max(1, -(-hist.total // VERSIONS_PER_PAGE)), "page": page,
        "other_envs": [e for e in config.envs if e != env],
    }


def run_page(repo: Repo, run_id: str) -> dict:
    from keepwf.service.diagnose import last_good_run
    from keepwf.service.runs import show_run

    rec = show_run(repo, run_id).data
    good = last_good_run(repo, rec) if rec.get("status") not in ("success", "skipped") and rec.get("env") else None
    import json

    event = json.dumps(rec.get("event"), indent=2, ensure_ascii=False, default=str) if rec.get("event") else ""
    return {"rec": rec, "good": good, "event_json": event,
            "results_json": {k: json.dumps(v, indent=2, ensure_ascii=False, default=str)
                             for k, v in (rec.get("results") or {}).items()}}


def diff_page(repo: Repo, wf: str, env: str | None, a: str | None, b: str | None) -> dict:
    from keepwf.service.compare import diff
    from keepwf.service.versions import list_versions

    config = _config(repo)
    res = diff(repo, config, wf, a or "previous", b or "deployed", env)
    rows = views.side_by_side(res.a.content.decode("utf-8", "replace"), res.b.content.decode("utf-8", "replace"))
    return {"wf": wf, "env": res.env, "res": res, "rows": rows, "a": res.a.label, "b": res.b.label,
            "versions": list_versions(repo, wf, res.env), "changed": sum(1 for r in rows if r.kind != "equal")}


def release(repo: Repo, action: str, wf: str, params: dict, dry_run: bool = True):
    """The rollback or promote the CLI would do (``--dry-run`` for the form, for real on confirmation)."""
    from keepwf.service.release import promote, rollback

    config = _config(repo)
    message = params.get("message") or None
    if action == "rollback":
        return rollback(repo, config, wf, params.get("to") or None, params.get("env") or None, message, dry_run)
    res = promote(repo, config, [wf], params.get("from_env") or None, params.get("to_env") or config.default_env,
                  message, dry_run)
    if res.error is not None:  # a refused promotion (branch, approvals, gate, redeploy guard): the error page says why
        raise res.error
    return res.items[0]


def rollback_choices(repo: Repo, res) -> list[str]:
    """Versions a rollback form offers (every live version but the deployed one), newest first."""
    if res.action != "rollback":
        return []
    from keepwf.service.versions import list_versions

    current = res.current.label if res.current else None
    return [v.label for v in list_versions(repo, res.workflow, res.env) if v.label != current and v.trusted]
