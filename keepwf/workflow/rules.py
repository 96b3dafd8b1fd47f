"""Validation rules for one workflow document and its file's root (keep-format.md §1, "keepwf decisions" 1)."""

from __future__ import annotations

import re

from keepwf.config import MAX_ID_LEN, valid_ref_component
from keepwf.workflow import keys as K
from keepwf.workflow import templates as T
from keepwf.workflow import yamlnodes as yn
from keepwf.workflow.checker import Checker, did_you_mean, join
from keepwf.workflow.loader import LIST_KEYS, SINGLE_KEYS, Parsed
from keepwf.workflow.steps import Scope, check_conditions, check_provider, check_retry, check_templates
from keepwf.workflow.triggers import check_interval, check_triggers


def slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.\-]+", "-", text.strip()).strip("-.")
    s = re.sub(r"\.{2,}", ".", s)
    return s or "my-workflow"


def check_root(c: Checker, parsed: Parsed) -> None:
    """Keys beside ``workflow:``. Keep reads only ``workflow:`` (and document-root providers/actions)."""
    root = parsed.root
    if not isinstance(root, yn.MappingNode) or not parsed.workflows or parsed.workflows[0].prefix == "":
        return
    used = {u for loc in parsed.workflows for u in _uses(loc.node)}
    present = {k for k, _kn, _v in yn.items(root)}
    for key, knode, value in yn.items(root):
        if key in SINGLE_KEYS + LIST_KEYS:
            if key != parsed.workflows[0].prefix.split("[")[0] and (set(SINGLE_KEYS) & present):
                c.warn(knode, key, f"{key}: is ignored because the file also has workflow:", "keep one workflow key per file", "unknown-key")
            continue
        if key == "providers":
            if not yn.is_null(value) and not isinstance(value, yn.MappingNode):
                c.error(value, key, f"providers must be a mapping of name → config, not {yn.kind(value)}", None, "type")
            continue
        if key == "actions":
            names = _reusable_names(value)
            if not used & names:
                c.error(knode, key, "actions: at the document root, beside workflow:, never runs (Keep reads it only as reusable actions for `use:`, and no action uses them)",
                        "indent actions: under workflow: (two spaces) so they run after the steps", "misplaced-key")
            continue
        if key in K.WORKFLOW_KEYS:
            c.error(knode, key, f"{key}: is at the document root, beside workflow:; Keep reads only what is under workflow:, so it is ignored",
                    f"indent {key}: under workflow: (two spaces)", "misplaced-key")
            continue
        guess = did_you_mean(key, K.ROOT_KEYS)
        c.warn(knode, key, f"unknown key {key!r} at the document root (Keep ignores it)", f"did you mean {guess!r}?" if guess else "a workflow file holds workflow: (and optionally providers:)", "unknown-key")


def _uses(wf) -> set[str]:
    acts = yn.get(wf, "actions")
    out = set()
    if isinstance(acts, yn.SequenceNode):
        for a in acts.value:
            u = yn.get(a, "use")
            if yn.is_str(u):
                out.add(u.value)
    return out


def _reusable_names(value) -> set[str]:
    out = set()
    if isinstance(value, yn.SequenceNode):
        for a in value.value:
            for k in ("use", "name"):
                n = yn.get(a, k)
                if yn.is_str(n):
                    out.add(n.value)
    return out


def check_workflow(c: Checker, node, prefix: str) -> None:
    c.unknown_keys(node, prefix, K.WORKFLOW_KEYS, "the workflow", skip=("vars",))
    if yn.key_node(node, "vars") is not None:
        c.warn(yn.key_node(node, "vars"), join(prefix, "vars"), "vars is not a workflow-level key in Keep (it exists per step/action only)", "use consts: for workflow-wide values", "unknown-key")
    if yn.key_node(node, "providers") is not None and prefix:
        c.warn(yn.key_node(node, "providers"), join(prefix, "providers"), "providers: inside the workflow is ignored when Keep reads a file", "move providers: to the document root (no indentation)", "misplaced-key")
    _check_id(c, node, prefix)
    for key in ("name", "description"):
        v = yn.get(node, key)
        if v is not None and not isinstance(v, yn.ScalarNode):
            c.warn(v, join(prefix, key), f"{key} should be text, not {yn.kind(v)}", None, "type")
    for key in ("disabled", "debug"):
        c.expect_bool(node, prefix, key)
    for key in ("owners", "tags", "services", "permissions"):
        c.expect_list(node, prefix, key)
    st = yn.get(node, "strategy")
    if st is not None and not yn.is_null(st) and (not yn.is_str(st) or st.value not in K.STRATEGIES):
        guess = did_you_mean(getattr(st, "value", ""), K.STRATEGIES)
        c.error(st, join(prefix, "strategy"), f"unknown strategy {getattr(st, 'value', yn.kind(st))!r}", f"did you mean {guess!r}?" if guess else f"use one of: {', '.join(K.STRATEGIES)}", "strategy")
    consts = yn.get(node, "consts")
    if consts is not None and not yn.is_null(consts) and not isinstance(consts, yn.MappingNode):
        c.error(consts, join(prefix, "consts"), f"consts must be a mapping of name → value, not {yn.kind(consts)}", "write `name: value` lines under consts:", "type")
    _check_inputs(c, node, prefix)
    iv = yn.get(node, "interval")
    if iv is not None and not yn.is_null(iv):
        check_interval(c, iv, join(prefix, "interval"))
    check_triggers(c, node, prefix)
    _check_steps_and_actions(c, node, prefix)


def _check_id(c: Checker, node, prefix: str) -> None:
    idnode = yn.get(node, "id")
    if idnode is None or yn.is_null(idnode):
        c.error(idnode or node, join(prefix, "id"), "the workflow has no id", "add `id: my-workflow` (letters, digits, - _ .); it names the workflow in deploy tags", "missing-id")
        return
    if not isinstance(idnode, yn.ScalarNode):
        c.error(idnode, join(prefix, "id"), f"the workflow id must be text, not {yn.kind(idnode)}", "e.g. id: disk-space-alert", "missing-id")
        return
    if yn.kind(idnode) == "a boolean":  # `id: off` / `on` / `yes` / `no`: YAML (and Keep's PyYAML) read a boolean
        c.error(idnode, join(prefix, "id"), f"the workflow id {idnode.value!r} is read by YAML as the boolean "
                f"{yn.scalar(idnode)}, not as text (Keep refuses `id: off`; `id: on` would name it True)",
                f'quote it: id: "{idnode.value}"', "missing-id")
        return
    wid = str(yn.scalar(idnode))
    if len(wid) > MAX_ID_LEN:
        c.error(idnode, join(prefix, "id"), f"workflow id is {len(wid)} characters long; at most {MAX_ID_LEN} are allowed "
                "(it names files under .git/refs: longer names fail there)", f"shorten it, e.g. id: {slug(wid)[:40]}", "bad-id")
    elif not valid_ref_component(wid):
        c.error(idnode, join(prefix, "id"), f"workflow id {wid!r} cannot be used in a git ref name (deploy tags are keepwf/<env>/<id>/vN)",
                f"use letters, digits, '-', '_' and '.', e.g. id: {slug(wid)}", "bad-id")


def _check_inputs(c: Checker, node, prefix: str) -> None:
    inputs = c.expect_list(node, prefix, "inputs")
    if inputs is None:
        return
    for i, inp in enumerate(inputs.value):
        p = join(join(prefix, "inputs"), i)
        if not isinstance(inp, yn.MappingNode):
            c.warn(inp, p, f"an input should be a mapping (name, type, default…), not {yn.kind(inp)}", None, "type")
            continue
        c.unknown_keys(inp, p, K.INPUT_KEYS, "an input")
        if yn.get(inp, "name") is None:
            c.warn(inp, p, "input without name", "add `name: my_input`; it is read as {{ inputs.my_input }}", "input")
        t = yn.get(inp, "type")
        if t is not None and (not yn.is_str(t) or t.value not in K.INPUT_TYPES):
            c.warn(t, join(p, "type"), f"unknown input type {getattr(t, 'value', '')!r}", f"use one of: {', '.join(K.INPUT_TYPES)}", "input")


def _named(lst) -> list[tuple[str | None, object]]:
    out = []
    if isinstance(lst, yn.SequenceNode):
        for item in lst.value:
            n = yn.get(item, "name") if isinstance(item, yn.MappingNode) else None
            out.append((str(yn.scalar(n)) if isinstance(n, yn.ScalarNode) and not yn.is_null(n) else None, item))
    return out


def _check_steps_and_actions(c: Checker, node, prefix: str) -> None:
    lists = {}
    for key in ("steps", "actions"):
        v = yn.get(node, key)
        if v is not None and not yn.is_null(v) and not isinstance(v, yn.SequenceNode):
            c.error(v, join(prefix, key), f"{key} must be a list, not {yn.kind(v)}", f"write each as a `- name: …` item under {key}:", "type")
            v = None
        lists[key] = _named(v)
    if not lists["steps"] and not lists["actions"]:
        c.warn(node, prefix, "the workflow has no steps and no actions: running it does nothing", "add steps: (or actions:) under the workflow", "empty-workflow")
    all_names: dict[str, str] = {}
    first_at: dict[str, str] = {}
    for key, kind in (("steps", "step"), ("actions", "action")):
        for i, (name, item) in enumerate(lists[key]):
            if name is None:
                continue
            if name in first_at:
                c.warn(yn.get(item, "name"), join(join(prefix, key), i) + ".name", f"duplicate {kind} name {name!r} (also {first_at[name]}); the later results overwrite the earlier",
                       "give every step and action its own name", "duplicate-name")
            else:
                first_at[name] = join(join(prefix, key), i)
                all_names[name] = kind
    before: set[str] = set()
    for key, kind in (("steps", "step"), ("actions", "action")):
        for i, (name, item) in enumerate(lists[key]):
            check_item(c, item, join(join(prefix, key), i), Scope(kind, name, set(before), all_names))
            if name:
                before.add(name)
    of = yn.get(node, "on-failure")
    if of is not None and not yn.is_null(of):
        check_item(c, of, join(prefix, "on-failure"), Scope("on-failure", None, set(all_names), all_names))


def check_item(c: Checker, item, ypath: str, scope: Scope) -> None:
    kind = scope.kind
    if not isinstance(item, yn.MappingNode):
        c.error(item, ypath, f"a{'n' if kind[0] in 'ao' else ''} {kind} must be a mapping, not {yn.kind(item)}", "give it name: and provider:", "type")
        return
    c.unknown_keys(item, ypath, K.STEP_KEYS if kind == "step" else K.ACTION_KEYS, f"a{'n' if kind[0] in 'ao' else ''} {kind}")
    name = yn.get(item, "name")
    if kind != "on-failure" and (name is None or yn.is_null(name)):
        c.warn(item, join(ypath, "name"), f"{kind} without name", "add `name: my-step`; its results are read as {{ steps.my-step.results }}", "missing-name")
    use = yn.get(item, "use")
    check_provider(c, item, ypath, kind, has_use=kind == "action" and use is not None)
    for key in ("continue", "continue_on_error"):
        c.expect_bool(item, ypath, key)
    for key in ("vars", "alias"):
        v = yn.get(item, key)
        if v is not None and not yn.is_null(v) and not isinstance(v, yn.MappingNode):
            c.error(v, join(ypath, key), f"{key} must be a mapping of name → value, not {yn.kind(v)}", f"write `name: value` lines under {key}:", "type")
    fe = yn.get(item, "foreach")
    if fe is not None and not yn.is_null(fe) and not yn.is_str(fe):
        c.error(fe, join(ypath, "foreach"), f"foreach must be a path like \"{{{{ steps.x.results }}}}\", not {yn.kind(fe)}", None, "type")
    of = yn.get(item, "on-failure")
    if of is not None:
        check_retry(c, of, join(ypath, "on-failure"))
    th = yn.get(item, "throttle")
    if th is not None:
        c.warn(yn.key_node(item, "throttle"), join(ypath, "throttle"), "throttle needs a Keep server (it reads Keep's alert database)", "keepwf ignores it when running; remove it or run in Keep", "needs-keep")
        t = yn.get(th, "type")
        if t is not None and (not yn.is_str(t) or t.value not in K.THROTTLE_TYPES):
            c.error(t, join(ypath, "throttle.type"), f"unknown throttle type {getattr(t, 'value', '')!r}", "use type: one_until_resolved", "throttle")
    check_conditions(c, item, ypath, scope)
    for key in ("if", "foreach", "alias"):
        v = yn.get(item, key)
        if v is not None:
            check_templates(c, v, join(ypath, key), scope)
    v = yn.get(item, "if")
    why = T.if_problem(v.value) if v is not None and yn.is_str(v) else None
    if why:
        c.warn(v, join(ypath, "if"), f"if: {why}; Keep skips the {kind} silently, keepwf skips it with a warning",
               "fix the expression (keepwf run shows the rendered text in the skip reason)", "if-unevaluable")
    v = yn.get(item, "vars")
    if v is not None:
        check_templates(c, v, join(ypath, "vars"), scope, parens=False)
    prov = yn.get(item, "provider")
    w = yn.get(prov, "with") if isinstance(prov, yn.MappingNode) else None
    if w is not None:
        check_templates(c, w, join(ypath, "provider.with"), scope)
