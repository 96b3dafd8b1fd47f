"""A real Prometheus (Debian's ``prometheus`` package, Makefile APT_PACKAGES) on an ephemeral loopback port, with a temp
storage folder and a 1 s scrape of itself; stopped after the tests that use it."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from tests.engine.sql_peers import closed_port

CONFIG = """global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


def _query(url: str, q: str) -> list:
    with urllib.request.urlopen(url + "/api/v1/query?" + urllib.parse.urlencode({"query": q}), timeout=2) as r:
        return json.load(r)["data"]["result"]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    binary = shutil.which("prometheus")
    if not binary:
        pytest.skip("Debian's prometheus package is not installed (make system-packages installs it)")
    folder = tmp_path_factory.mktemp("prometheus")
    port = closed_port()
    (folder / "prometheus.yml").write_text(CONFIG.format(port=port))
    proc = subprocess.Popen([binary, f"--config.file={folder / 'prometheus.yml'}", f"--web.listen-address=127.0.0.1:{port}",
                             f"--storage.tsdb.path={folder / 'data'}"], stdout=subprocess.DEVNULL,
                            stderr=open(folder / "log.txt", "wb"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # ready when it holds at least 3 scrapes of itself (a range query needs several points)
            try:
                got = _query(url, 'count_over_time(up{job="prometheus"}[1m])')
                if got and float(got[0]["value"][1]) >= 3:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("prometheus did not start: " + (folder / "log.txt").read_text()[-2000:])
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
