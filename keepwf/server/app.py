"""The ASGI app: Keep's intake routes, answered once the event is in the journal (202 ``{"task_name": ...}``).

| route | what |
| --- | --- |
| ``POST /alerts/event`` | a Keep AlertDto or a list of them |
| ``POST /alerts/event/{provider_type}`` | ``prometheus`` (Alertmanager webhook), ``grafana`` (unified alerting) |
| ``POST /incidents/event`` (and ``/incidents/event/{provider_type}``) | an incident (``event``: created/updated/deleted) |
| ``POST /workflows/{id}/run`` | a manual run (body: ``{"inputs": {...}}`` and/or an alert) |
| ``GET /healthcheck`` | ``{}`` (no key needed) |
| ``GET /metrics`` | Prometheus text format |
| ``/ui/…`` | the web view (``keepwf.server.ui``): a login form takes one of the same API keys |

Starlette is imported when the app is built (serve only).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl

from keepwf.server import auth

MAX_BODY = 1024 * 1024
MAX_DRAIN = 16 * MAX_BODY
INCIDENT_EVENTS = ("created", "updated", "deleted")


class _TooLarge(Exception):
    pass


async def _read_body(request) -> bytes:
    size = request.headers.get("content-length")
    if size and size.isdigit() and int(size) > MAX_DRAIN:
        raise _TooLarge
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_DRAIN:
            raise _TooLarge
        if total <= MAX_BODY:
            chunks.append(chunk)
    if total > MAX_BODY:  # read to the end (up to MAX_DRAIN) so the sender can read the 413 instead of a reset
        raise _TooLarge
    return b"".join(chunks)


def _parse(raw: bytes, content_type: str, empty=None):
    """JSON, else a urlencoded form (Keep's extract_generic_body); ValueError when neither."""
    if not raw.strip():
        if empty is not None:
            return empty
        raise ValueError("Malformed event: empty body")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
        if content_type.startswith("application/x-www-form-urlencoded"):  # curl -d without a content type sends JSON
            return dict(parse_qsl(raw.decode("utf-8", "replace")))
        raise ValueError(f"Malformed event: the body is not JSON ({e})") from None


def build_app(runtime, metrics, keys: list[str]):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Mount, Route

    from keepwf.server.ui.app import create_ui_app

    from keepwf.model.runrecord import new_run_id
    from keepwf.service.runtime.formats import FormatError
    from keepwf.service.runtime.intake import Event, ShuttingDown
    from keepwf.service.runtime.runtime import alert_events

    def refuse(status: int, reason: str, what: str):
        metrics.event_rejected(what)
        return JSONResponse({"detail": reason}, status_code=status)

    async def journal(events: list[Event]) -> str:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()

        def done(task, err):
            loop.call_soon_threadsafe(lambda: fut.done() or (fut.set_exception(err) if err else fut.set_result(task)))

        runtime.intake.accept(events, done)
        return await fut

    async def intake(request, make_events, *, status: int = 202, extra=None, empty=None):
        denied = auth.check(keys, request.headers, request.query_params)
        if denied:
            return refuse(denied[0], denied[1], "auth")
        if runtime.intake is None or not runtime.intake.open:
            return refuse(503, "keepwf serve is shutting down; send again later", "shutting_down")
        try:
            body = _parse(await _read_body(request), request.headers.get("content-type", ""), empty)
            events = make_events(body)
        except _TooLarge:
            return refuse(413, f"the body is larger than {MAX_BODY} bytes", "too_large")
        except (ValueError, FormatError) as e:
            return refuse(400, str(e), "malformed")
        if not events:
            return refuse(400, "Malformed event: no alert in the body", "malformed")
        try:
            task = await journal(events)
        except ShuttingDown:
            return refuse(503, "keepwf serve is shutting down; send again later", "shutting_down")
        except Exception as e:  # the journal could not be written: no 202, the sender retries
            return refuse(503, f"the event could not be journaled: {e}", "journal")
        metrics.log({"msg": "event", "task": task, "kind": events[0].kind, "path": request.url.path,
                     "events": len(events), "fingerprint": events[0].body.get("fingerprint") if len(events) == 1 else None})
        return JSONResponse({"task_name": task, **(extra(events) if extra else {})}, status_code=status)

    async def alerts_generic(request):
        return await intake(request, lambda b: alert_events(None, b))

    async def alerts_provider(request):
        provider = request.path_params["provider_type"]
        return await intake(request, lambda b: alert_events(provider, b))

    def incident_events(body):
        items = body if isinstance(body, list) else [body]
        if not all(isinstance(i, dict) for i in items):
            raise ValueError("Malformed event: an incident is a JSON object")
        for i in items:
            if str(i.get("event") or "created") not in INCIDENT_EVENTS:
                raise ValueError(f"Malformed event: incident event {i.get('event')!r} is not one of "
                                 f"{', '.join(INCIDENT_EVENTS)}")
        return [Event("incident", dict(i)) for i in items]

    async def incidents(request):
        return await intake(request, incident_events)

    async def workflow_run(request):
        wf = request.path_params["workflow_id"]

        def events(body):
            body = dict(body) if isinstance(body, dict) else {}
            inputs = body.pop("inputs", None) or {}
            if not isinstance(inputs, dict):
                raise ValueError("'inputs' must be an object of input name → value")
            return [Event("manual", {"inputs": inputs, "event": body or None, "run_id": new_run_id()}, workflow=wf)]

        # Keep answers a manual run with the execution id; here it is the run id the run will be recorded under
        return await intake(request, events, status=200, empty={}, extra=lambda ev: {
            "workflow_id": wf, "workflow_execution_id": ev[0].body["run_id"], "status": "queued"})

    async def healthcheck(request):
        return JSONResponse({})

    async def metrics_route(request):
        denied = auth.check(keys, request.headers, request.query_params)
        if denied:
            return JSONResponse({"detail": denied[1]}, status_code=denied[0])
        data, ctype = metrics.render()
        return Response(data, media_type=ctype)

    routes = [
        Route("/alerts/event", alerts_generic, methods=["POST"]),
        Route("/alerts/event/{provider_type}", alerts_provider, methods=["POST"]),
        Route("/incidents/event", incidents, methods=["POST"]),
        Route("/incidents/event/{provider_type}", incidents, methods=["POST"]),
        Route("/workflows/{workflow_id}/run", workflow_run, methods=["POST"]),
        Route("/healthcheck", healthcheck, methods=["GET"]),
        Route("/metrics", metrics_route, methods=["GET"]),
        # the web view, behind its own login with the same keys (without keys serve binds to loopback only)
        Mount("/ui", app=create_ui_app(runtime.root, api_keys=frozenset(keys) if keys else None)),
    ]
    return Starlette(routes=routes)
