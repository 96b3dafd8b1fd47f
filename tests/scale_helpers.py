"""Real PostgreSQL for the scale-out tests: a throwaway database per test (dropped after), and ``keepwf worker``
processes. Skips with the reason when no PostgreSQL answers on 127.0.0.1:5432."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

ADMIN_URL = os.environ.get("KEEPWF_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _admin():
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'keepwf[queue]'; make test installs it)")
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"no PostgreSQL answers at {ADMIN_URL}: {str(e).strip().splitlines()[0]}")


@pytest.fixture
def pg_url():
    """A fresh database on the local PostgreSQL; its URL. Dropped after the test."""
    name = f"keepwf_test_{uuid.uuid4().hex[:12]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Worker:
    """A ``keepwf worker`` process in ``repo_path``; its JSON log lines in ``lines``."""

    def __init__(self, repo_path, url: str, *args: str):
        self.lines: list[dict] = []
        cmd = [sys.executable, "-m", "keepwf", "worker", "--queue", url, "--log-format", "json", *args]
        self.proc = subprocess.Popen(cmd, cwd=repo_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 30
        while not any(ln.get("msg") == "worker started" for ln in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise AssertionError(f"worker did not start: {self.lines}")
            time.sleep(0.05)

    def _read(self) -> None:
        for ln in self.proc.stderr:
            try:
                self.lines.append(json.loads(ln))
            except ValueError:
                self.lines.append({"msg": "raw", "text": ln.rstrip()})

    def terminate(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
