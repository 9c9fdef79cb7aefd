"""The crawler (issue 21): on a realistic month, every demo login follows every link and every GET
form its pages offer, at phone and desktop where the role uses both, and no page answers 5xx or
renders a variable that does not exist.

Bounded and deduplicated by URL pattern: a URL is keyed by its route's name and the shape of its
arguments and query (numbers and codes stand for any; words such as `figure=declined` or
`flags/<dept>/inaction/` stay, and so does a month), and each key is fetched once per login, each route
(of a month) at most PER_ROUTE_FIRST times by the first logins that meet it and PER_ROUTE times by
each later one. The logins of FIRST crawl in full at their main device and follow their home page's
links at the other; a later login whose roles were crawled already follows its home page's links to
routes not fetched yet for those roles. Logout, the language switch, the monitors' probes and the big
downloads (PDF, Excel, CSV) are not followed. `CRAWLER_STATS=1` prints where the time goes and the
links that answer 403/404.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from tests import realistic_month
from tests.crawling import (
    DESKTOP_UA,
    FIRST,
    MONTHS_PER_ROUTE,
    PHONE_UA,
    SKIPPED_PREFIXES,
    SKIPPED_ROUTES,
    Links,
    form_urls,
    url_key,
    url_month,
)

pytestmark = pytest.mark.django_db

PER_ROUTE = 8
PER_ROUTE_FIRST = 40  # the first logins to meet a route see more of its variants (every figure's list)
PER_LOGIN = 600  # requests
SHALLOW_DEPTH = 1
# Grid workers work on a phone; leaders (领导通) and liaisons read on a phone as often as at a desk.
PHONE_ONLY = {"grid_worker"}
PHONE_AND_DESKTOP = {"leader", "department_liaison"}
# Known 500s fixed by another change on main (a route name -> the issue item); a crawl that meets one
# of them counts it apart. Remove an entry as soon as main has the fix.
KNOWN: dict[str, str] = {}


# --- template variables that do not exist ----------------------------------------------------------

class _Missing(threading.local):
    def __init__(self) -> None:
        self.names: list[str] = []


_missing = _Missing()


class UndefinedVariable(str):
    """`string_if_invalid`: records each variable a template could not resolve (Django formats the
    setting with the variable's name when it contains "%s")."""

    def __mod__(self, name: object) -> str:
        _missing.names.append(str(name))
        return ""


# --- the crawl -----------------------------------------------------------------------------------------

@dataclass
class Crawl:
    username: str
    agent: str
    deep: bool
    fetched: int = 0
    failures: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # links that answer 403/404 (reported, not failed)
    routes: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)


@dataclass
class Everyone:
    """How often all logins fetched each route (of each month) so far."""

    routes: Counter = field(default_factory=Counter)


def crawl(user: User, *, agent: str, deep: bool, everyone: Everyone, same_roles: set[str], only_new: bool) -> Crawl:
    """Breadth first from the home page, each key once. A route (of a month) others fetched
    PER_ROUTE_FIRST times already is fetched PER_ROUTE times more. A shallow crawl follows its home
    page's links (`only_new`: to routes no login with the same roles fetched yet, `same_roles`)."""
    client = Client(HTTP_USER_AGENT=agent, raise_request_exception=False)
    client.force_login(user)
    result = Crawl(user.username, "phone" if agent == PHONE_UA else "desktop", deep)
    seen_urls: set[str] = set()
    seen_keys: set[tuple] = set()
    months: dict[str, set[str]] = {}
    queue: deque[tuple[str, int, str]] = deque([("/", 0, "(start)")])
    while queue and result.fetched < PER_LOGIN:
        url, depth, referrer = queue.popleft()
        parts = urlsplit(urldefrag(url)[0])
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
            continue
        path = parts.path
        if not path.startswith("/") or path.startswith(SKIPPED_PREFIXES):
            continue
        target = f"{path}?{parts.query}" if parts.query else path
        if target in seen_urls:
            continue
        seen_urls.add(target)
        key = url_key(path, parts.query)
        if key is None or key[0] in SKIPPED_ROUTES:
            continue
        route, month = key[0], url_month(key)
        if route.startswith("admin:"):  # Django's admin: each page of each model once
            if route.endswith(("_delete", "_history", "logout", "password_change", "view_on_site")):
                continue
            key = (route, (), ())
        route_limit = PER_ROUTE_FIRST if everyone.routes[route, month] < PER_ROUTE_FIRST else PER_ROUTE
        route_months = months.setdefault(route, set())
        if (key in seen_keys or result.routes[route, month] >= route_limit
                or (month not in route_months and len(route_months) >= MONTHS_PER_ROUTE)
                or (depth and only_new and route in same_roles)):
            continue
        seen_keys.add(key)
        if month:
            route_months.add(month)
        everyone.routes[route, month] += 1
        result.routes[route, month] += 1
        same_roles.add(route)
        _missing.names.clear()
        started = time.monotonic()
        response = client.get(target)
        result.fetched += 1
        result.seconds[route] += time.monotonic() - started
        if os.environ.get("CRAWLER_ROUTE") == route:
            print("   ", result.username, response.status_code, target)
        problem = None
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            problem = f"{response.status_code} {exc[0].__name__}: {exc[1]}" if exc else str(response.status_code)
        elif _missing.names and not route.startswith("admin:"):  # Django's admin relies on silent variables
            problem = f"undefined template variables {sorted(set(_missing.names))}"
        if problem:
            line = f"{result.username} ({result.agent}) GET {target} [{route}] from {referrer}: {problem}"
            (result.known if route in KNOWN else result.failures).append(line)
            continue
        if response.status_code in (403, 404) and depth:
            result.refused.append(f"{result.username} GET {target} from {referrer}: {response.status_code}")
        if response.status_code in (301, 302, 303, 307, 308):
            queue.appendleft((urljoin(target, response["Location"]), depth, target))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if not deep and depth >= SHALLOW_DEPTH:
            continue
        parser = Links()
        parser.feed(response.content.decode(response.charset or "utf-8", errors="replace"))
        for href in parser.hrefs:
            queue.append((urljoin(target, href), depth + 1, target))
        for form in parser.forms:
            for form_url in form_urls(target, form):
                queue.append((form_url, depth + 1, target))
    return result


def _agents(roles: set[str]) -> list[str]:
    if roles & PHONE_ONLY and not roles - PHONE_ONLY:
        return [PHONE_UA]
    if roles & (PHONE_ONLY | PHONE_AND_DESKTOP):
        return [DESKTOP_UA, PHONE_UA]
    return [DESKTOP_UA]


@pytest.fixture
def month(settings) -> realistic_month.RealisticMonth:
    templates = [dict(engine) for engine in django_settings.TEMPLATES]
    templates[0] = {**templates[0], "OPTIONS": {**templates[0]["OPTIONS"], "string_if_invalid": UndefinedVariable("%s")}}
    settings.TEMPLATES = templates
    return realistic_month.build(settings)


def test_every_demo_login_follows_every_link_without_a_server_error(month, capsys):
    started = time.monotonic()
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the crawl reports what it meets
    users = {u.username: u for u in User.objects.filter(username__in=month.logins).prefetch_related("groups")}
    assert set(FIRST) <= set(users), "a demo login the crawler starts with is gone"
    everyone = Everyone()
    routes_by_roles: dict[frozenset[str], set[str]] = {}
    crawls: list[Crawl] = []
    for username in [*FIRST, *sorted(set(users) - set(FIRST))]:
        user = users[username]
        roles = frozenset(g.name for g in user.groups.all())
        same_roles = routes_by_roles.setdefault(roles, set())
        agents = _agents(set(roles))
        for agent in agents:
            # In full once per login of FIRST, at its main device (the server answers both alike).
            first = username in FIRST
            crawls.append(crawl(user, agent=agent, deep=first and agent == agents[0], everyone=everyone,
                                same_roles=same_roles, only_new=not first))
    failures = [line for c in crawls for line in c.failures]
    known = [line for c in crawls for line in c.known]
    refused = [line for c in crawls for line in c.refused]
    with capsys.disabled():
        print(f"\ncrawler: {len(crawls)} crawls of {len(users)} logins, {sum(c.fetched for c in crawls)} pages, "
              f"{len({r for c in crawls for r in c.seconds})} routes, {time.monotonic() - started:.0f} s; "
              f"{len(known)} known failures, {len(refused)} links answering 403/404")
        if os.environ.get("CRAWLER_STATS"):
            _print_stats(crawls, known + refused)
    assert not failures, "\n".join(failures[:60])
    assert {c.username for c in crawls} == set(month.logins)
    assert sum(c.fetched for c in crawls) > 500


def _print_stats(crawls: list[Crawl], lines: list[str]) -> None:
    total: Counter = Counter()
    for c in crawls:
        total.update(c.seconds)
        print(f"  {c.username} {c.agent} deep={c.deep} fetched={c.fetched} {sum(c.seconds.values()):.1f}s")
    for name, seconds in total.most_common(30):
        print(f"  {name}: {seconds:.1f}s {sum(n for c in crawls for (r, _m), n in c.routes.items() if r == name)}")
    for line in lines:
        print(f"  {line}")
