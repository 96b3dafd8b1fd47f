"""``keepwf serve``'s HTTP interface: a Starlette ASGI app beside ``keepwf.cli``, as thin as it — routes parse and
authenticate, then hand the event to ``keepwf.service.runtime``. Starlette, uvicorn and prometheus_client are imported
only here, and only when serve starts (``keepwf --help`` never loads them)."""
