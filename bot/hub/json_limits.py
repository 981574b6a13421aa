"""JSON from the outside, parsed only when it is not nested deeper than any real request (issue 15).

Python's parser recurses: a body of 50,000 "[" ends in RecursionError, a 500 with a traceback. Every
request and frame the hub takes is an object holding strings, numbers and a small object or list at
most, so anything deeper than MAX_DEPTH is refused as malformed before the parser sees it. Likewise a
whole number of more than MAX_INT_DIGITS digits: Python refuses to convert one of over 4,300 with a plain
ValueError (not a JSONDecodeError), and no id, count or score comes near it.
"""
from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
MAX_INT_DIGITS = 1_000


class TooDeep(ValueError):
    pass


class NumberTooLong(ValueError):
    pass


def _parse_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS + 1:  # + 1: the sign
        raise NumberTooLong(f"a whole number has more than {MAX_INT_DIGITS:,} digits")
    return int(digits)


def depth(text: str) -> int:
    """The deepest nesting of [ and { in `text`, outside strings."""
    deepest = level = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            level += 1
            deepest = max(deepest, level)
        elif ch in "]}":
            level -= 1
    return deepest


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads, raising TooDeep (a ValueError) for JSON nested deeper than `max_depth` and NumberTooLong
    (a ValueError) for a whole number of more than MAX_INT_DIGITS digits."""
    if depth(text) > max_depth:
        raise TooDeep(f"JSON nested more than {max_depth} levels deep")
    return json.loads(text, parse_int=_parse_int)
