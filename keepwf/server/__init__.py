"""The HTTP front door beside ``keepwf/cli/``: as thin as the CLI, calling the same ``service/`` functions.

Starlette, uvicorn and Jinja2 are imported only here, and only when a server starts (``keepwf ui``, ``keepwf serve``),
so the CLI and the git hooks keep their start-up time (``tests/test_architecture.py``).
"""
