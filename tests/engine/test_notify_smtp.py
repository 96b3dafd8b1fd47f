"""smtp against a real SMTP server (aiosmtpd on 127.0.0.1): plain, STARTTLS with a self-signed cert, SSL, AUTH."""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess

import pytest

from tests.engine.notify_helpers import dumped, notify

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd (test extra) is not installed")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

PASSWORD = "smtpPa55-s3cret"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "msg": email.message_from_bytes(envelope.content), "authenticated": session.authenticated})
        return "250 OK"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOGINS = []


def _auth(server, session, envelope, mechanism, auth_data):
    LOGINS.append((mechanism, auth_data.login))
    ok = auth_data.login == b"alerts" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl (Debian package, in the Makefile's APT_PACKAGES) is not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")], check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(d / "cert.pem"), str(d / "key.pem"))
    return ctx


def serve(**kw):
    inbox = Inbox()
    c = Controller(inbox, hostname="127.0.0.1", port=_port(), **kw)
    c.start()
    return c, inbox


WITH = {"from_email": "keep@example.com", "from_name": "Keep", "to_email": ["a@example.com", "b@example.com"],
        "subject": "{{ alert.name }}", "body": "disk full"}


def test_plain_smtp_message_and_keep_result():
    c, inbox = serve()
    try:
        r = notify("smtp", {"smtp_server": "127.0.0.1", "smtp_port": c.port, "encryption": "None"}, WITH)
    finally:
        c.stop()
    assert r.status == "success", r.error
    m = inbox.messages[0]
    assert m["from"] == "keep@example.com" and m["to"] == ["a@example.com", "b@example.com"]
    assert m["msg"]["From"] == "Keep <keep@example.com>" and m["msg"]["To"] == "a@example.com, b@example.com"
    assert m["msg"]["Subject"] == "cpu high"
    part = m["msg"].get_payload()[0]
    assert part.get_content_type() == "text/plain" and part.get_payload() == "disk full"
    assert r.results["n"] == [{"from": "keep@example.com", "to": ["a@example.com", "b@example.com"],
                               "subject": "cpu high", "body": "disk full"}]


def test_starttls_with_login_and_self_signed_cert(cert):
    c, inbox = serve(tls_context=cert, require_starttls=True, authenticator=_auth, auth_require_tls=True)
    auth = {"smtp_server": "127.0.0.1", "smtp_port": c.port, "encryption": "TLS", "smtp_username": "alerts",
            "smtp_password": PASSWORD}
    try:
        refused = notify("smtp", auth, WITH)  # the certificate is checked by default (Keep checks nothing)
        sent = notify("smtp", {**auth, "verify": False}, {**WITH, "html": "<b>x</b>"})
        bad = notify("smtp", {**auth, "verify": False, "smtp_password": "wrong-password"}, WITH)
    finally:
        c.stop()
    assert refused.status == "error" and "verify: false" in refused.error
    assert sent.status == "success", sent.error
    assert inbox.messages[0]["authenticated"] and LOGINS[0][1] == b"alerts"
    assert len(inbox.messages) == 1  # neither the refused certificate nor the wrong password sent anything
    assert inbox.messages[0]["msg"].get_payload()[0].get_content_type() == "text/html"
    assert sent.results["n"][0]["html"] == "<b>x</b>"
    assert bad.status == "error" and "login" in bad.error and "535" in bad.error
    assert PASSWORD not in dumped(sent) + dumped(bad) + dumped(refused)


def test_smtp_errors_are_clear():
    r = notify("smtp", {"smtp_server": "127.0.0.1", "smtp_port": _port(), "encryption": "None"}, WITH)
    assert r.status == "error" and "sending through 127.0.0.1" in r.error
    r = notify("smtp", {"smtp_server": "127.0.0.1", "encryption": "ROT13"}, WITH)
    assert r.status == "error" and "encryption must be SSL, TLS or None" in r.error
    r = notify("smtp", {"smtp_server": "127.0.0.1"}, {**WITH, "body": None})
    assert r.status == "error" and "either body or html" in r.error


def test_implicit_ssl(cert):
    c, inbox = serve(ssl_context=cert)
    try:
        r = notify("smtp", {"smtp_server": "127.0.0.1", "smtp_port": c.port, "encryption": "SSL", "verify": "false"},
                   WITH)
    finally:
        c.stop()
    assert r.status == "success", r.error
    assert inbox.messages[0]["msg"]["Subject"] == "cpu high"


def test_network_policy_applies_to_smtp():
    r = notify("smtp", {"smtp_server": "127.0.0.1", "smtp_port": _port(), "encryption": "None"}, WITH,
               allow_private_network=False)
    assert r.status == "error" and "loopback" in r.error and "allow_private_network" in r.error
