"""Round-trip edits of workflow files: change one key, keep every comment, the key order and the quoting.

The one job in keepwf where a round-trip YAML library (ruamel.yaml) is the right tool; it is imported only here,
only by the commands that edit files (``disable``/``enable``). Reading stays on PyYAML (Keep's own loader).
"""

from __future__ import annotations

from typing import Any

from keepwf.errors import UsageError

_ROOT_ONE = ("workflow", "alert")
_ROOT_MANY = ("workflows", "alerts")


def _refuse_alias_bomb(text: str, source: str) -> None:
    """Before ruamel or a comparison walks it: a document whose aliases expand too far (issue 10)."""
    if "*" not in text:
        return
    from keepwf.workflow import yamlnodes as yn

    root, problems = yn.compose(text, source)
    why = yn.alias_bomb(root) if root is not None and not problems else None
    if why:
        raise UsageError(f"{source}: {why}", hint=f"keepwf validate {source}")


def _yaml():
    from ruamel.yaml import YAML

    return YAML()  # round-trip mode: keys carry their line and column (.lc)


def _workflow_maps(root: Any) -> list[Any]:
    """The workflow mappings of a document, in Keep's root shapes (workflow:, workflows:, alert:, alerts:, bare)."""
    if not isinstance(root, dict):
        return []
    for k in _ROOT_ONE:
        if isinstance(root.get(k), dict):
            return [root[k]]
    for k in _ROOT_MANY:
        if isinstance(root.get(k), list):
            return [w for w in root[k] if isinstance(w, dict)]
    return [root] if "id" in root else []


def set_disabled(text: str, wf_id: str, disabled: bool, source: str = "workflow file") -> tuple[str, bool]:
    """``text`` with ``disabled: true`` set on workflow ``wf_id`` (or the key removed when enabling).

    Returns (new text, changed). ruamel.yaml finds where the key goes (line and column of every key); the edit itself
    is spliced into the original text, so every other byte — comments, order, quoting, indentation — stays as it was.
    """
    _refuse_alias_bomb(text, source)
    y = _yaml()
    try:
        root = y.load(text)
    except Exception as e:  # noqa: BLE001 - ruamel raises many error types for bad YAML
        raise UsageError(f"{source}: cannot be edited: {e}", hint=f"keepwf validate {source}") from None
    target = next((m for m in _workflow_maps(root) if str(m.get("id")) == wf_id), None)
    if target is None:
        raise UsageError(f"{source}: no workflow with id {wf_id!r}", hint="keepwf list shows the workflow ids")
    if getattr(target, "fa", None) is not None and target.fa.flow_style():
        raise UsageError(f"{source}: workflow {wf_id!r} is written in flow style ({{...}}); edit it by hand",
                         hint="set disabled: true in the file, commit, keepwf deploy")
    was = target.get("disabled") is True
    if disabled == was:
        return text, False
    lines = text.splitlines(keepends=True)
    nl = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    keys = list(target.keys())
    col = target.lc.key("id")[1]
    if "disabled" in target:  # `disabled: false` (or anything not true): its lines go; re-added below when disabling
        at = target.lc.key("disabled")[0]
        nxt = keys.index("disabled") + 1
        end = target.lc.key(keys[nxt])[0] if nxt < len(keys) else at + 1
        del lines[at:max(end, at + 1)]
    else:
        nxt = keys.index("id") + 1  # right after id:, before the key that follows it
        at = target.lc.key(keys[nxt])[0] if nxt < len(keys) else target.lc.key("id")[0] + 1
    if disabled:
        lines.insert(at, " " * col + "disabled: true" + nl)
    out = "".join(lines)
    check = next((m for m in _workflow_maps(_yaml().load(out)) if str(m.get("id")) == wf_id), None)
    if check is None or (check.get("disabled") is True) != disabled:  # pragma: no cover - a layout we cannot splice
        raise UsageError(f"{source}: could not edit workflow {wf_id!r} safely (unusual layout)",
                         hint="set disabled: true in the file by hand, commit, keepwf deploy")
    return out, True


_LEGACY = {"alert": "workflow", "alerts": "workflows"}


def format_text(text: str, upgrade: bool = False, source: str = "workflow file") -> str:
    """``text`` in keepwf's layout (2-space mappings, sequences indented under their key, no re-wrapping), comments
    and quoting kept; ``upgrade`` also renames Keep's legacy roots ``alert:``/``alerts:`` to ``workflow:``/``workflows:``.

    Refuses (UsageError) when the result would not mean exactly what the input means to Keep's loader."""
    import io

    import yaml

    _refuse_alias_bomb(text, source)
    y = _yaml()
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    try:
        root = y.load(text)
    except Exception as e:  # noqa: BLE001 - ruamel raises many error types for bad YAML
        raise UsageError(f"{source}: cannot be formatted: {e}", hint=f"keepwf validate {source}") from None
    if root is None:
        return text
    renamed = {}
    if upgrade and isinstance(root, dict):
        for old, new in _LEGACY.items():
            if old in root and new not in root:
                keys = list(root.keys())
                root.insert(keys.index(old), new, root.pop(old))
                renamed[old] = new
    buf = io.StringIO()
    y.dump(root, buf)
    out = buf.getvalue()
    before, after = yaml.safe_load(text), yaml.safe_load(out)  # the meaning, as Keep's loader reads it
    if isinstance(before, dict):
        before = {renamed.get(k, k): v for k, v in before.items()}
    if before != after:
        raise UsageError(f"{source}: formatting would change what the file means; left as it is",
                         hint="report it with the file attached; format it by hand meanwhile")
    return out
