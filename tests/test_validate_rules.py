"""The validation rules of keep-format.md "keepwf decisions" 1, one by one."""

from __future__ import annotations


import pytest

from keepwf.config import Config
from keepwf.workflow import KEEP_FUNCTIONS, load_source, validate_source

HEAD = """\
workflow:
  id: wf
  triggers:
    - type: manual
"""


def check(body: str, head: str = HEAD, config: Config | None = None):
    res = validate_source((head + body).encode(), "w.yml", config)
    return [(p.severity, p.code, p.yaml_path) for p in res.problems], res


def step(name="s", ptype="console", with_="{message: hi}", extra=""):
    return f"    - name: {name}\n      provider: {{type: {ptype}, with: {with_}}}\n{extra}"


def test_a_good_workflow_has_no_problem():
    found, res = check("  steps:\n" + step("a") + step("b", with_='{message: "{{ steps.a.results }} keep.len([1])"}')
                       + "  actions:\n" + step("c", with_='{message: "{{ steps.b.results }} {{ actions.a.results }}"}'))
    assert found == []
    assert res.docs[0].data["steps"][1]["provider"]["with"]["message"].startswith("{{ steps.a")


def test_missing_id():
    found, res = check("  steps:\n" + step(), head="workflow:\n  name: x\n")
    assert found == [("error", "missing-id", "workflow.id")]
    assert "id: my-workflow" in res.problems[0].hint


@pytest.mark.parametrize("wid", ["off", "on", "no", "yes", "false"])
def test_an_id_yaml_reads_as_a_boolean_must_be_quoted(wid):
    found, res = check("  steps:\n" + step(), head=f"workflow:\n  id: {wid}\n")
    assert found == [("error", "missing-id", "workflow.id")]
    assert "boolean" in res.problems[0].message and res.problems[0].hint == f'quote it: id: "{wid}"'
    assert check("  steps:\n" + step(), head=f'workflow:\n  id: "{wid}"\n')[0] == []


@pytest.mark.parametrize("wid", ["has space", "a/b", "x..y", "-lead", "end.lock", "ünïcode"])
def test_id_must_fit_a_git_ref(wid):
    found, res = check("  steps:\n" + step(), head=f'workflow:\n  id: "{wid}"\n')
    assert found == [("error", "bad-id", "workflow.id")]
    assert "deploy tags" in res.problems[0].message


def test_step_without_provider_type_and_without_with():
    found, _ = check("  steps:\n    - name: a\n    - name: b\n      provider: {with: {x: 1}}\n    - name: c\n      provider: {type: console}\n"
                     "    - name: d\n      provider: {type: console, with: }\n")
    assert found == [
        ("error", "missing-provider", "workflow.steps[0]"),
        ("error", "missing-provider", "workflow.steps[1].provider"),
        ("error", "missing-with", "workflow.steps[2].provider"),
        ("error", "missing-with", "workflow.steps[3].provider.with"),
    ]


def test_action_may_omit_with_but_not_leave_it_empty():
    found, _ = check("  actions:\n    - name: a\n      provider: {type: console}\n    - name: b\n      provider: {type: console, with: }\n")
    assert found == [("error", "missing-with", "workflow.actions[1].provider.with")]


def test_references_to_missing_and_later_steps():
    found, res = check(
        "  steps:\n"
        + step("first", with_='{message: "{{ steps.second.results }}"}')
        + step("second", with_='{message: "{{ actions.act.results }} {{ steps.secnd.results }}"}')
        + "  actions:\n"
        + step("act", with_='{message: "{{ steps.second.results }} {{ actions.later.results }}"}')
        + step("later")
    )
    assert found == [
        ("error", "later-step", "workflow.steps[0].provider.with.message"),
        ("error", "later-step", "workflow.steps[1].provider.with.message"),
        ("error", "unknown-step", "workflow.steps[1].provider.with.message"),
        ("error", "later-step", "workflow.actions[0].provider.with.message"),
    ]
    hints = [p.hint for p in res.problems]
    assert "actions run after all steps" in hints[1]
    assert hints[2] == "did you mean 'second'?"


def test_references_in_if_foreach_and_conditions():
    found, _ = check(
        "  steps:\n" + step("a")
        + "  actions:\n"
        + step("b", extra='      if: "{{ steps.zz.results }} == 1"\n      foreach: "{{ steps.yy.results }}"\n'
               '      condition:\n        - {name: c, type: threshold, value: "{{ steps.xx.results }}", compare_to: 1}\n')
    )
    assert sorted(found) == [
        ("error", "unknown-step", "workflow.actions[0].condition[0].value"),
        ("error", "unknown-step", "workflow.actions[0].foreach"),
        ("error", "unknown-step", "workflow.actions[0].if"),
    ]


def test_unbalanced_braces_and_keeps_parenthesis_rule():
    found, res = check("  steps:\n" + step(with_='{message: "{{ alert.name }"}') + step("b", with_='{message: "sad :("}'))
    assert found == [("error", "template-balance", "workflow.steps[0].provider.with.message"),
                     ("error", "template-balance", "workflow.steps[1].provider.with.message")]
    assert "'{{'" in res.problems[0].message and "'('" in res.problems[1].message


def test_unknown_keep_function_with_suggestion():
    found, res = check("  steps:\n" + step(with_='{message: "keep.lenght({{ alert.x }}) keep.utcnow() see https://docs.keep.dev/x(1)"}'))
    assert found == [("error", "unknown-function", "workflow.steps[0].provider.with.message")]
    assert res.problems[0].message == "unknown function keep.lenght" and res.problems[0].hint == "did you mean keep.len?"


def test_raw_render_without_execution_is_not_evaluated():
    found, _ = check("  actions:\n" + step(with_='{message: "raw_render_without_execution(keep.anything(1))"}'))
    assert found == []


def test_function_whitelist_is_the_documented_48():
    assert len(KEEP_FUNCTIONS) == 48 and {"len", "get_firing_time", "is_business_hours", "dict_merge"} <= set(KEEP_FUNCTIONS)
    assert "json" not in KEEP_FUNCTIONS and "datetime" not in KEEP_FUNCTIONS


def test_unknown_trigger_types_bad_intervals_and_incident_events():
    found, res = check(
        "  triggers:\n    - type: manaul\n    - type: interval\n      value: 5x\n    - type: interval\n      value: 0\n"
        "    - type: interval\n    - type: incident\n      events: [create, updated]\n    - {}\n  steps:\n" + step(),
        head="workflow:\n  id: wf\n",
    )
    assert found == [
        ("error", "trigger-type", "workflow.triggers[0].type"),
        ("error", "interval", "workflow.triggers[1].value"),
        ("error", "interval", "workflow.triggers[2].value"),
        ("error", "interval", "workflow.triggers[3].value"),
        ("error", "incident-events", "workflow.triggers[4].events[0]"),
        ("error", "trigger-type", "workflow.triggers[5].type"),
    ]
    assert res.problems[0].hint == "did you mean 'manual'?" and res.problems[4].hint == "did you mean 'created'?"


@pytest.mark.parametrize("value", ["300", "5m", "2h", "1d", "60"])
def test_good_intervals(value):
    found, _ = check(f"  steps:\n{step()}", head=f"workflow:\n  id: wf\n  triggers:\n    - type: interval\n      value: {value}\n")
    assert found == []


def test_condition_types_and_names():
    found, _ = check("  actions:\n" + step(extra="      condition:\n        - {name: a, type: treshold, value: 1}\n"
                                                "        - {type: assert, assert: '1 == 1'}\n        - {name: c, type: threshold, value: 1, compare_to: 2, compare_type: ge}\n"))
    assert found == [
        ("error", "condition-type", "workflow.actions[0].condition[0].type"),
        ("error", "condition-name", "workflow.actions[0].condition[1]"),
        ("error", "condition-type", "workflow.actions[0].condition[2].compare_type"),
    ]


def test_steps_beside_workflow_are_errors():
    text = "workflow:\n  id: wf\n  triggers: [{type: manual}]\nsteps:\n" + step() + "actions:\n" + step("b")
    res = validate_source(text.encode(), "w.yml")
    assert [(p.code, p.yaml_path, p.line) for p in res.errors] == [("misplaced-key", "steps", 4), ("misplaced-key", "actions", 7)]


def test_document_root_actions_used_as_reusable_are_fine():
    text = ("workflow:\n  id: wf\n  actions:\n    - name: a\n      use: notify\n      provider: {with: {message: hi}}\n"
            "actions:\n    - use: notify\n      provider: {type: console, with: {message: x}}\n")
    assert validate_source(text.encode(), "w.yml").problems == []


def test_unknown_keys_warn_with_did_you_mean():
    found, res = check("  steps:\n" + step(extra="      contine: false\n") + "  tirggers: []\n")
    assert found == [("warning", "unknown-key", "workflow.steps[0].contine"), ("warning", "unknown-key", "workflow.tirggers")]
    assert [p.hint for p in res.problems] == ["did you mean 'continue'?", "did you mean 'triggers'?"]


def test_duplicate_step_and_action_names_warn():
    found, _ = check("  steps:\n" + step("x") + "  actions:\n" + step("x") + step("y") + step("y"))
    assert found == [("warning", "duplicate-name", "workflow.actions[0].name"), ("warning", "duplicate-name", "workflow.actions[2].name")]


def test_providers_keepwf_cannot_run_offline():
    found, res = check(
        "  steps:\n" + step("a", "keep", "{version: 2}") + step("b", "python", "{code: '1'}") + step("c", "bash", "{command: ls}")
        + "  actions:\n" + step("d", "datadog", "{message: x}") + step("e", "bash", "{command: ls}")
        + step("f", extra="      throttle: {type: one_until_resolved, with: {}}\n")
    )
    assert found == [
        ("warning", "needs-keep", "workflow.steps[0].provider.type"),
        ("warning", "python-disabled", "workflow.steps[1].provider.type"),
        ("warning", "offline-provider", "workflow.actions[0].provider.type"),
        ("error", "step-only-provider", "workflow.actions[1].provider.type"),
        ("warning", "needs-keep", "workflow.actions[2].throttle"),
    ]
    assert "--mock" in res.problems[2].hint
    found, _ = check("  steps:\n" + step("b", "python", "{code: '1'}"), config=Config(allow_python=True))
    assert found == []


def test_provider_config_must_name_a_provider():
    found, _ = check("  actions:\n    - name: a\n      provider: {type: console, config: '{{ slack }}', with: {message: x}}\n")
    assert found == [("error", "provider-config", "workflow.actions[0].provider.config")]


def test_workflows_list_and_positions():
    text = "workflows:\n  - id: one\n    steps: []\n  - id: one\n    bogus: 1\n"
    res = validate_source(text.encode(), "w.yml")
    assert [(p.severity, p.yaml_path, p.line, p.column) for p in res.problems] == [
        ("warning", "workflows[0]", 2, 5), ("warning", "workflows[1]", 4, 5), ("warning", "workflows[1].bogus", 5, 5)]
    assert res.problems[0].code == "empty-workflow"
    assert [d.id for d in load_source(text.encode(), "w.yml").docs] == ["one", "one"]


def test_yaml_1_1_like_keep():
    """Keep reads files with PyYAML (YAML 1.1): `yes` is a boolean, `on:` a key True."""
    res = load_source(b"workflow:\n  id: wf\n  disabled: yes\n", "w.yml")
    assert res.docs[0].data["disabled"] is True


@pytest.mark.parametrize("expr, why", [
    ("x ==", "does not parse"),
    ("1 +", "does not parse"),
    ("'{{ alert.name }}' > 5", "orders a quoted template"),
    ("5 <= '{{ alert.count }}'", "orders a quoted template"),
])
def test_if_that_keep_cannot_evaluate_is_a_warning(expr, why):
    # Keep 0.54.2 skips such a step silently (asteval 1.0.6 leaves error_msg empty; issue 13, class 5)
    found, res = check("  steps:\n" + step(extra=f'      if: "{expr}"\n'))
    assert found == [("warning", "if-unevaluable", "workflow.steps[0].if")]
    assert why in res.problems[0].message and "skips" in res.problems[0].message


@pytest.mark.parametrize("expr", ["{{ alert.count }} > 5", "'{{ alert.name }}' == 'cpu'", "keep.len('{{ alert.name }}') > 5",
                                  "{{ steps.s.results }}", "{{#alert.tags}}x{{/alert.tags}}", "'{{ a }}' > '{{ b }}'"])
def test_if_that_can_evaluate_has_no_warning(expr):
    found, _ = check("  steps:\n" + step(extra=f'      if: "{expr}"\n'))
    assert [f for f in found if f[1] == "if-unevaluable"] == []


def test_validator_knows_every_provider_the_engine_runs():
    from keepwf.engine import OFFLINE_PROVIDERS
    from keepwf.workflow import keys

    assert set(keys.RUNNABLE_PROVIDERS) == set(OFFLINE_PROVIDERS)
    found, _ = check("  actions:\n" + "".join(step(f"a{i}", p, "{%s: x}" % keys.PROVIDER_PARAMETERS[p][0])
                                             for i, p in enumerate(keys.NOTIFY_PROVIDERS)))
    assert found == []


def test_notification_provider_parameters_are_known():
    from keepwf.engine.providers import REGISTRY
    from keepwf.workflow import keys

    for ptype, params in keys.PROVIDER_PARAMETERS.items():
        cls = REGISTRY[ptype]
        assert set(params) == set(cls.known) | set(cls.step_known), ptype
    found, res = check("  actions:\n" + step("a", "slack", "{mesage: x, channel: c, enrich_alert: []}"))
    assert found == [("warning", "unknown-parameter", "workflow.actions[0].provider.with.mesage")]
    assert res.problems[0].hint == "did you mean 'message'?"
