"""Running the web view alone under uvicorn (``keepwf ui``), printing its URL once the socket listens."""

from __future__ import annotations

import socket
from typing import Callable


def serve_ui(path, host: str, port: int, on_ready: Callable[[str], None]) -> None:
    import uvicorn

    from keepwf.server.ui.app import create_ui_app

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))  # bound here, so the printed URL has the real port (also with --port 0)
    sock.listen(128)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(create_ui_app(path), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    on_ready(f"http://{shown}:{bound}/")
    server.run(sockets=[sock])
