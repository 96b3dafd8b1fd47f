"""``smtp``: send one email with smtplib, as Keep's provider builds it.

Config: ``smtp_server``, ``smtp_port`` (587), ``encryption`` ``TLS`` (STARTTLS, the default) | ``SSL`` | ``None``,
``smtp_username`` + ``smtp_password`` (AUTH when both are set), ``timeout`` (seconds), ``verify`` (the server's TLS
certificate is checked; Keep checks nothing — ``verify: false`` for a self-signed internal relay).
Parameters: ``from_email``, ``from_name``, ``to_email`` (an address or a list), ``subject``, ``body`` (text) or
``html`` (preferred when both are given). Result ``{from, to, subject, body?, html?}`` as Keep. SMTP is the one
provider that does not speak HTTP; this module is its only sender.
"""

from __future__ import annotations

from typing import Any

from keepwf.engine.providers.api import Api, ApiProvider, as_list
from keepwf.engine.providers.base import ProviderError, register


def build_message(api: Api) -> tuple[str, list[str], str]:
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    from_email, from_name = str(api.p("from_email", "")), str(api.p("from_name", ""))
    to = [str(x) for x in as_list(api.p("to_email"))]
    if not from_email or not to:
        raise ProviderError("smtp: from_email and to_email are required")
    msg = MIMEMultipart()
    msg["From"] = f"{from_name} <{from_email}>" if from_name else from_email
    msg["To"] = ", ".join(to)
    msg["Subject"] = str(api.p("subject", ""))
    if api.p("html"):
        msg.attach(MIMEText(str(api.p("html")), "html"))
    elif api.p("body"):
        msg.attach(MIMEText(str(api.p("body")), "plain"))
    else:
        raise ProviderError("smtp: either body or html must be provided")
    return from_email, to, msg.as_string()


def _context(api: Api):
    from keepwf.engine.netpolicy import _tls_context

    return _tls_context(api.auth.get("verify", True) not in (False, "false", "False"))


def _guarded(api: Api) -> dict:
    """smtplib's clients, connecting through the network policy's checked connect (as every HTTP request does)."""
    import functools
    import smtplib

    from keepwf.engine.netpolicy import NetPolicy, _connect

    connect = functools.partial(_connect, NetPolicy.of(api.call.options))

    class SMTP(smtplib.SMTP):
        def _get_socket(self, host, port, timeout):
            return connect((host, port), timeout)

    class SMTP_SSL(smtplib.SMTP_SSL):  # noqa: N801 - smtplib's name
        def _get_socket(self, host, port, timeout):
            sock = connect((host, port), timeout)
            return self.context.wrap_socket(sock, server_hostname=host)

    return {"TLS": SMTP, "SSL": SMTP_SSL}


def client(api: Api):
    import smtplib

    auth = api.auth
    server = str(auth.get("smtp_server", "")).strip()
    try:
        port = int(auth.get("smtp_port") or 587)
    except (TypeError, ValueError):
        raise ProviderError(f"smtp: smtp_port must be a number, got {auth.get('smtp_port')!r}") from None
    encryption, timeout = str(auth.get("encryption", "TLS")), api.timeout()
    guarded = _guarded(api)
    if encryption == "SSL":
        smtp = guarded["SSL"](server, port, timeout=timeout, context=_context(api))
    elif encryption in ("TLS", "None"):
        smtp = guarded["TLS"](server, port, timeout=timeout)
        if encryption == "TLS":
            smtp.starttls(context=_context(api))
    else:
        raise ProviderError(f"smtp: encryption must be SSL, TLS or None, got {encryption!r}")
    if auth.get("smtp_username") and auth.get("smtp_password"):
        smtp.login(str(auth["smtp_username"]), str(auth["smtp_password"]))
    return smtp


@register
class SmtpProvider(ApiProvider):
    type = "smtp"
    known = frozenset({"from_email", "from_name", "to_email", "subject", "body", "html"})

    def send(self, call, api: Api) -> Any:
        import smtplib
        import ssl

        api.need("smtp_server")
        sender, to, text = build_message(api)
        where = f"{api.auth.get('smtp_server')}:{api.auth.get('smtp_port') or 587}"
        try:
            smtp = client(api)
            try:
                refused = smtp.sendmail(sender, to, text)
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    pass
        except smtplib.SMTPAuthenticationError as e:
            raise ProviderError(f"smtp: login to {where} refused: {e.smtp_code} {_text(e.smtp_error)}") from None
        except smtplib.SMTPResponseException as e:
            raise ProviderError(f"smtp: {where} answered {e.smtp_code} {_text(e.smtp_error)}") from None
        except smtplib.SMTPRecipientsRefused as e:
            raise ProviderError(f"smtp: {where} refused every recipient: {sorted(e.recipients)}") from None
        except ssl.SSLError as e:
            raise ProviderError(f"smtp: TLS with {where} failed: {e.reason or e} (a self-signed server needs "
                                f"authentication.verify: false)") from None
        except (smtplib.SMTPException, OSError) as e:
            raise ProviderError(f"smtp: sending through {where} failed: {e}") from None
        if refused:
            call.log("warning", f"smtp: {where} refused some recipients: {sorted(refused)}")
        result = {"from": api.p("from_email"), "to": api.p("to_email"), "subject": api.p("subject")}
        if api.p("html"):
            result["html"] = api.p("html")
        if api.p("body"):
            result["body"] = api.p("body")
        return result


def _text(b: Any) -> str:
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)
