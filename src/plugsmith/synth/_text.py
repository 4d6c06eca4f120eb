"""Short text for messages: cut at a word boundary, never in the middle of a word."""

from __future__ import annotations

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending in an ellipsis when cut.

    Only text without any space before the limit (one long word, a path) is cut inside it, as there is no
    boundary to cut at; the result is never longer than ``limit``::

        >>> clip("fails 2 of 3 held-back cases", 16)
        'fails 2 of 3…'
    """
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ELLIPSIS))]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:|") + ELLIPSIS


__all__ = ["ELLIPSIS", "clip"]
