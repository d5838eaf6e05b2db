"""Where fallback fetches may go: `CDS_FHIR_ALLOWED_ORIGINS`, narrowed per issuer.

`fhirServer` is caller-supplied: without a policy the service is a server-side request forgery
tool (its own `/metrics`, any loopback port, the cloud metadata service). Two checks:
- by name, before any connection (`check_url`): the origin must be allowed, never the service's
  own, never a metadata host name or a literal forbidden address;
- by address, on every connection (`address_allowed`, called with the peer address actually
  connected to): a host name that resolves (or is re-bound) to a forbidden address is refused
  before a byte of the request is sent.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from cds_hooks.config import ConfigError, Origin, env_name, parse_origin

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Link-local (the AWS/GCP/Azure/OpenStack metadata address 169.254.169.254 sits there), the AWS
# IPv6 metadata address, Alibaba's metadata address, "this network", multicast and broadcast:
# refused whatever the setting says.
FORBIDDEN_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",
        "fe80::/10",
        "fd00:ec2::254/128",
        "100.100.100.200/32",
        "0.0.0.0/8",
        "::/128",
        "224.0.0.0/4",
        "ff00::/8",
        "255.255.255.255/32",
    )
)
FORBIDDEN_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OriginRefused(Exception):
    """The URL's origin may not be fetched from; the message names no address."""


def embedded_ipv4(ip: IpAddress) -> IpAddress:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), else the address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def is_forbidden_address(ip: IpAddress) -> bool:
    return any(embedded_ipv4(ip) in net or ip in net for net in FORBIDDEN_NETWORKS)


def literal_ip(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_forbidden_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    ip = literal_ip(host)
    return host in FORBIDDEN_HOSTS if ip is None else is_forbidden_address(ip)


def parse_allowed(raw: Any) -> tuple[bool, frozenset[Origin]]:
    """`CDS_FHIR_ALLOWED_ORIGINS`: `*` or comma-separated origins -> (any, listed)."""
    name = env_name("FHIR_ALLOWED_ORIGINS")
    if isinstance(raw, list | tuple):
        raw = ",".join(str(item) for item in raw)
    if not isinstance(raw, str):
        raise ConfigError(f"{name} must be * or comma-separated scheme://host[:port] origins")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ConfigError(f"{name} is empty: set * or the EHR FHIR origins")
    listed: set[Origin] = set()
    wildcard = False
    for item in items:
        if item == "*":
            wildcard = True
            continue
        try:
            origin = parse_origin(item)
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
        if is_forbidden_host(origin.host):
            raise ConfigError(f"{name}: {item} is a link-local or metadata address, never allowed")
        listed.add(origin)
    return wildcard, frozenset(listed)


@dataclass(frozen=True)
class OriginPolicy:
    any_origin: bool  # `*`
    listed: frozenset[Origin] = frozenset()
    # With `*`: may loopback addresses be fetched from without being listed? Only with JWT
    # checks off (local development, the sandbox on the same machine, tests).
    loopback_with_any: bool = False
    # Per-issuer `fhirServers` (CDS_JWT_ISSUERS): when set, only these (and only if the
    # global setting allows them too).
    issuer_origins: frozenset[Origin] | None = None
    own_origins: frozenset[Origin] = frozenset()
    own_ports: frozenset[int] = field(default_factory=frozenset)
    own_ips: frozenset[str] = frozenset()  # the local address the current request came in on
    setting: str = "CDS_FHIR_ALLOWED_ORIGINS"

    def for_call(
        self,
        *,
        own_origins: frozenset[Origin],
        own_ports: frozenset[int],
        own_ips: frozenset[str] = frozenset(),
        issuer_origins: frozenset[Origin] | None,
    ) -> OriginPolicy:
        setting = self.setting
        if issuer_origins is not None:
            setting = f"{self.setting} / {env_name('JWT_ISSUERS')} fhirServers"
        return replace(
            self,
            own_origins=own_origins,
            own_ports=own_ports,
            own_ips=own_ips,
            issuer_origins=issuer_origins,
            setting=setting,
        )

    def explicitly_listed(self, origin: Origin) -> bool:
        if self.issuer_origins is not None and origin in self.issuer_origins:
            return self.any_origin or origin in self.listed
        return origin in self.listed

    def check_url(self, url: str) -> Origin:
        """The URL's origin if fetching from it is allowed by name; `OriginRefused` if not."""
        try:
            origin = parse_origin(url, path_allowed=True)
        except ValueError:
            raise OriginRefused("not an http(s) URL") from None
        if is_forbidden_host(origin.host):
            raise OriginRefused("a link-local or metadata address")
        if origin in self.own_origins:
            raise OriginRefused("the service's own origin")
        if self.issuer_origins is not None and origin not in self.issuer_origins:
            raise OriginRefused("not among the issuer's fhirServers")
        if not (self.any_origin or origin in self.listed):
            raise OriginRefused("not an allowed origin")
        ip = literal_ip(origin.host)
        if (ip is not None and ip.is_loopback) or origin.host == "localhost":
            if not (self.explicitly_listed(origin) or self.loopback_with_any):
                raise OriginRefused("loopback is allowed only when listed")
            if origin.port in self.own_ports:
                raise OriginRefused("the service's own origin")
        return origin

    def address_allowed(self, origin: Origin, peer: str, port: int) -> bool:
        """May a connection made for `origin` to the peer address `peer` carry a request?"""
        ip = literal_ip(peer.split("%")[0])
        if ip is None or is_forbidden_address(ip):
            return False
        ip = embedded_ipv4(ip)
        if ip.is_unspecified:
            return False
        if port in self.own_ports and (ip.is_loopback or str(ip) in self.own_ips):
            return False  # the service itself (its /metrics, its own endpoints)
        if ip.is_loopback:
            return self.explicitly_listed(origin) or self.loopback_with_any
        return True


def same_origin(a: str, b: str) -> bool:
    try:
        return parse_origin(a, path_allowed=True) == parse_origin(b, path_allowed=True)
    except ValueError:
        return False


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
