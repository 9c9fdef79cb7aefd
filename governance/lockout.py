"""Login lockout (django-axes) as deployed behind nginx.

Two counters over the last LOGIN_LOCKOUT_MINUTES, both kept in axes' own AccessAttempt rows:

* per account *and* address: LOGIN_FAILURE_LIMIT wrong passwords for one username from one address
  lock that username at that address only. Someone who merely knows a username cannot lock its owner
  out from elsewhere, and one clerk mistyping does not lock the rest of the office behind the same
  NAT address.
* per address: LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, whatever the usernames, lock
  the address (password spraying: one password against every username).

The client's address is REMOTE_ADDR, or the proxy's X-Forwarded-For hop only when REMOTE_ADDR is one
of TRUSTED_PROXIES (nginx, deploy/nginx.conf): a client talking to gunicorn directly cannot choose
the address it is counted under.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request: HttpRequest) -> str:
    """The address a login is counted under (AXES_CLIENT_IP_CALLABLE).

    Walks X-Forwarded-For from the right (the hop the nearest proxy wrote) past trusted proxies, and
    only when the connection itself comes from a trusted proxy; otherwise the connection's address."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not is_trusted_proxy(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if _parse(hop) is None:
            break  # garbage in the header: stop trusting it
        if not is_trusted_proxy(hop):
            return hop
    return remote


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with the two counters above (AXES_HANDLER)."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """Failures that count toward LOGIN_FAILURE_LIMIT: the account's at this address, or the limit
        itself once the address as a whole has reached LOGIN_ADDRESS_FAILURE_LIMIT."""
        username = get_client_username(request, credentials)
        recent = AccessAttempt.objects.filter(ip_address=request.axes_ip_address,
                                              attempt_time__gte=get_cool_off_threshold(request))
        totals = recent.aggregate(address=Sum("failures_since_start"),
                                  account=Sum("failures_since_start", filter=Q(username=username)))
        if (totals["address"] or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(totals["account"] or 0, get_failure_limit(request, credentials))
        return totals["account"] or 0
