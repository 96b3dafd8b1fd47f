"""Validation rules for steps, actions and the workflow-level on-failure action (keep-format.md §1.5, §2, §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from keepwf.workflow import keys as K
from keepwf.workflow import templates as T
from keepwf.workflow import yamlnodes as yn
from keepwf.workflow.checker import Checker, did_you_mean, join
from keepwf.workflow.functions import KEEP_FUNCTIONS, NEEDS_KEEP_SERVER

CONFIG_RE = re.compile(r"^\s*\{\{\s*([^{}]*?)\s*\}\}\s*$")


@dataclass
class Scope:
    """What a step may reference: names that ran before it, and every name in the workflow."""

    kind: str  # "step", "action", "on-failure"
    own: str | None
    before: set[str] = field(default_factory=set)
    all_names: dict[str, str] = field(default_factory=dict)  # name -> "step" | "action"


def check_templates(c: Checker, node, ypath: str, scope: Scope, parens: bool = True) -> None:
    """Balance, keep.* names and step references of every string below ``node``."""
    for n, p, text in c.strings(node, ypath):
        if "{" in text or "(" in text or ")" in text or "}" in text:
            why = T.balance_problem(text, parens=parens)
            if why:
                hint = "close every '{{' with '}}'" if "braces" in why else "Keep counts '(' and ')' in the raw text; balance them or reword (e.g. drop a smiley like ':(')"
                c.error(n, p, why, hint, "template-balance")
        for fn in T.keep_calls(text):
            if fn not in KEEP_FUNCTIONS:
                guess = did_you_mean(fn, KEEP_FUNCTIONS)
                hint = f"did you mean keep.{guess}?" if guess else "see docs/validation.md for the list of keep.* functions"
                c.error(n, p, f"unknown function keep.{fn}", hint, "unknown-function")
            elif fn in NEEDS_KEEP_SERVER:
                c.warn(n, p, f"keep.{fn} reads Keep's database and needs a Keep server", "keepwf cannot evaluate it offline", "needs-keep")
        refs = T.foreach_refs(text) if p.endswith(".foreach") else T.step_refs(text)
        for name, attr in refs:
            check_ref(c, n, p, name, attr, scope)


def check_ref(c: Checker, node, ypath: str, name: str, attr: str, scope: Scope) -> None:
    if name in scope.before:
        return
    if name == scope.own:
        # its own vars/conditions/aliases exist while it runs (and vars render lazily); its results do not, yet
        if attr == "results" and (".provider.with" in ypath or ypath.endswith((".if", ".foreach"))):
            c.warn(node, ypath, f"the {scope.kind} {name!r} reads its own results, which are empty while it runs",
                   "refer to a step that runs before this one", "self-reference")
        return
    if name not in scope.all_names:
        guess = did_you_mean(name, scope.all_names)
        hint = f"did you mean {guess!r}?" if guess else ("known steps/actions: " + ", ".join(scope.all_names) if scope.all_names else "this workflow has no named steps")
        c.error(node, ypath, f"reference to step {name!r}, which does not exist", hint, "unknown-step")
    else:
        target = scope.all_names[name]
        hint = "actions run after all steps; move the work into a step, or refer to an earlier step" if (scope.kind == "step" and target == "action") else f"move {name!r} before this {scope.kind}"
        c.error(node, ypath, f"reference to {target} {name!r}, which runs later than this {scope.kind}", hint, "later-step")


def check_provider(c: Checker, item, ypath: str, kind: str, has_use: bool) -> None:
    prov = yn.get(item, "provider")
    if prov is None or yn.is_null(prov):
        if not has_use:
            c.error(item, ypath, f"{kind} without provider.type", "add `provider: {type: console, with: {message: …}}`", "missing-provider")
        return
    pp = join(ypath, "provider")
    if not isinstance(prov, yn.MappingNode):
        c.error(prov, pp, f"provider must be a mapping, not {yn.kind(prov)}", "write `provider:` with `type:` and `with:` under it", "missing-provider")
        return
    c.unknown_keys(prov, pp, K.PROVIDER_KEYS, "provider")
    tnode = yn.get(prov, "type")
    ptype = None
    if tnode is None or yn.is_null(tnode):
        if not has_use:
            c.error(prov, pp, f"{kind} without provider.type", "add `type: console` (or the provider you mean) under provider:", "missing-provider")
    elif not yn.is_str(tnode):
        c.error(tnode, join(pp, "type"), f"provider.type must be a string, not {yn.kind(tnode)}", "e.g. `type: console`", "missing-provider")
    else:
        ptype = tnode.value
        _provider_support(c, tnode, join(pp, "type"), ptype, kind)
    wnode = yn.get(prov, "with")
    wpath = join(pp, "with")
    if yn.key_node(prov, "with") is None:
        if kind == "step" and not has_use:
            c.error(prov, pp, "step without `with:` (Keep fails to parse it)", "add the provider's parameters under `with:` (`with: {}` when it takes none)", "missing-with")
    elif yn.is_null(wnode):
        c.error(wnode, wpath, "`with:` is empty (Keep fails to parse it)", "give parameters under `with:`, write `with: {}`, or remove the key", "missing-with")
    elif not isinstance(wnode, yn.MappingNode):
        c.error(wnode, wpath, f"`with:` must be a mapping of parameters, not {yn.kind(wnode)}", "write `name: value` lines under `with:`", "type")
    elif ptype == "bash":
        _check_bash_command(c, wnode, wpath)
    elif ptype in K.PROVIDER_PARAMETERS:
        _parameters(c, wnode, wpath, ptype)
    cnode = yn.get(prov, "config")
    if cnode is not None and yn.is_str(cnode):
        m = CONFIG_RE.match(cnode.value)
        if not m or len(m.group(1).split(".")) != 2 or not m.group(1).startswith("providers."):
            c.error(cnode, join(pp, "config"), f"provider.config {cnode.value!r} is not of the form '{{{{ providers.<name> }}}}'", "e.g. config: \"{{ providers.my-slack }}\"", "provider-config")
    elif cnode is not None and not yn.is_null(cnode) and not isinstance(cnode, yn.MappingNode):
        c.error(cnode, join(pp, "config"), f"provider.config must be '{{{{ providers.<name> }}}}' or a mapping, not {yn.kind(cnode)}", None, "provider-config")
    ofail = yn.get(prov, "on-failure")
    if ofail is not None:
        check_retry(c, ofail, join(pp, "on-failure"))


def _check_bash_command(c: Checker, wnode, wpath: str) -> None:
    """Values substituted where no quoting can keep them data (issue 10: the command name, eval, sh -c…)."""
    from keepwf.workflow.shellscan import template_refusals

    cnode = yn.get(wnode, "command")
    if not yn.is_str(cnode) or "{{" not in cnode.value:
        return
    shell = yn.scalar(yn.get(wnode, "shell")) in (True, "true", "True")
    for problem in template_refusals(cnode.value, shell):
        c.error(cnode, join(wpath, "command"), f"unsafe place for a value in a bash command: {problem}",
                "pass data as arguments of a fixed command (see docs/engine.md, bash); {{{ x }}} inserts raw text on "
                "purpose", "shell-injection")


def _parameters(c: Checker, wnode, wpath: str, ptype: str) -> None:
    known = K.PROVIDER_PARAMETERS[ptype]
    for key, knode, _v in yn.items(wnode):
        if key in known or key in K.ENGINE_PARAMETERS:
            continue
        guess = did_you_mean(key, known)
        hint = f"did you mean {guess!r}?" if guess else f"{ptype} reads: {', '.join(known)} (docs/providers.md)"
        c.warn(knode, join(wpath, key), f"unknown parameter {key!r} for {ptype} (ignored when it runs)", hint, "unknown-parameter")


def _provider_support(c: Checker, node, ypath: str, ptype: str, kind: str) -> None:
    base = ptype.split(".")[0]
    if base in K.STEP_ONLY_PROVIDERS and kind != "step":
        c.error(node, ypath, f"the {base} provider can only be used in steps (it has no notify), not as an {kind}", "move it to steps:", "step-only-provider")
    elif base in K.KEEP_SERVER_PROVIDERS:
        c.warn(node, ypath, f"the {base} provider needs a Keep server", "keepwf runs it only with recorded responses: keepwf run WF --mock FILE", "needs-keep")
    elif base not in K.RUNNABLE_PROVIDERS:
        c.warn(node, ypath, f"keepwf cannot run the {ptype!r} provider itself (it runs {', '.join(K.RUNNABLE_PROVIDERS)})",
               "run it with recorded responses: keepwf run WF --mock FILE", "offline-provider")
    elif base == "python" and not c.config.allow_python:
        c.warn(node, ypath, "the python provider is disabled (it evaluates code)", "set `allow_python = true` under [engine] in keepwf.toml to run it", "python-disabled")


def check_retry(c: Checker, node, ypath: str) -> None:
    if not isinstance(node, yn.MappingNode):
        if not yn.is_null(node):
            c.error(node, ypath, f"on-failure must be a mapping, not {yn.kind(node)}", "e.g. on-failure: {retry: {count: 2, interval: 5}}", "type")
        return
    c.unknown_keys(node, ypath, K.STEP_ON_FAILURE_KEYS, "on-failure")
    retry = yn.get(node, "retry")
    if retry is None:
        return
    rp = join(ypath, "retry")
    if not isinstance(retry, yn.MappingNode):
        c.error(retry, rp, f"retry must be a mapping, not {yn.kind(retry)}", "e.g. retry: {count: 2, interval: 5}", "type")
        return
    c.unknown_keys(retry, rp, K.RETRY_KEYS, "retry")
    for key in K.RETRY_KEYS:
        v = yn.get(retry, key)
        if v is None:
            continue
        val = yn.scalar(v)
        if isinstance(val, bool) or not isinstance(val, (int, float)) or val < 0:
            c.error(v, join(rp, key), f"retry.{key} must be a number ≥ 0, not {v.value if isinstance(v, yn.ScalarNode) else yn.kind(v)!r}", f"e.g. {key}: 2", "type")


def check_conditions(c: Checker, item, ypath: str, scope: Scope) -> None:
    conds = yn.get(item, "condition")
    if conds is None or yn.is_null(conds):
        return
    cp = join(ypath, "condition")
    if not isinstance(conds, yn.SequenceNode):
        c.error(conds, cp, f"condition must be a list, not {yn.kind(conds)}", "write each condition as a `- name: …` item", "type")
        return
    for i, cond in enumerate(conds.value):
        p = join(cp, i)
        if not isinstance(cond, yn.MappingNode):
            c.error(cond, p, f"a condition must be a mapping, not {yn.kind(cond)}", "give it name:, type: and its values", "type")
            continue
        if yn.get(cond, "name") is None:
            c.error(cond, p, "condition without name (Keep fails with 'Condition must have a name')", "add `name: my-condition`", "condition-name")
        tnode = yn.get(cond, "type")
        ctype = tnode.value if yn.is_str(tnode) else None
        if ctype not in K.CONDITION_TYPES:
            guess = did_you_mean(str(ctype), K.CONDITION_TYPES) if ctype else None
            what = f"unknown condition type {ctype!r}" if tnode is not None else "condition without type"
            c.error(tnode or cond, join(p, "type"), what, f"did you mean {guess!r}?" if guess else f"use one of: {', '.join(K.CONDITION_TYPES)}", "condition-type")
            continue
        c.unknown_keys(cond, p, K.CONDITION_KEYS[ctype], f"a {ctype} condition")
        ct = yn.get(cond, "compare_type")
        if ct is not None and (not yn.is_str(ct) or ct.value not in K.COMPARE_TYPES):
            c.error(ct, join(p, "compare_type"), f"compare_type must be gt or lt, not {getattr(ct, 'value', yn.kind(ct))!r}", "write compare_type: gt (or lt)", "condition-type")
        check_templates(c, cond, p, scope)
