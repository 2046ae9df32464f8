"""Generator diffs (wire spec 3.4): applying `diff(old, new)` to `old` gives `new`, for any JSON values."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podium.queue.diff import apply_diff, diff, snapshot

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, width=32) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=3), children, max_size=4),
    max_leaves=25,
)


@given(json_values, json_values)
@settings(max_examples=200, deadline=None)
def test_applying_the_diff_reproduces_the_new_value(old: object, new: object) -> None:
    assert_same(apply_diff(old, diff(old, new)), new)


@given(json_values)
def test_equal_values_give_no_edits(value: object) -> None:
    assert diff(value, snapshot(value)) == []


def assert_same(a: object, b: object) -> None:
    """Equal, with the same kinds of value all the way down.

    Numbers count as one kind: inside lists and dicts, values Python finds equal (`0 == False == 0.0`) are
    left unchanged, as Gradio's diff does (comparing every item by type would cost a Python-level walk of
    every unchanged list).
    """
    numbers = (bool, int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        assert a == b
        return
    assert type(a) is type(b)
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b)  # key order carries no meaning in JSON
        for k in a:
            assert_same(a[k], b[k])
    else:
        assert a == b


def test_string_growth_is_an_append() -> None:
    assert diff("0", "01") == [["append", [], "1"]]
    assert diff("abc", "xyz") == [["replace", [], "xyz"]]


def test_growing_chat_history_is_an_add() -> None:
    old = [{"role": "user", "content": "hi"}]
    new = [*old, {"role": "assistant", "content": "hello"}]
    assert diff(old, new) == [["add", [1], {"role": "assistant", "content": "hello"}]]


def test_streamed_message_inside_history_is_an_append_at_its_path() -> None:
    old = [{"role": "assistant", "content": "hel"}]
    new = [{"role": "assistant", "content": "hello"}]
    assert diff(old, new) == [["append", [0, "content"], "lo"]]


def test_shrinking_list_deletes_can_be_applied_in_order() -> None:
    edits = diff([1, 2, 3, 4], [1])
    assert [e[0] for e in edits] == ["delete", "delete", "delete"]
    assert apply_diff([1, 2, 3, 4], edits) == [1]


def test_type_change_and_bool_vs_int_are_replacements() -> None:
    assert diff(1, True) == [["replace", [], True]]
    assert diff("1", 1) == [["replace", [], 1]]
    assert diff({"a": 1}, {"b": 1}) == [["delete", ["a"], None], ["add", ["b"], 1]]


def test_snapshot_is_independent_of_later_changes() -> None:
    value = {"a": [1, 2]}
    copy = snapshot(value)
    value["a"].append(3)
    assert copy == {"a": [1, 2]}
