"""Fallback reads from the calling EHR's FHIR server when prefetch did not deliver the data.

One pooled `requests.Session` per app keeps TLS connections warm across calls (its connections
are guarded: `transport`). The bearer token is a transient secret: it is sent only to the origin
of `fhirServer` (redirects and `next` links elsewhere are refused), never logged; nor is any
exception text that could carry it (only exception types are). Every answer is streamed with a
running count of decompressed bytes, so a gzip bomb or an endless body is cut off, and read
within the call's wall-clock deadline.

What the caller learns of a failure is only that the key "could not be fetched": telling a
timeout from a refused connection or an HTTP status would make the service a port scanner.
The reason goes to the log and to the `fhir_fetch` metric.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests
from flask import Flask

from cds_hooks import observability
from cds_hooks.config import as_bool, as_number
from cds_hooks.fetch import safe_json, transport
from cds_hooks.fetch.origins import OriginPolicy, OriginRefused, parse_allowed, same_origin
from cds_hooks.fetch.transport import FHIR_JSON, CallBudget

logger = logging.getLogger(__name__)

_SESSION_KEY = "cds_fhir_session"
_POLICY_KEY = "cds_fhir_policy"
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
NOT_FETCHED = "could not be fetched"


class FhirFetchError(Exception):
    """The data could not be had. `reason` goes to the log; the caller is told it only when
    `public` (no network was involved, e.g. "no fhirServer given"), else `NOT_FETCHED`."""

    def __init__(self, reason: str, *, code: str = "incomplete", public: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.public = public

    @property
    def shown(self) -> str:
        return self.reason if self.public else NOT_FETCHED


def init_app(app: Flask) -> None:
    for key in ("FHIR_CONNECT_TIMEOUT", "FHIR_READ_TIMEOUT", "FHIR_TOTAL_TIMEOUT"):
        app.config[key] = as_number(app, key, minimum=0.001)
    for key in ("FHIR_MAX_PAGES", "FHIR_PAGE_SIZE", "FHIR_PARALLEL_FETCHES"):
        app.config[key] = int(as_number(app, key, minimum=1))
    app.config["FHIR_MAX_RESPONSE_BYTES"] = int(
        as_number(app, "FHIR_MAX_RESPONSE_BYTES", minimum=1024)
    )
    app.config["FHIR_MAX_RESOURCES"] = int(as_number(app, "FHIR_MAX_RESOURCES", minimum=1))
    wildcard, listed = parse_allowed(app.config.get("FHIR_ALLOWED_ORIGINS"))
    app.extensions[_POLICY_KEY] = OriginPolicy(
        any_origin=wildcard,
        listed=listed,
        # Decision (README): with `*`, loopback FHIR servers only while JWT checks are off.
        loopback_with_any=not as_bool(app, "REQUIRE_JWT"),
    )
    app.extensions[_SESSION_KEY] = transport.new_session()


def session_for(app: Flask) -> requests.Session:
    session = app.extensions.get(_SESSION_KEY)
    if session is None:  # an app built without api.init_app (unit tests of other modules)
        session = app.extensions[_SESSION_KEY] = transport.new_session()
    return session


def base_policy(app: Flask) -> OriginPolicy:
    policy = app.extensions.get(_POLICY_KEY)
    if policy is None:
        policy = app.extensions[_POLICY_KEY] = OriginPolicy(any_origin=True)
    return policy


def new_budget(app: Flask, policy: OriginPolicy) -> CallBudget:
    return CallBudget(
        total_seconds=float(app.config["FHIR_TOTAL_TIMEOUT"]),
        policy=policy,
        max_response_bytes=int(app.config.get("FHIR_MAX_RESPONSE_BYTES", 32 * 1024 * 1024)),
        max_resources=int(app.config.get("FHIR_MAX_RESOURCES", 50_000)),
    )


@dataclass(frozen=True)
class FhirClient:
    session: requests.Session
    base_url: str
    access_token: str | None
    connect_timeout: float
    read_timeout: float
    max_pages: int
    budget: CallBudget

    @classmethod
    def for_app(
        cls, app: Flask, base_url: str, access_token: str | None, budget: CallBudget
    ) -> FhirClient:
        return cls(
            session=session_for(app),
            base_url=base_url.rstrip("/") + "/",
            access_token=access_token,
            connect_timeout=float(app.config["FHIR_CONNECT_TIMEOUT"]),
            read_timeout=float(app.config["FHIR_READ_TIMEOUT"]),
            max_pages=int(app.config["FHIR_MAX_PAGES"]),
            budget=budget,
        )

    def __repr__(self) -> str:  # the dataclass repr would print the token
        return f"FhirClient(base_url={self.base_url!r})"

    def read(self, relative_url: str) -> dict[str, Any]:
        """GET one resource (e.g. `Patient/123`)."""
        return self._get(urljoin(self.base_url, relative_url))

    def search(self, relative_url: str) -> list[dict[str, Any]]:
        """GET a search and every following page; return the searchset Bundles in order."""
        first = _require_bundle(self._get(urljoin(self.base_url, relative_url)))
        return self.continue_search(first, pages=1)

    def continue_search(self, bundle: dict[str, Any], *, pages: int = 0) -> list[dict[str, Any]]:
        """Follow the `next` links of a searchset Bundle (ours or a prefetched one).

        `pages` is how many pages of this search we already fetched. A search with more pages
        than allowed is an error, not a silent truncation: missing records can turn into a
        wrong card.
        """
        bundles = [bundle]
        seen: set[str] = set()
        while (url := next_link(bundle)) is not None:
            absolute = urljoin(self.base_url, url)
            if not same_origin(absolute, self.base_url):
                # The token may only go to the server the EHR named; a next link elsewhere is
                # a misconfiguration or an attempt to harvest it.
                raise FhirFetchError("a search next link points outside fhirServer")
            if absolute in seen:
                raise FhirFetchError("search paging loops back to an earlier page")
            seen.add(absolute)
            pages += 1
            if pages > self.max_pages:
                raise FhirFetchError(
                    f"search has more than {self.max_pages} pages", code="too-costly"
                )
            bundle = _require_bundle(self._get(absolute))
            bundles.append(bundle)
        return bundles

    def _get(self, url: str) -> dict[str, Any]:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                self.budget.policy.check_url(url)
            except OriginRefused as exc:
                raise _failed("error", f"origin refused ({exc})") from None
            with transport.spending(self.budget):
                location = self._get_once(url)
            if isinstance(location, dict):
                return location
            target = urljoin(url, location)
            if not same_origin(target, url):
                raise _failed("error", "FHIR server redirected to another origin")
            url = target
        raise _failed("error", f"FHIR server redirected more than {MAX_REDIRECTS} times")

    def _timeouts(self) -> tuple[float, float]:
        remaining = self.budget.remaining()
        if self.budget.expired():
            raise _failed("timeout", "FHIR fetches took longer than CDS_FHIR_TOTAL_TIMEOUT")
        return min(self.connect_timeout, remaining), min(self.read_timeout, remaining)

    def _get_once(self, url: str) -> dict[str, Any] | str:
        """The resource, or the redirect target of a 3xx."""
        headers = {"Accept": FHIR_JSON}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        try:
            response = self.session.get(
                url,
                headers=headers,
                timeout=self._timeouts(),
                stream=True,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise _failed("timeout", "FHIR server timed out") from None
        except requests.RequestException as exc:
            raise self._network_failure(exc) from None
        sock = transport.socket_of(response)
        try:
            if response.status_code in _REDIRECTS and response.headers.get("Location"):
                return response.headers["Location"]
            if response.status_code != 200:
                code = "security" if response.status_code in (401, 403) else "incomplete"
                code = "not-found" if response.status_code == 404 else code
                raise _failed(
                    f"http-{response.status_code}",
                    f"FHIR server answered HTTP {response.status_code}",
                    code,
                )
            raw = self._read_body(response)
        finally:
            # Unregistered first, so that an abort can never reach a socket that another call
            # gets from the pool; a fully read answer returns its connection to the pool.
            self.budget.release(sock)
            response.close()
        return _parse(raw)

    def _read_body(self, response: requests.Response) -> bytearray:
        limit = self.budget.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if (
            declared.isdigit()
            and int(declared) > limit
            and not response.headers.get("Content-Encoding")
        ):
            raise _failed("too-large", "FHIR answer larger than CDS_FHIR_MAX_RESPONSE_BYTES")
        body = bytearray()
        try:
            # Decoded chunks: urllib3 (>= 2.6) inflates gzip/deflate a bounded step at a time,
            # so the count below is of the decompressed stream and stops a bomb early.
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > limit:
                    raise _failed(
                        "too-large", "FHIR answer larger than CDS_FHIR_MAX_RESPONSE_BYTES"
                    )
                if not self.budget.take_bytes(len(chunk)):
                    raise _failed(
                        "too-large", "FHIR answers of one call over 2 x CDS_FHIR_MAX_RESPONSE_BYTES"
                    )
                if self.budget.expired():
                    raise _failed("timeout", "FHIR answer not read within the deadline")
        except requests.RequestException as exc:
            raise self._network_failure(exc) from None
        if self.budget.aborted:
            raise _failed("timeout", "FHIR answer not read within the deadline")
        return body

    def _network_failure(self, exc: Exception) -> FhirFetchError:
        if self.budget.expired():
            return _failed("timeout", "FHIR fetches took longer than CDS_FHIR_TOTAL_TIMEOUT")
        inner = exc.args[0] if exc.args else None
        if isinstance(getattr(inner, "reason", inner), transport.AddressRefused):
            return _failed("refused", "FHIR server address is not allowed")
        # The exception text holds the URL (with the patient id); log only its type.
        logger.warning("FHIR fetch failed: %s", type(exc).__name__)
        return _failed("error", "FHIR server unreachable", "transient")


def _failed(outcome: str, reason: str, code: str = "incomplete") -> FhirFetchError:
    observability.record_fhir_fetch(outcome if outcome != "too-large" else "error")
    if outcome == "timeout":
        code = "timeout"
    elif outcome == "too-large":
        code = "too-costly"
    return FhirFetchError(reason, code=code)


def _parse(raw: bytearray) -> dict[str, Any]:
    try:
        body = safe_json.loads(raw)
    except ValueError:
        raise _failed("error", "FHIR server sent malformed JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
        raise _failed("error", "FHIR server sent something that is not a FHIR resource")
    observability.record_fhir_fetch("ok")
    return body


def _require_bundle(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("resourceType") != "Bundle":
        raise FhirFetchError("FHIR server answered a search with something other than a Bundle")
    return body


def next_link(bundle: dict[str, Any]) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            if isinstance(url, str) and url:
                return url
    return None
