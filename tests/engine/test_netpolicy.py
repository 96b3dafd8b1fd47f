"""Network policy (issue 10 item 2): the addresses actually connected to are checked — every spelling of a
link-local/metadata address, every redirect hop, every DNS answer; loopback/private only with the one setting."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from keepwf.engine import netpolicy
from keepwf.engine.netpolicy import NetPolicy, NetworkRefused, send
from tests.engine.helpers import run
from tests.engine.loopback import Loopback

# every spelling of a metadata / link-local address the adversarial review used, and their relatives
NEVER = [
    "http://169.254.169.254/latest/meta-data/", "http://0xa9fea9fe/", "http://2852039166/",
    "http://0251.0376.0251.0376/", "http://0xa9.0xfe.0xa9.0xfe/", "http://169.254.43518/", "http://[::ffff:a9fe:a9fe]/",
    "http://[::ffff:169.254.169.254]/", "http://169.254.170.2/v2/credentials", "http://[fe80::1]/",
    "http://[fe80::a9fe:a9fe%25eth0]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::1]/",
    "http://[::a9fe:a9fe]/", "http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://0.0.0.0/",
    "http://0/", "http://[::]/", "http://224.0.0.1/", "http://255.255.255.255/", "https://169.254.169.254/",
]
PRIVATE = [
    "http://127.0.0.1:9/", "http://127.1:9/", "http://2130706433:9/", "http://0x7f000001:9/", "http://017700000001:9/",
    "http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/", "http://10.0.0.1:9/", "http://172.16.0.1:9/",
    "http://192.168.1.1:9/", "http://100.64.0.1:9/", "http://[fc00::1]:9/", "http://[fd12:3456::1]:9/",
]
NAMES = ["http://localhost:9/", "http://LOCALHOST./", "http://x.localhost/", "http://metadata.google.internal/",
         "http://metadata.internal/", "https://storage.googleapis.com/"]


@pytest.fixture
def server():
    with Loopback() as s:
        yield s


def _no_dns(host, port):
    raise AssertionError(f"no DNS lookup expected for {host}")


@pytest.mark.parametrize("url", NEVER)
@pytest.mark.parametrize("allow", [False, True])
def test_link_local_and_metadata_addresses_are_refused_in_every_spelling(url, allow):
    with pytest.raises(NetworkRefused, match="never connects"):
        send("GET", url, policy=NetPolicy(allow_private=allow), timeout=2)


@pytest.mark.parametrize("url", PRIVATE)
def test_loopback_and_private_addresses_need_the_setting(url):
    with pytest.raises(NetworkRefused, match="allow_private_network = true"):
        send("GET", url, policy=NetPolicy(), timeout=2)


@pytest.mark.parametrize("url", NAMES)
def test_keeps_blocked_names_are_refused_before_any_lookup(url):
    with pytest.raises(NetworkRefused, match="blocked"):
        send("GET", url, policy=NetPolicy(allow_private=True, resolve=_no_dns), timeout=2)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "gopher://127.0.0.1:70/", "http:///x",
                                 "http://example.com:99999999999/"])
def test_only_http_urls_with_a_host(url):
    with pytest.raises(NetworkRefused):
        send("GET", url, policy=NetPolicy(allow_private=True, resolve=_no_dns), timeout=2)


@pytest.mark.parametrize("spelling", ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1"])
def test_loopback_allowed_by_the_setting_in_every_spelling(server, spelling):
    port = server.url.rsplit(":", 1)[1]
    resp = send("GET", f"http://{spelling}:{port}/x", policy=NetPolicy(allow_private=True), timeout=5)
    assert resp.status == 200 and b'"path": "/x"' in resp.body
    assert server.requests[-1]["path"] == "/x"


@pytest.mark.parametrize("target", NEVER[:12] + ["http://localhost/", "file:///etc/passwd", "ftp://x/"])
def test_every_redirect_hop_is_checked(server, target):
    with pytest.raises(NetworkRefused):
        send("GET", f"{server.url}/redirect?to={quote(target, safe='')}", policy=NetPolicy(allow_private=True),
             timeout=2)
    assert [r["path"] for r in server.requests] == [f"/redirect?to={quote(target, safe='')}"]


def test_a_redirect_hop_is_judged_by_its_dns_answers(server):
    """The redirect target is a name: its answers are checked when the hop connects."""
    dns = {"inside.example": ["169.254.169.254"], "127.0.0.1": ["127.0.0.1"]}
    policy = NetPolicy(allow_private=True, resolve=lambda h, p: dns[h])
    with pytest.raises(NetworkRefused, match="inside.example resolves to 169.254.169.254"):
        send("GET", f"{server.url}/redirect?to={quote('http://inside.example/', safe='')}", policy=policy, timeout=2)
    assert len(server.requests) == 1


def test_redirect_to_another_origin_drops_credentials(server):
    with Loopback() as other:
        hop = quote(other.url + "/landing", safe="")
        resp = send("GET", f"{server.url}/redirect?to={hop}", policy=NetPolicy(allow_private=True),
                    headers={"Authorization": "Bearer t0ken-abc", "Cookie": "s=1", "X-Keep": "1"}, timeout=5)
        assert resp.status == 200 and resp.url == other.url + "/landing"
        landed = other.requests[0]["headers"]
    assert server.requests[0]["headers"]["Authorization"] == "Bearer t0ken-abc"
    assert "Authorization" not in landed and "Cookie" not in landed and landed["X-Keep"] == "1"


@pytest.mark.parametrize("answers", [["93.184.216.34", "169.254.169.254"], ["::ffff:169.254.169.254"],
                                     ["fe80::1"], ["127.0.0.1"], ["10.1.2.3", "93.184.216.34"]])
def test_every_dns_answer_is_checked(answers):
    policy = NetPolicy(resolve=lambda h, p: answers)
    with pytest.raises(NetworkRefused, match="evil.example resolves to"):
        send("GET", "http://evil.example/", policy=policy, timeout=2)


def test_the_checked_answer_is_the_address_connected_to(server):
    """A name resolving to loopback (allowed) is connected to at that address, with the name as Host."""
    port = int(server.url.rsplit(":", 1)[1])
    calls = []

    def dns(host, p):
        calls.append(host)
        return ["127.0.0.1"]

    resp = send("GET", f"http://intranet.test:{port}/x", policy=NetPolicy(allow_private=True, resolve=dns), timeout=5)
    assert resp.status == 200 and calls == ["intranet.test"]
    assert server.requests[0]["headers"]["Host"] == f"intranet.test:{port}"


def test_environment_proxies_are_not_used(server, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://169.254.169.254:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://169.254.169.254:3128")
    resp = send("GET", server.url + "/x", policy=NetPolicy(allow_private=True), timeout=5)
    assert resp.status == 200


HTTP_STEP = """
workflow:
  id: wf
  steps:
    - name: h
      provider: {type: http, with: {url: "{{ alert.url }}", method: GET}}
"""
WEBHOOK_ACTION = """
workflow:
  id: wf
  actions:
    - name: w
      provider: {type: webhook, config: "{{ providers.hook }}", with: {body: {a: 1}}}
providers:
  hook: {authentication: {url: "URL"}}
"""


@pytest.mark.parametrize("url", ["http://0xa9fea9fe/", "http://[::ffff:a9fe:a9fe]/", "http://169.254.170.2/"])
def test_http_and_webhook_providers_go_through_the_policy(url):
    r = run(HTTP_STEP, event={"url": url}, event_kind="alert", allow_private_network=True)
    assert r.status == "error" and "never connects" in r.error
    r = run(WEBHOOK_ACTION.replace("URL", url), allow_private_network=True)
    assert r.status == "error" and "never connects" in r.error


def test_the_engine_default_refuses_loopback(server):
    r = run(HTTP_STEP, event={"url": server.url + "/x"}, event_kind="alert")
    assert r.status == "error" and "allow_private_network" in r.error and not server.requests
    r = run(HTTP_STEP, event={"url": server.url + "/x"}, event_kind="alert", allow_private_network=True)
    assert r.status == "success" and r.results["h"][0]["body"]["path"] == "/x"


def test_keepwf_toml_setting_governs_a_real_run(tmp_repo, server):
    r = tmp_repo
    r.write("workflows/h.yml", HTTP_STEP.replace("id: wf", "id: h").replace("{{ alert.url }}", server.url + "/ping"))
    r.commit("add h")
    assert r.cli("deploy", "h", "-m", "x").code == 0
    res = r.cli("run", "h")
    assert res.code == 1 and "allow_private_network" in res.out and not server.requests
    toml = (r.path / "keepwf.toml").read_text()
    assert "allow_private_network = false" in toml  # keepwf init documents the setting
    r.write("keepwf.toml", toml.replace("allow_private_network = false", "allow_private_network = true"))
    res = r.cli("run", "h")
    assert res.code == 0, res
    assert [q["path"] for q in server.requests] == ["/ping"]
