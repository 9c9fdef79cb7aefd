"""Reading pages as the crawler does (issue 21), shared by the crawler test and the page budget of
`make bench` (issue 25): the links and GET forms of a page, and the key that stands for a URL (its
route and the shape of its arguments and query)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin

from django.urls import Resolver404, resolve

PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36")
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"

# Not followed: signing out, the language switch (a POST anyway), and files that are big to build.
SKIPPED_ROUTES = {
    "logout", "set_language", "javascript-catalog", "grid-sw",
    "healthz", "livez",  # the monitors' probes: 503 is their answer while the test's broker is absent
    "intake:case_export", "grid:keypersons-export", "review:report-download", "command:daily-report-pdf",
    "api-schema", "api-docs",
}
SKIPPED_PREFIXES = ("/static/", "/media/", "/api/", "/open311/")
# Logins crawled first, in full (every role, and the logins whose data differ: a town, a village
# station, a town office, a second grid worker); a later login whose roles were crawled already walks
# its home page's links to routes not fetched yet for those roles.
FIRST = ("admin", "director", "leader", "dispatcher", "grid", "liaison_zgj", "liaison", "handler", "clerk",
         "commander", "deputy", "lead_zgj", "station_sp", "town_ly", "liaison_lygh", "grid_yt", "liaison_ga")


# --- reading pages -----------------------------------------------------------------------------------

class Links(HTMLParser):
    """The `<a href>` targets and the GET forms (action and the fields a browser would send) of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href") and "download" not in a:
            self.hrefs.append(a["href"])
        elif tag == "form":
            get = a.get("method", "get").lower() == "get"
            self._form = {"action": a.get("action", ""), "fields": [], "selects": []} if get else None
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text").lower() not in ("submit", "button", "image",
                                                                                       "reset", "file"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "options": [], "selected": None}
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"].append((a["name"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select is not None:
            if self._form is not None:
                self._form["selects"].append(self._select)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_urls(page_url: str, form: dict[str, Any]) -> Iterator[str]:
    """The form as sent untouched, and once with every list set to its first other choice."""
    action = urljoin(page_url, form["action"] or page_url).split("?")[0]
    fields = list(form["fields"])
    default = fields + [(s["name"], s["selected"] if s["selected"] is not None else (s["options"] or [""])[0])
                        for s in form["selects"]]
    yield f"{action}?{urlencode(default)}"
    varied = fields + [(s["name"], next((o for o in s["options"] if o and o != s["selected"]), "")) for s in form["selects"]]
    if form["selects"]:
        yield f"{action}?{urlencode(varied)}"


_NUMBERISH = re.compile(r"\d")
MONTHS_PER_ROUTE = 2  # a month's pages link the months around it: this month and the (published) last


def _shape(name: str, value: str) -> str:
    """A value that names a thing (an id, a code, a date) stands for any; a word stays, and so does a
    month (a published month and the current one show different pages)."""
    if name == "month":
        return value
    return "#" if _NUMBERISH.search(value) or len(value) > 24 else value


def url_key(path: str, query: str) -> tuple[str, tuple, tuple] | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    args = tuple(sorted((k, _shape(k, str(v))) for k, v in match.kwargs.items()))
    params = tuple(sorted({(k, _shape(k, v)) for k, v in parse_qsl(query, keep_blank_values=True)}))
    return match.view_name, args, params


def url_month(key: tuple[str, tuple, tuple]) -> str:
    return next((value for name, value in (*key[1], *key[2]) if name == "month"), "")
