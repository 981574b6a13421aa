"""Who is calling: the socket peer's address, or the client a trusted proxy names.

``X-Forwarded-For`` is believed only from a peer in ``CAREBOT_TRUSTED_PROXIES`` (default: this
machine, 127.0.0.1 and ::1, where a reverse proxy usually runs; uvicorn gets the same list). The
header is read from the right: each trusted proxy appends the address it saw, so the first address
from the right that is not a trusted proxy is the client; anything left of it the client wrote.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_HOPS = 20  # a longer header is read only this far from the right
UNKNOWN = "unknown"


def networks(items: Iterable[str]) -> tuple[Network, ...]:
    """``127.0.0.1``, ``10.0.0.0/8``, ``::1`` as networks; ValueError names a wrong one."""
    found = []
    for item in items:
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
    return tuple(found)


def parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def within(address, nets: tuple[Network, ...]) -> bool:
    return address is not None and any(address.version == net.version and address in net for net in nets)


def client_ip(conn: HTTPConnection, trusted: tuple[Network, ...]) -> str:
    """The caller's address as text (the peer's host as given when it is not an IP, e.g. a test client)."""
    peer_text = conn.client.host if conn.client else UNKNOWN
    peer = parse(peer_text)
    if peer is None:
        return peer_text[:64]
    if not within(peer, trusted):
        return str(peer)
    header = ",".join(conn.headers.getlist("x-forwarded-for"))
    client = peer
    for hop in reversed([part for part in header.split(",") if part.strip()][-MAX_HOPS:]):
        address = parse(hop)
        if address is None:  # not an address: stop at the last proxy we believe
            break
        client = address
        if not within(address, trusted):
            break
    return str(client)
