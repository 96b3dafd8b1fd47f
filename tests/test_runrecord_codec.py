"""The run-record line codec and the union merge (property tests)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwf.model.runrecord import (
    RecordError, decode_line, decode_lines, encode_line, new_run_id, run_id_time_ms, union_lines, union_records,
)
from tests.runlog_helpers import make_record

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.text(max_size=20),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=10,
)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc))


@st.composite
def records(draw):
    rec = make_record(started=draw(times), workflow=draw(st.sampled_from(["a", "b-c"])),
                      status=draw(st.sampled_from(["success", "error", "skipped", "timeout"])))
    rec["inputs"] = draw(st.dictionaries(st.text(max_size=10), json_values, max_size=3))
    rec["error"] = draw(st.none() | st.text(max_size=30))  # newlines, quotes, unicode: must stay on one line
    return rec


@given(records())
def test_line_round_trip_one_line_started_first(rec):
    line = encode_line(rec)
    assert "\n" not in line
    assert line.startswith('{"started": "' + rec["started"] + '", "v": 1')
    assert decode_line(line) == rec


@given(st.lists(records(), max_size=12), st.lists(records(), max_size=12), st.integers(0, 12))
@settings(max_examples=60)
def test_union_no_loss_no_duplicate_sorted(a, b, shared):
    b = b + a[:shared]  # overlap between the sides
    ta = "".join(encode_line(r) + "\n" for r in a)
    tb = "\n".join(encode_line(r) for r in b)  # git notes append puts blank lines between entries
    merged = decode_lines(union_lines(ta, tb))
    ids = [r["run_id"] for r in merged]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r["run_id"] for r in a + b}
    assert [r["started"] for r in merged] == sorted(r["started"] for r in merged)
    # merging is idempotent and symmetric as a set
    assert union_lines(union_lines(ta, tb), tb) == union_lines(ta, tb)
    assert {r["run_id"] for r in decode_lines(union_lines(tb, ta))} == set(ids)


def test_lines_sort_like_time_so_cat_sort_uniq_keeps_order():
    recs = [make_record(i) for i in (3, 1, 2)]
    lines = sorted(encode_line(r) for r in recs)
    assert [decode_line(x)["started"] for x in lines] == sorted(r["started"] for r in recs)


def test_readers_skip_what_they_do_not_understand():
    good = make_record(1)
    text = "\n".join(["", "garbage", json.dumps({"v": 2, "run_id": "x", "started": "y"}), "[1,2]", encode_line(good)])
    assert decode_lines(text) == [good]
    # unknown lines are kept (once) by the union, never dropped
    assert union_lines(text, text).count("garbage") == 1


@pytest.mark.parametrize("breakit, msg", [
    (lambda r: r.pop("run_id"), "lacks 'run_id'"),
    (lambda r: r.update(started="2026-01-01 10:00"), "started"),
    (lambda r: r.update(status="ok"), "status"),
    (lambda r: r.update(v=2), "schema v1"),
    (lambda r: r.update(draft="no"), "draft"),
    (lambda r: r.update(x=float("nan")), "not valid JSON"),
])
def test_writer_is_strict(breakit, msg):
    rec = make_record(1)
    breakit(rec)
    with pytest.raises(RecordError, match=msg):
        encode_line(rec)


def test_run_ids_sort_by_time_and_are_unique():
    t = datetime(2026, 5, 1, tzinfo=timezone.utc)
    ids = [new_run_id(t + timedelta(milliseconds=i)) for i in range(50)]
    assert ids == sorted(ids) and len(set(ids)) == 50
    same = {new_run_id(t) for _ in range(1000)}
    assert len(same) == 1000
    lo, hi = run_id_time_ms(ids[0][:10])
    assert lo == hi == int(t.timestamp() * 1000)
    assert run_id_time_ms("not-an-id!") is None


def test_union_records_first_wins():
    a = make_record(1)
    b = dict(a, status="error")
    assert union_records([a], [b]) == [a]


@given(records(), st.text(max_size=12))
def test_line_head_reads_what_encode_line_writes(rec, wf):
    from keepwf.model.runrecord import line_head

    rec["workflow"] = wf or "w"
    h = line_head(encode_line(rec))
    assert h is None or h == (rec["started"], rec["run_id"], rec["workflow"], rec["env"])
    if '"' not in rec["workflow"] and "\\" not in rec["workflow"] and rec["workflow"].isprintable():
        assert h is not None
