"""Secrets are masked by their parts and encoded forms, before anything is cut (issue 10 item 6)."""

from __future__ import annotations

import base64
import json

import pytest

from keepwf.engine.redact import Redactor
from tests.engine.helpers import run
from tests.engine.loopback import Loopback

TOKEN = "xoxb-4242-SeCrEtToKeN-9f8e7d6c5b4a"
URL = f"https://hooks.example.com/services/T0424242/B0999999/{TOKEN}?sig=QsIgNaTuRe77&v=1"


def _r(*values) -> Redactor:
    r = Redactor()
    for v in values:
        r.add(v)
    return r


def _leaks(text: str, secret: str, n: int = 6) -> list[str]:
    """Every piece of ``secret`` of ``n`` characters that is still in ``text``."""
    return [secret[i : i + n] for i in range(len(secret) - n + 1) if secret[i : i + n] in text]


@pytest.mark.parametrize("cut", range(40, len(URL) + 30, 3))
def test_a_url_cut_anywhere_leaves_no_part_of_its_token(cut):
    r = _r({"url": URL})
    for text in (URL[:cut], f"POST {URL[:cut]}", f"error: {URL[:cut]}… (truncated)"[: cut + 7]):
        out = r.text(text)
        assert not _leaks(out, TOKEN) and not _leaks(out, "QsIgNaTuRe77"), (cut, out)


@pytest.mark.parametrize("text", [
    f"server says: path=/services/T0424242/B0999999/{TOKEN}",  # the path echoed alone
    f"sig=QsIgNaTuRe77", "token " + TOKEN,
    json.dumps({"u": URL}), repr({"u": URL}), URL.replace("/", "%2F"), "https%3A%2F%2Fhooks" + URL[13:].replace("/", "%2F"),
])
def test_url_parts_and_encoded_forms_are_masked(text):
    out = _r({"webhook_url": URL}).text(text)
    assert not _leaks(out, TOKEN) and "QsIgNaTuRe77" not in out, out


def test_basic_credentials_in_encoded_form():
    r = _r({"http_basic_authentication_username": "bob", "http_basic_authentication_password": "hunter2-pw"})
    header = "Basic " + base64.b64encode(b"bob:hunter2-pw").decode()
    assert r.text(f"Authorization: {header}") == "Authorization: Basic ***"
    assert "hunter2-pw" not in r.text("the password is hunter2-pw")


@pytest.mark.parametrize("secret", ["p'a\"ss\\wo rd", "pässwörd-é", "tab\there\nnewline", "ünï😀code"])
def test_repr_and_json_escaped_secrets_are_masked(secret):
    r = _r({"password": secret})
    for text in (repr({"k": secret}), json.dumps({"k": secret}), json.dumps({"k": secret}, ensure_ascii=False),
                 str([secret]), secret.encode("unicode_escape").decode()):
        assert "***" in r.text(text) and secret not in r.text(text), text
    assert r.apply({"k": secret}) == {"k": "***"}


def test_short_secrets_are_masked_as_whole_tokens_only():
    r = _r({"password": "ab1", "pin": "42"})
    assert r.apply({"password": "ab1"}) == {"password": "***"}
    assert r.text("https://bob:ab1@host/x?pin=42&page=421") == "https://bob:***@host/x?pin=***&page=421"
    assert r.text("lab1 tab12 cab1n") == "lab1 tab12 cab1n"  # not inside other words


def test_numbers_in_configs_are_not_short_secrets():
    r = _r({"port": 443, "token": "abcd-1234-efgh"})
    assert r.text("HTTP 443 ok") == "HTTP 443 ok" and r.text("abcd-1234-efgh") == "***"


def test_a_server_echoing_the_url_path_and_auth_header_leaks_nothing():
    with Loopback() as server:
        token = "hookToken-7f3a9c2e1b"
        r = run(f"""
            workflow:
              id: wf
              steps:
                - name: hook
                  provider:
                    type: webhook
                    config: "{{{{ providers.hook }}}}"
                    with: {{method: GET}}
            providers:
              hook:
                authentication:
                  url: "{server.url}/echo/{token}?key=QueryKey-99zz"
                  http_basic_authentication_username: ops
                  http_basic_authentication_password: "pw-{{{{ env.HOOK_PW }}}}"
            """, env={"HOOK_PW": "s3cr3t"}, allow_private_network=True)
        assert r.status == "success", r.error
        assert server.requests[0]["path"] == f"/echo/{token}?key=QueryKey-99zz"  # the server did get the secrets...
    record = json.dumps(r.to_dict())
    basic = base64.b64encode(b"ops:pw-s3cr3t").decode()
    for leak in (token, "QueryKey-99zz", basic, "pw-s3cr3t"):  # ...the record holds none of them
        assert leak not in record, leak
    assert "/echo/***" in record


def test_an_error_quoting_a_long_url_is_redacted_before_it_is_cut():
    long_url = "http://127.0.0.1:9/" + "p" * 400 + "/" + TOKEN
    r = run(f"""
        workflow:
          id: wf
          actions:
            - name: hook
              provider: {{type: webhook, config: "{{{{ providers.hook }}}}", with: {{body: {{a: 1}}}}}}
        providers:
          hook: {{authentication: {{url: "{long_url}"}}}}
        """, result_limit=1024)
    assert r.status == "error" and "***" in r.error
    assert not _leaks(json.dumps(r.to_dict()), TOKEN)


def test_everything_from_keep_provider_env_is_secret_but_its_labels():
    cfg = {"type": "webhook", "description": "ops hook", "authentication": {"url": "https://x.example/h"},
           "routing_key": "rk-top-secret-4711"}
    r = run("""
        workflow:
          id: wf
          steps:
            - name: say
              provider: {type: console, with: {message: "{{ alert.note }} via webhook"}}
        """, env={"KEEP_PROVIDER_OPS": json.dumps(cfg)}, event={"note": "key rk-top-secret-4711"}, event_kind="alert")
    assert r.status == "success"
    assert r.results["say"] == ["key *** via webhook"]  # "webhook" (the type label) is not masked
