"""The address of the client that sent a request, through the trusted reverse proxy.

Behind the proxy of docs/operations.md every request comes from the proxy's address; the
client's own address is in the X-Forwarded-For header that the proxy appends to. That header
is believed only when the request comes from one of TRUSTED_PROXIES (addresses or networks):
anyone else could write any address into it. The client is the right-most hop that is not a
trusted proxy itself (a client may put whatever it likes to the left of what the proxy adds).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.5:51234
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_trusted_proxy(address) -> bool:
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    return address is not None and any(address in network for network in trusted)


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text (what django-axes locks out by)."""
    remote_text = request.META.get("REMOTE_ADDR", "")
    remote = _address(remote_text)
    if remote is None:
        return remote_text
    if not is_trusted_proxy(remote):
        return str(remote)
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a garbled chain: trust nothing beyond the proxy itself
        if not is_trusted_proxy(address):
            return str(address)
    return str(remote)
