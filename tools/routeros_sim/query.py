"""The ``print`` query stack (API ``?`` words).

Evaluated per row, left to right, on a stack of booleans:

* ``?name`` pushes whether the row has the property; ``?-name`` whether it has not;
* ``?name=x`` and ``?=name=x`` push whether it equals ``x``; ``?<name=x``/``?>name=x``
  whether it is less/greater (numbers and IP addresses compare as such, else as text);
* ``?#ops`` applies operations: ``!`` negates the top value, ``&``/``|`` pop two and push
  their and/or, ``.`` pushes a copy of the top; a run of digits N is a stack index (0 is the
  top): followed by more characters it pushes a copy of that value (a ``.`` right after it
  does nothing), at the end of the word it replaces the whole stack with that value.

Popping from an empty stack gives true; the row matches when every value left is true (an
empty query matches every row). Booleans compare by meaning (``yes`` equals ``true``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from .errors import ARGUMENT, ApiError
from .menus import Row, to_bool

Test = Callable[[Row], bool]


def _equal(stored: str, wanted: str) -> bool:
    if stored == wanted:
        return True
    stored_flag, wanted_flag = to_bool(stored), to_bool(wanted)
    return stored_flag is not None and stored_flag == wanted_flag


def _number(value: str) -> tuple[int, int] | None:
    """(0, n) for an integer, (1, n) for an IP address, None for anything else."""
    try:
        return (0, int(value))
    except ValueError:
        pass
    try:
        return (1, int(ipaddress.ip_address(value)))
    except ValueError:
        return None


def _compare(stored: str, wanted: str) -> int:
    a, b = _number(stored), _number(wanted)
    if a is not None and b is not None and a[0] == b[0]:
        return (a[1] > b[1]) - (a[1] < b[1])
    return (stored > wanted) - (stored < wanted)


def _test(word: str) -> Test:
    """One non-``#`` query word (without its ``?``) as a row test."""
    if word.startswith("-"):
        name = word[1:]
        return lambda row: name not in row
    if word[:1] in ("=", "<", ">"):
        op = word[0]
        name, _, value = word[1:].partition("=")
        if not name:
            raise ApiError("invalid query", ARGUMENT)
        if op == "=":
            return lambda row: name in row and _equal(row[name], value)
        sign = -1 if op == "<" else 1
        return lambda row: name in row and _compare(row[name], value) == sign
    if "=" in word:
        name, _, value = word.partition("=")
        return lambda row: name in row and _equal(row[name], value)
    if not word:
        raise ApiError("invalid query", ARGUMENT)
    return lambda row: word in row


def _apply_ops(ops: str, stack: list[bool]) -> list[bool]:
    def pop() -> bool:
        return stack.pop() if stack else True

    i = 0
    while i < len(ops):
        ch = ops[i]
        if ch.isdigit():
            j = i
            while j < len(ops) and ops[j].isdigit():
                j += 1
            index = int(ops[i:j])
            value = stack[-1 - index] if index < len(stack) else True
            if j == len(ops):
                return [value]
            stack.append(value)
            i = j + 1 if ops[j] == "." else j
            continue
        if ch == "!":
            stack.append(not pop())
        elif ch == "&":
            a, b = pop(), pop()
            stack.append(a and b)
        elif ch == "|":
            a, b = pop(), pop()
            stack.append(a or b)
        elif ch == ".":
            stack.append(stack[-1] if stack else True)
        else:
            raise ApiError(f"invalid query operation {ch!r}", ARGUMENT)
        i += 1
    return stack


Step = Callable[[Row, list[bool]], list[bool]]


def _push(test: Test) -> Step:
    def step(row: Row, stack: list[bool]) -> list[bool]:
        stack.append(test(row))
        return stack

    return step


def _ops(ops: str) -> Step:
    _apply_ops(ops, [])  # reject bad operations before any row is looked at
    return lambda row, stack: _apply_ops(ops, stack)


def compile_query(words: Sequence[str]) -> Test:
    """Words as sent (without the leading ``?``) → a row predicate. Raises ApiError for a
    malformed query, before any row is looked at."""
    steps = [_ops(word[1:]) if word.startswith("#") else _push(_test(word)) for word in words]

    def predicate(row: Row) -> bool:
        stack: list[bool] = []
        for step in steps:
            stack = step(row, stack)
        return all(stack)

    return predicate


def select(rows: Sequence[Row], words: Sequence[str]) -> list[Row]:
    test = compile_query(words)
    return [row for row in rows if test(row)]
