"""Where fallback fetches may go (cds_hooks.fetch.origins): by name before connecting, by the
address actually connected to after DNS."""

from __future__ import annotations

import pytest

from cds_hooks.config import Origin, parse_origin
from cds_hooks.fetch.origins import OriginPolicy, OriginRefused, parse_allowed

FHIR = Origin("https", "fhir.example.org", 443)
LOCAL = Origin("http", "127.0.0.1", 8081)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://FHIR.example.org", FHIR),
        ("https://fhir.example.org:443/", FHIR),
        ("http://[::1]:8080", Origin("http", "::1", 8080)),
        ("http://fhir.example.org.", Origin("http", "fhir.example.org", 80)),
    ],
)
def test_origins_are_normalised(text: str, expected: Origin) -> None:
    assert parse_origin(text) == expected


@pytest.mark.parametrize(
    "text", ["fhir.example.org", "ftp://x.org", "https://x.org/r4", "https://u:p@x.org", "http://"]
)
def test_not_an_origin(text: str) -> None:
    with pytest.raises(ValueError):
        parse_origin(text)


def test_the_setting_parses_star_and_lists() -> None:
    assert parse_allowed("*") == (True, frozenset())
    assert parse_allowed(" https://fhir.example.org , http://127.0.0.1:8081 ") == (
        False,
        frozenset({FHIR, LOCAL}),
    )


@pytest.mark.parametrize(
    "peer",
    [
        "169.254.169.254",
        "169.254.0.1",
        "fe80::1",
        "fd00:ec2::254",
        "100.100.100.200",
        "::ffff:169.254.169.254",  # IPv4-mapped
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "not an address",
    ],
)
def test_forbidden_addresses_are_refused_whatever_the_setting(peer: str) -> None:
    listed = OriginPolicy(any_origin=True, listed=frozenset({FHIR}), loopback_with_any=True)
    assert not listed.address_allowed(FHIR, peer, 443)


def test_loopback_only_when_listed_or_while_jwt_is_off() -> None:
    strict = OriginPolicy(any_origin=True)
    assert not strict.address_allowed(FHIR, "127.0.0.1", 443)
    assert not strict.address_allowed(FHIR, "::1", 443)
    assert not strict.address_allowed(FHIR, "::ffff:127.0.0.1", 443)
    assert OriginPolicy(any_origin=True, listed=frozenset({LOCAL})).address_allowed(
        LOCAL, "127.0.0.1", 8081
    )
    assert OriginPolicy(any_origin=True, loopback_with_any=True).address_allowed(
        FHIR, "127.0.0.1", 443
    )
    # Private ranges are where hospital FHIR servers live: allowed by `*`.
    assert strict.address_allowed(FHIR, "10.1.2.3", 443)
    assert strict.address_allowed(FHIR, "192.168.1.10", 443)


def test_never_the_service_itself() -> None:
    policy = OriginPolicy(any_origin=True, loopback_with_any=True).for_call(
        own_origins=frozenset({Origin("http", "cds.example.org", 80)}),
        own_ports=frozenset({8080}),
        own_ips=frozenset({"10.0.0.5"}),
        issuer_origins=None,
    )
    with pytest.raises(OriginRefused, match="own"):
        policy.check_url("http://cds.example.org/metrics")
    with pytest.raises(OriginRefused, match="own"):
        policy.check_url("http://localhost:8080/fhir")
    assert not policy.address_allowed(FHIR, "127.0.0.1", 8080)
    assert not policy.address_allowed(FHIR, "10.0.0.5", 8080)
    assert policy.address_allowed(FHIR, "10.0.0.5", 8443)
    assert policy.address_allowed(FHIR, "127.0.0.1", 8081)


def test_issuer_fhir_servers_narrow_and_never_widen() -> None:
    other = Origin("https", "other.example.org", 443)
    policy = OriginPolicy(any_origin=False, listed=frozenset({FHIR})).for_call(
        own_origins=frozenset(), own_ports=frozenset(), issuer_origins=frozenset({FHIR, other})
    )
    assert policy.check_url("https://fhir.example.org/r4") == FHIR
    with pytest.raises(OriginRefused):
        policy.check_url("https://other.example.org/r4")  # the issuer lists it, the app not
    assert "fhirServers" in policy.setting
    narrowed = OriginPolicy(any_origin=True).for_call(
        own_origins=frozenset(), own_ports=frozenset(), issuer_origins=frozenset({other})
    )
    with pytest.raises(OriginRefused, match="issuer"):
        narrowed.check_url("https://fhir.example.org/r4")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.google.internal./x",
        "http://[fe80::a9fe:a9fe]/x",
        "gopher://fhir.example.org/",
    ],
)
def test_refused_by_name_before_any_connection(url: str) -> None:
    with pytest.raises(OriginRefused):
        OriginPolicy(any_origin=True, loopback_with_any=True).check_url(url)
