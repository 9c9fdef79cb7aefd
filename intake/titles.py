"""Short matter titles derived from what is already known: place, category, party, first clause.

The window page suggests the same form in the browser (`static/intake/window.js`, `suggestTitle`):
"{party}反映{place}{category}"; a platform push without a title gets "{place}{category}：{first clause}".
"""

from __future__ import annotations

import re

SUMMARY_CHARS = 12
TITLE_CHARS = 40
_CLAUSE_END = re.compile(r"[。，,；;！!？?\n：:]")


def first_clause(text: str, *, limit: int = SUMMARY_CHARS) -> str:
    """The text up to its first punctuation mark, cut at `limit` characters (with an ellipsis)."""
    clause = _CLAUSE_END.split((text or "").strip(), maxsplit=1)[0].strip()
    return clause if len(clause) <= limit else clause[:limit] + "…"


def title_for_push(*, category: str, place: str, description: str) -> str:
    """A platform push's title: where, what kind, and the gist — never the whole description."""
    head = f"{place.strip()[:16]} {category}".strip()
    gist = first_clause(description)
    return (f"{head}：{gist}" if gist else head)[:TITLE_CHARS]
