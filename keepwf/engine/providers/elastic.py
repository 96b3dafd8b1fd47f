"""``elastic`` (step only): Elasticsearch over its REST API, results as Keep's provider returns them.

Config (Keep's): ``host`` (an http(s) URL) or ``cloud_id`` (Elastic Cloud), and ``api_key`` (sent as
``Authorization: ApiKey …``) or ``username``/``password`` (Basic); ``verify`` (TLS, default true).

With ``index``: ``query`` is a query DSL object (or its JSON text); an object with a ``query`` key is a whole search
body. keepwf sends ``POST /{index}/_search`` with ``{"query": …, "size": …}`` (size from the body, default 10) and the
result is ``hits.hits`` (the list of hits, each with ``_source``). Without ``index``: ``query`` is SQL, sent to
``POST /_sql``; the result is the rows as ``{column: value}``. Keep's client first calls ``GET /`` to check the
connection; keepwf sends only the query.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from typing import Any

from keepwf.engine.providers.base import Provider, ProviderCall, ProviderError, register
from keepwf.engine.providers.httpquery import base_url, basic_auth, send, server_error
from keepwf.engine.providers.settings import auth_of, timeout_of

WHO = "elastic"


def cloud_url(cloud_id: str) -> str:
    """Elastic Cloud's ``name:base64("host$es_uuid$kibana_uuid")`` → ``https://es_uuid.host``."""
    try:
        encoded = cloud_id.split(":", 1)[1] if ":" in cloud_id else cloud_id
        parts = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=False).decode("utf-8").split("$")
        host, es_uuid = parts[0].rstrip("/"), parts[1]
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        raise ProviderError(f"{WHO}: authentication.cloud_id is not an Elastic Cloud id (name:base64…)") from None
    if not host or not es_uuid:
        raise ProviderError(f"{WHO}: authentication.cloud_id is not an Elastic Cloud id (name:base64…)")
    return f"https://{es_uuid}.{host}"


def _headers(auth: dict) -> dict[str, str]:
    if auth.get("api_key"):
        return {"Authorization": f"ApiKey {auth['api_key']}"}
    if auth.get("username") or auth.get("password"):
        return basic_auth(auth.get("username"), auth.get("password"))
    raise ProviderError(f"{WHO}: the provider config needs authentication.api_key or username and password "
                        f"(Keep: 'Missing api_key or username and password in provider config')")


def _search_body(query: Any) -> dict:
    if isinstance(query, str):
        try:
            query = json.loads(query)
        except ValueError as e:
            raise ProviderError(f"{WHO}: with.query is not JSON ({e}); with an index it is a query DSL object") from None
    if not isinstance(query, dict):
        raise ProviderError(f"{WHO}: with.query must be a query DSL object when with.index is given")
    inner = query.get("query") if "query" in query else query
    return {"query": inner, "size": query.get("size", 10)}


@register
class ElasticProvider(Provider):
    type = WHO
    step_only = True

    def query(self, call: ProviderCall) -> Any:
        auth = auth_of(call, WHO)
        if auth.get("cloud_id"):
            url = cloud_url(str(auth["cloud_id"]))
        elif auth.get("host"):
            url = base_url(auth["host"], WHO, "host")
        else:
            raise ProviderError(f"{WHO}: the provider config needs authentication.host or cloud_id (Keep: 'Missing "
                                f"host or cloud_id in provider config')")
        headers = _headers(auth)
        query, index = call.params.get("query"), call.params.get("index")
        if query in (None, "", {}):
            raise ProviderError(f"{WHO}: with.query is empty")
        timeout = timeout_of(call, WHO)
        verify = auth.get("verify", True)
        if index:
            path = "/" + urllib.parse.quote(str(index), safe=",*") + "/_search"
            code, body = send(WHO, "POST", options=call.options,
                              url=url + path, body=_search_body(query), headers=headers, timeout=timeout,
                              verify=verify)
            if code != 200 or not isinstance(body, dict):
                raise ProviderError(f"{WHO}: search in {index!r} failed: HTTP {code}: {server_error(body)}")
            hits = body.get("hits")
            return hits["hits"] if isinstance(hits, dict) and "hits" in hits else []
        code, body = send(WHO, "POST", options=call.options,
                          url=url + "/_sql", body={"query": str(query)}, headers=headers, timeout=timeout,
                          verify=verify)
        if code != 200 or not isinstance(body, dict):
            raise ProviderError(f"{WHO}: SQL query failed: HTTP {code}: {server_error(body)}")
        columns = [c.get("name") for c in body.get("columns") or []]
        return [dict(zip(columns, row)) for row in body.get("rows") or []]
