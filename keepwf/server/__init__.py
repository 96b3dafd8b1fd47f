"""The HTTP front door beside ``keepwf/cli/``: as thin as the CLI, calling the same ``service/`` functions.

``keepwf serve`` (``app``, ``auth``, ``metrics``, ``serve``, ``runner``: Keep's intake routes handing events to
``keepwf.service.runtime``) and ``keepwf ui`` (``ui/``). Starlette, uvicorn, prometheus_client and Jinja2 are imported
only here, and only when a server starts, so the CLI and the git hooks keep their start-up time
(``tests/test_architecture.py``).
"""
