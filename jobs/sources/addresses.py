"""What kind of network address a host is on, and whether a download may go there.

A redirect is a server telling the poller where to connect next; followed
blindly, a public feed could send it to a service on its own machine or network
(the cloud metadata service at 169.254.169.254, an admin page on 127.0.0.1).
So every request of a download is checked, before connecting, against where the
download began: a host on a non-public address is only reached when the source
itself is on an address of that kind, or when [ingest] allow_private_redirects
says so. Host names are resolved first: a name for 127.0.0.1 is loopback.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Classify = Callable[[IPAddress], str]

PUBLIC = "public"
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # an IPv4 address seen from an IPv6-only host


class AddressError(OSError):
    """A host name that does not resolve (in time); the message says which and why."""


def address_class(address: IPAddress) -> str:
    """'public', or the kind of non-public address: 'loopback', 'private', 'link-local',
    'shared', 'multicast', 'unspecified', 'reserved' or 'special-purpose'."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_class(address.ipv4_mapped)
        if address in _NAT64:
            return address_class(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.is_site_local:
            return "private"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", any(address in net for net in _PRIVATE if net.version == address.version)),
        ("shared", address in _SHARED if address.version == 4 else False),
        ("reserved", address.is_reserved),
        ("special-purpose", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), PUBLIC)


@dataclass(frozen=True)
class HostAddresses:
    """A host and the addresses it resolves to, each with its kind, in resolver order."""

    host: str
    kinds: dict[IPAddress, str]

    def refusal(self, target: HostAddresses) -> str | None:
        """Why a download that began at this host may not connect to ``target``, or None."""
        own = set(self.kinds.values())
        for address, kind in target.kinds.items():
            if kind != PUBLIC and kind not in own:
                where = "" if target.host == str(address) else f" ({address})"
                return f"{target.host}{where} is {_article(kind)} {kind} address"
        return None


def host_addresses(
    host: str, port: int, *, within: float = 10.0, classify: Classify = address_class
) -> HostAddresses:
    """The addresses of ``host`` (an IP literal or a name, resolved with getaddrinfo
    in at most ``within`` seconds). Raises AddressError."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    found = [literal] if literal is not None else _resolved(host, port, within)
    return HostAddresses(host, {address: classify(address) for address in found})


def redirect_refusal(
    source: str,
    target: str,
    *,
    allow_private: bool = False,
    within: float = 10.0,
    classify: Classify = address_class,
) -> str | None:
    """Why a download of the URL ``source`` may not be redirected to ``target``, or None."""
    if allow_private:
        return None
    ends = []
    for url in (source, target):
        parsed = httpx.URL(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        host = parsed.raw_host.decode("ascii")
        ends.append(host_addresses(host, port, within=within, classify=classify))
    return ends[0].refusal(ends[1])


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def _resolved(host: str, port: int, within: float) -> list[IPAddress]:
    """getaddrinfo, given up after ``within`` seconds (the lookup itself may go on in
    its daemon thread until the resolver's own timeout)."""
    found: list[IPAddress] = []
    failed: list[OSError] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            failed.append(exc)
            return
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if address not in found:
                found.append(address)

    thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(max(within, 0.0))
    if thread.is_alive():
        raise AddressError(f"cannot resolve {host} within {within:g} s")
    if failed or not found:
        reason = (failed[0].strerror or str(failed[0])) if failed else "no addresses"
        raise AddressError(f"cannot resolve {host} ({reason})")
    return found
