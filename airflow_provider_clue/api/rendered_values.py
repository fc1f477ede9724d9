"""Undo what Jinja does to a templated list: ``"{{ params.days }}"`` renders to the text ``"[1, 3]"``."""

from __future__ import annotations

import ast


def as_rendered_list(value: object) -> object:
    """``value``, or the list a rendered list literal such as ``"[1, 3]"`` stands for.

    Only literals are read (``ast.literal_eval``); any other text is returned unchanged, for the
    caller's own validation to reject with a clear message.
    """
    if not isinstance(value, str) or not value.strip().startswith(("[", "(")):
        return value
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value
    return list(parsed) if isinstance(parsed, (list, tuple)) else value
