"""The web view of versions and runs: an ASGI app (Starlette + Jinja2) over the same services as the CLI.

``create_ui_app(path, api_keys=None)`` returns the app; ``keepwf ui`` serves it alone on loopback and ``keepwf serve``
can mount it under ``/ui``. Every request opens the repository afresh, so a deploy or a run recorded by another
process shows at once. Handlers are sync functions (Starlette runs them in its thread pool): they call a service,
hand its result to a template, and nothing else.
"""

from __future__ import annotations

from pathlib import Path

from keepwf.errors import KeepwfError
from keepwf.server.ui import views
from keepwf.server.ui.security import BROWSER_COOKIE, SESSION_COOKIE, Guard, same_origin

HERE = Path(__file__).parent
ACTIONS = ("rollback", "promote")


def create_ui_app(path: str | Path, api_keys: frozenset[str] | None = None, guard: Guard | None = None):
    import secrets

    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from keepwf.store.repo import Repo

    guard = guard or Guard(api_keys)
    jinja = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    jinja.filters.update(rate=views.rate, ms=views.ms, when=views.when)
    root = Path(path)

    def open_repo():
        return Repo.discover(root)

    def anchor(request) -> str | None:
        return request.cookies.get(SESSION_COOKIE) if guard.needs_login else request.cookies.get(BROWSER_COOKIE)

    def page(request, name: str, http_status: int = 200, **ctx):
        a = anchor(request)
        new_browser = None
        if not guard.needs_login and not a:
            a = new_browser = secrets.token_hex(16)
        html = jinja.get_template(name).render(request=request, url=request.url_for, csrf=guard.csrf_token(a) if a else "",
                                               login=guard.needs_login, **ctx)
        resp = HTMLResponse(html, status_code=http_status)
        if new_browser:
            resp.set_cookie(BROWSER_COOKIE, new_browser, httponly=True, samesite="strict")
        return resp

    def guarded(fn):
        """Login first (with keys); KeepwfError → the error page with its message and hint."""
        def handler(request):
            if guard.needs_login and not guard.session_ok(request.cookies.get(SESSION_COOKIE)):
                if request.url.path.endswith(".json"):
                    return JSONResponse({"error": "log in first"}, status_code=401)
                return RedirectResponse(str(request.url_for("login")) + f"?next={request.url.path}", status_code=303)
            try:
                return fn(request)
            except KeepwfError as e:
                code = {2: 400, 3: 409}.get(e.exit_code, 500)
                if request.url.path.endswith(".json"):
                    return JSONResponse({"error": e.message, "hint": e.hint}, status_code=code)
                return page(request, "error.html", http_status=404 if "no run with id" in e.message or "unknown" in e.message
                            else code, error=e)
        handler.__name__ = fn.__name__
        return handler

    # -- pages ------------------------------------------------------------------------------------------------------
    def workflows(request):
        from keepwf.server.ui.queries import workflow_rows

        repo = open_repo()
        envs, rows = workflow_rows(repo)
        return page(request, "workflows.html", envs=envs, rows=rows)

    def workflow(request):
        from keepwf.server.ui.queries import workflow_page

        repo = open_repo()
        q = request.query_params
        data = workflow_page(repo, request.path_params["wf"], env=q.get("env") or None, version=q.get("version") or None,
                             status=q.get("status") or None, since=q.get("since") or None,
                             page=_int(q.get("page"), 1), runs_page=_int(q.get("runs_page"), 1))
        return page(request, "workflow.html", **data)

    def runs_json(request):
        from keepwf.service.runs import list_runs

        q = request.query_params
        res = list_runs(open_repo(), request.path_params["wf"], version=q.get("version") or None,
                        env=q.get("env") or None, status=q.get("status") or None, limit=20)
        return JSONResponse({"runs": [views.run_row(r.to_dict()) for r in res.runs]})

    def run(request):
        from keepwf.server.ui.queries import run_page

        return page(request, "run.html", **run_page(open_repo(), request.path_params["run_id"]))

    def diff(request):
        from keepwf.server.ui.queries import diff_page

        q = request.query_params
        return page(request, "diff.html", **diff_page(open_repo(), request.path_params["wf"], q.get("env") or None,
                                                       q.get("a") or None, q.get("b") or None))

    def audit(request):
        from keepwf.service.audit import audit as get
        from keepwf.store.settings import load_config

        repo = open_repo()
        q = request.query_params
        entries = get(repo, load_config(repo), q.get("env") or None, None, q.get("workflow") or None)
        return page(request, "audit.html", entries=entries[:500])

    def action_form(request):
        from keepwf.server.ui.queries import release, rollback_choices

        action, wf = request.path_params["action"], request.path_params["wf"]
        if action not in ACTIONS:
            return page(request, "error.html", http_status=404, error=KeepwfError(f"no such action {action!r}"))
        q = dict(request.query_params)
        repo = open_repo()
        res = release(repo, action, wf, q, dry_run=True)
        return page(request, "action.html", action=action, wf=wf, res=res, q=q, res_versions=rollback_choices(repo, res))

    async def action_post(request):
        from starlette.concurrency import run_in_threadpool

        from keepwf.server.ui.queries import release, rollback_choices

        action, wf = request.path_params["action"], request.path_params["wf"]
        if action not in ACTIONS:
            return page(request, "error.html", http_status=404, error=KeepwfError(f"no such action {action!r}"))
        form = dict(await request.form())
        if not same_origin(request.headers) or not guard.csrf_ok(anchor(request), form.get("csrf")):
            return page(request, "error.html", http_status=403,
                        error=KeepwfError("this form expired or did not come from this page (CSRF check failed)",
                                          hint="reload the page and try again"))
        reason = (form.get("reason") or "").strip()
        if not reason or form.get("confirm") != "yes":
            repo = open_repo()
            res = await run_in_threadpool(release, repo, action, wf, form, True)
            return page(request, "action.html", http_status=400, action=action, wf=wf, res=res, q=form,
                        res_versions=rollback_choices(repo, res), problem="Give a reason and tick the confirmation.")
        res = await run_in_threadpool(release, open_repo(), action, wf, {**form, "message": reason}, False)
        return page(request, "action_done.html", action=action, wf=wf, res=res)

    def login(request):
        return page(request, "login.html", next=request.query_params.get("next", ""), problem=None)

    async def login_post(request):
        form = await request.form()
        nxt = str(form.get("next") or "")
        if not guard.check_key(str(form.get("key") or "")):
            return page(request, "login.html", http_status=403, next=nxt, problem="That key is not valid.")
        target = nxt if nxt.startswith("/") and not nxt.startswith("//") else str(request.url_for("workflows"))
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(SESSION_COOKIE, guard.new_session(), httponly=True, samesite="strict")
        return resp

    async def action_post_guarded(request):
        if guard.needs_login and not guard.session_ok(request.cookies.get(SESSION_COOKIE)):
            return RedirectResponse(str(request.url_for("login")), status_code=303)
        try:
            return await action_post(request)
        except KeepwfError as e:
            return page(request, "error.html", http_status={2: 400, 3: 409}.get(e.exit_code, 500), error=e)

    routes = [
        Route("/", guarded(workflows), name="workflows"),
        Route("/login", login, name="login", methods=["GET"]),
        Route("/login", login_post, name="login_post", methods=["POST"]),
        Route("/audit", guarded(audit), name="audit"),
        Route("/runs/{run_id}", guarded(run), name="run"),
        Route("/workflows/{wf}", guarded(workflow), name="workflow"),
        Route("/workflows/{wf}/runs.json", guarded(runs_json), name="runs_json"),
        Route("/workflows/{wf}/diff", guarded(diff), name="diff"),
        Route("/workflows/{wf}/{action}", guarded(action_form), name="action", methods=["GET"]),
        Route("/workflows/{wf}/{action}", action_post_guarded, name="action_post", methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes)


def _int(v, default: int) -> int:
    try:
        return max(1, int(v))
    except (TypeError, ValueError):
        return default

