"""Reading pages in tests as a browser would."""

from __future__ import annotations

import re

_ONCE = re.compile(r'name="once" value="([0-9a-f]{32})"')


def once_key(html: str, after: str = "") -> str:
    """The one-time key of the first form after `after` in the page (the page's first when empty);
    fails the test when that form carries none."""
    found = _ONCE.search(html, html.index(after) if after else 0)
    assert found, f"no one-time key after {after!r}"
    return found.group(1)
