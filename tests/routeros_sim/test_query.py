"""The query stack, unit-tested on plain rows (the wire is covered in test_wire.py)."""

import pytest

from tools.routeros_sim.errors import ApiError
from tools.routeros_sim.query import compile_query, select

ROWS = [
    {".id": "*1", "name": "ether1", "type": "ether", "mtu": "1500", "disabled": "false"},
    {
        ".id": "*2",
        "name": "ether2",
        "type": "ether",
        "mtu": "9000",
        "disabled": "true",
        "comment": "uplink",
    },
    {
        ".id": "*3",
        "name": "vlan10",
        "type": "vlan",
        "mtu": "1496",
        "disabled": "false",
        "address": "10.0.0.9",
    },
    {
        ".id": "*4",
        "name": "<pppoe-bob>",
        "type": "pppoe-in",
        "mtu": "1480",
        "disabled": "false",
        "address": "10.0.0.10",
    },
]


def names(*query):
    return [row["name"] for row in select(ROWS, query)]


def test_empty_query_matches_everything():
    assert names() == ["ether1", "ether2", "vlan10", "<pppoe-bob>"]


def test_has_and_has_not():
    assert names("comment") == ["ether2"]
    assert names("-comment") == ["ether1", "vlan10", "<pppoe-bob>"]


def test_equality_both_spellings():
    assert names("type=ether") == ["ether1", "ether2"]
    assert names("=type=ether") == ["ether1", "ether2"]
    assert names("=name=<pppoe-bob>") == ["<pppoe-bob>"]
    assert names("comment=") == []  # absent is not equal to empty


def test_booleans_compare_by_meaning():
    assert names("disabled=yes") == ["ether2"]
    assert names("disabled=true") == ["ether2"]
    assert names("=disabled=no") == ["ether1", "vlan10", "<pppoe-bob>"]


def test_less_and_greater_compare_numbers_as_numbers():
    assert names("<mtu=1500") == ["vlan10", "<pppoe-bob>"]
    assert names(">mtu=1500") == ["ether2"]  # "9000" > "1500"; text order would agree here
    assert select([{"n": "10"}, {"n": "9"}], [">n=9"]) == [{"n": "10"}]  # text order would not


def test_less_and_greater_compare_addresses_as_addresses():
    assert names(">address=10.0.0.9") == ["<pppoe-bob>"]
    assert names("<address=10.0.0.10") == ["vlan10"]


def test_several_words_are_anded():
    assert names("type=ether", "disabled=false") == ["ether1"]


def test_or_not_and():
    assert names("type=vlan", "type=pppoe-in", "#|") == ["vlan10", "<pppoe-bob>"]
    assert names("type=vlan", "type=pppoe-in", "#|!") == ["ether1", "ether2"]
    assert names("type=ether", "disabled=true", "#&") == ["ether2"]
    assert names("type=ether", "#!") == ["vlan10", "<pppoe-bob>"]


def test_in_list_the_librouteros_way():
    # Key("name").In("ether1", "vlan10", "nothing") sends three equalities and "#|" twice.
    assert names("=name=ether1", "=name=vlan10", "=name=nothing", "#|", "#|") == [
        "ether1",
        "vlan10",
    ]
    assert names("=name=ether1", "=name=vlan10", "=name=nothing", "#||") == ["ether1", "vlan10"]


def test_dot_pushes_a_copy_of_the_top():
    # [type=vlan] → . → [t, t] → & → [t]; and [f] → . → [f, f] → | → [f]
    assert names("type=vlan", "#.&") == ["vlan10"]
    assert names("type=vlan", "#.|") == ["vlan10"]


def test_index_followed_by_end_of_word_replaces_the_stack():
    # stack [type=ether, disabled=true]; "1" (index 1 = type=ether) replaces everything
    assert names("type=ether", "disabled=true", "#1") == ["ether1", "ether2"]
    assert names("type=ether", "disabled=true", "#0") == ["ether2"]


def test_index_followed_by_more_pushes_a_copy():
    # [A=type=ether, B=disabled=true] → "1" pushes A → [A, B, A] → "!" → [A, B, !A]
    # → "|" → [A, B|!A] → result A & (B | !A) = A & B
    assert names("type=ether", "disabled=true", "#1!|") == ["ether2"]
    # a "." right after an index does nothing: "1.|" is "1|" → [A, B|A] → A & (B|A) = A
    assert names("type=ether", "disabled=true", "#1.|") == ["ether1", "ether2"]


def test_popping_an_empty_stack_gives_true():
    assert names("#|") == ["ether1", "ether2", "vlan10", "<pppoe-bob>"]
    assert names("#!") == []


def test_bad_operations_are_refused_up_front():
    with pytest.raises(ApiError) as excinfo:
        compile_query(["#x"])
    assert excinfo.value.category == 1
    with pytest.raises(ApiError):
        compile_query([""])
    with pytest.raises(ApiError):
        compile_query(["<=5"])
