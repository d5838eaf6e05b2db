"""Fallback reads from the calling EHR's FHIR server when prefetch did not deliver the data.

One pooled `requests.Session` per app keeps TLS connections warm across calls. Cookies are
refused: a session shared by every caller must never carry one EHR user's state into another's
request. The bearer token is a transient secret: it is sent only to the origin of `fhirServer`,
never logged; nor is any exception text that could carry it (only exception types are).
"""

from __future__ import annotations

import http.cookiejar
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from flask import Flask

from cds_hooks import observability
from cds_hooks.config import as_number

logger = logging.getLogger(__name__)

_SESSION_KEY = "cds_fhir_session"
FHIR_JSON = "application/fhir+json"


class FhirFetchError(Exception):
    """The FHIR server could not give usable data; `reason` is safe to show and to log."""

    def __init__(self, reason: str, *, code: str = "incomplete") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def _new_session() -> requests.Session:
    session = requests.Session()
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    session.headers.update({"Accept": FHIR_JSON})
    return session


def init_app(app: Flask) -> None:
    for key in ("FHIR_CONNECT_TIMEOUT", "FHIR_READ_TIMEOUT", "FHIR_TOTAL_TIMEOUT"):
        app.config[key] = as_number(app, key, minimum=0.001)
    app.config["FHIR_MAX_PAGES"] = int(as_number(app, "FHIR_MAX_PAGES", minimum=1))
    app.config["FHIR_PAGE_SIZE"] = int(as_number(app, "FHIR_PAGE_SIZE", minimum=1))
    app.config["FHIR_PARALLEL_FETCHES"] = int(as_number(app, "FHIR_PARALLEL_FETCHES", minimum=1))
    app.extensions[_SESSION_KEY] = _new_session()


def session_for(app: Flask) -> requests.Session:
    session = app.extensions.get(_SESSION_KEY)
    if session is None:  # an app built without api.init_app (unit tests of other modules)
        session = app.extensions[_SESSION_KEY] = _new_session()
    return session


@dataclass(frozen=True)
class FhirClient:
    session: requests.Session
    base_url: str
    access_token: str | None
    connect_timeout: float
    read_timeout: float
    max_pages: int
    # time.monotonic() after which no further request is started: with up to FHIR_MAX_PAGES
    # pages per search, per-request timeouts alone could hold a worker for many minutes
    # after the EHR has given up on the call.
    deadline: float | None = None

    @classmethod
    def for_app(cls, app: Flask, base_url: str, access_token: str | None) -> FhirClient:
        total = app.config.get("FHIR_TOTAL_TIMEOUT")
        return cls(
            session=session_for(app),
            base_url=base_url.rstrip("/") + "/",
            access_token=access_token,
            connect_timeout=float(app.config["FHIR_CONNECT_TIMEOUT"]),
            read_timeout=float(app.config["FHIR_READ_TIMEOUT"]),
            max_pages=int(app.config["FHIR_MAX_PAGES"]),
            deadline=time.monotonic() + float(total) if total else None,
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
            if not self._same_origin(absolute):
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

    def _same_origin(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.base_url)
        return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())

    def _get(self, url: str) -> dict[str, Any]:
        headers = {"Accept": FHIR_JSON}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        connect_timeout, read_timeout = self.connect_timeout, self.read_timeout
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                observability.record_fhir_fetch("timeout")
                raise FhirFetchError(
                    "FHIR fetches took longer than CDS_FHIR_TOTAL_TIMEOUT", code="timeout"
                )
            connect_timeout, read_timeout = (
                min(connect_timeout, remaining),
                min(read_timeout, remaining),
            )
        try:
            response = self.session.get(
                url, headers=headers, timeout=(connect_timeout, read_timeout)
            )
        except requests.Timeout:
            observability.record_fhir_fetch("timeout")
            raise FhirFetchError("FHIR server timed out", code="timeout") from None
        except requests.RequestException as exc:
            observability.record_fhir_fetch("error")
            # The exception text holds the URL (with the patient id); log only its type.
            logger.warning("FHIR fetch failed: %s", type(exc).__name__)
            raise FhirFetchError("FHIR server unreachable", code="transient") from None
        if response.status_code != 200:
            observability.record_fhir_fetch(f"http-{response.status_code}")
            code = "security" if response.status_code in (401, 403) else "incomplete"
            if response.status_code == 404:
                code = "not-found"
            raise FhirFetchError(f"FHIR server answered HTTP {response.status_code}", code=code)
        try:
            body = response.json()
        except ValueError:
            observability.record_fhir_fetch("error")
            raise FhirFetchError("FHIR server sent malformed JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
            observability.record_fhir_fetch("error")
            raise FhirFetchError("FHIR server sent something that is not a FHIR resource")
        observability.record_fhir_fetch("ok")
        return body


def _require_bundle(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("resourceType") != "Bundle":
        raise FhirFetchError("FHIR server answered a search with something other than a Bundle")
    return body


def next_link(bundle: dict[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            if isinstance(url, str) and url:
                return url
    return None
