"""Undo what Jinja does to a templated list or mapping: ``"{{ params.days }}"`` renders to the text ``"[1, 3]"``."""

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


def as_rendered_mapping(value: object) -> object:
    """``value``, or the dict a rendered mapping literal such as ``"{'行业': '教育'}"`` stands for (as
    :func:`as_rendered_list`, for ``{...}``)."""
    if not isinstance(value, str) or not value.strip().startswith("{"):
        return value
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value
    return parsed if isinstance(parsed, dict) else value
