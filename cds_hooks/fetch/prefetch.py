"""Prefetch resolution: turn a request's prefetch plus fallback fetches into `PatientData`.

Per key of the service's templates (CDS Hooks 2.0.1 §Providing FHIR Resources):
- a resource or Bundle is used (a paginated Bundle is completed through fhirServer);
- `null` means "no data" and still counts as retrieved;
- an absent key or an OperationOutcome means the client did not satisfy it: we fetch it.
When data can be had neither way the call fails with 412 naming the key, because deciding on
a partial record could produce a wrong card.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Callable, Mapping, Set
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Protocol
from urllib.parse import quote

from flask import Flask

from cds_hooks.errors import ApiError
from cds_hooks.fetch.fhir_client import FhirClient, FhirFetchError, next_link
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.service_catalog import ServiceDefinition

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
# user identifier tokens (2.0) -> resource type the context's userId must name
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}


_ABSENT: Any = object()  # a prefetch key the client did not send


class UnresolvableTemplate(ValueError):
    """A template token has no value in this hook context."""


def render_template(template: str, context: Mapping[str, Any]) -> str:
    """Fill `{{context.x}}` and user-identifier tokens, URL-encoding each value."""

    def value_of(match: re.Match[str]) -> str:
        token = match.group(1)
        if token.startswith("context."):
            value = context.get(token.removeprefix("context."))
            # Only root-level primitive context fields may be tokens.
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise UnresolvableTemplate(token)
            return quote(str(value), safe="")
        if token in _USER_TOKENS:
            kind, _, user_id = str(context.get("userId", "")).partition("/")
            if kind != _USER_TOKENS[token] or not user_id:
                raise UnresolvableTemplate(token)
            return quote(user_id, safe="")
        raise UnresolvableTemplate(token)

    return _TOKEN.sub(value_of, template)


def _is_search(template: str) -> bool:
    return "?" in template


def _is_operation_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def search_failed(bundle: Any) -> bool:
    """A searchset that carries an OperationOutcome entry of severity error/fatal: the server
    (or the EHR's prefetch) says the result is incomplete. Warnings and information are not."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return False
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if _is_operation_outcome(resource):
            for issue in resource.get("issue") or []:
                if isinstance(issue, dict) and issue.get("severity") in {"error", "fatal"}:
                    return True
    return False


def flatten(key: str, value: dict[str, Any]) -> list[dict[str, Any]]:
    """Resources of a Bundle (entries without a resource skipped), or the resource itself."""
    if value.get("resourceType") != "Bundle":
        return [value]
    resources: list[dict[str, Any]] = []
    for entry in value.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if _is_operation_outcome(resource):
            # A searchset may report warnings (search.mode "outcome"); they are not patient data.
            logger.warning("prefetch %s: the search reported an OperationOutcome", key)
            continue
        resources.append(resource)
    return resources


class HookCall(Protocol):
    """What resolution reads of a validated hook request (`cds_hooks.http.models.CdsRequest`)."""

    @property
    def prefetch(self) -> Mapping[str, Any] | None: ...

    @property
    def fhirServer(self) -> str | None: ...  # noqa: N802 - the CDS Hooks field name

    @property
    def access_token(self) -> str | None: ...


def _unavailable(key: str, reason: str, code: str = "incomplete") -> ApiError:
    return ApiError(412, f"prefetch '{key}' unavailable: {reason}", code)


def resolve(
    app: Flask, service: ServiceDefinition, request: HookCall, context: Mapping[str, Any]
) -> PatientData:
    prefetch = request.prefetch or {}
    client = (
        FhirClient.for_app(app, request.fhirServer, request.access_token)
        if request.fhirServer
        else None
    )
    jobs: dict[str, Callable[[], list[dict[str, Any]]]] = {}
    remote: set[str] = set()  # keys whose job talks to the FHIR server
    for key, template in service.prefetch.items():
        given = prefetch.get(key, _ABSENT)
        if given is None:
            jobs[key] = list  # "no data", and still retrieved
        elif given is _ABSENT or _is_operation_outcome(given) or search_failed(given):
            # P9: an OperationOutcome (alone, or as an error inside the searchset) means the
            # client could not satisfy the key; deciding on what it did send could miss data.
            jobs[key] = partial(
                _fetch, key, template, context, client, int(app.config.get("FHIR_PAGE_SIZE", 100))
            )
            remote.add(key)
        elif isinstance(given, dict) and isinstance(given.get("resourceType"), str):
            _check_read_target(key, template, given, context)
            jobs[key] = partial(_complete, key, given, client)
            if given.get("resourceType") == "Bundle" and next_link(given) is not None:
                remote.add(key)
        else:
            raise ApiError(400, f"prefetch.{key} must be a FHIR resource or null", "invalid")

    outcomes = _run(jobs, remote, int(app.config.get("FHIR_PARALLEL_FETCHES", 1)))
    resources: list[dict[str, Any]] = []
    for key in jobs:  # template order, whatever order the fetches finished in
        outcome = outcomes[key]
        if isinstance(outcome, FhirFetchError):
            logger.warning("prefetch %s: %s", key, outcome.reason)
            raise _unavailable(key, outcome.reason, outcome.code)
        resources.extend(outcome)
    return PatientData(resources=resources, retrieved=frozenset(jobs))


def _check_read_target(
    key: str, template: str, given: dict[str, Any], context: Mapping[str, Any]
) -> None:
    """A prefetched read must be the resource its template names: deciding on another
    patient's record is the worst mistake a CDS service can make."""
    if _is_search(template) or given.get("resourceType") == "Bundle" or "id" not in given:
        return
    try:
        expected = render_template(template, context)
    except UnresolvableTemplate:
        return
    actual = f"{given['resourceType']}/{quote(str(given['id']), safe='')}"
    if actual != expected:
        # The message names the key only: ids are patient data.
        raise ApiError(400, f"prefetch.{key} is not the resource in the hook context", "invalid")


_Outcome = list[dict[str, Any]] | FhirFetchError


def _attempt(job: Callable[[], list[dict[str, Any]]]) -> _Outcome:
    try:
        return job()
    except FhirFetchError as exc:
        return exc


def _run(
    jobs: Mapping[str, Callable[[], list[dict[str, Any]]]], remote: Set[str], workers: int
) -> dict[str, _Outcome]:
    """Run the jobs, fetches (the `remote` keys) side by side: the spec asks for answers in
    about 500 ms, and eleven sequential round trips to an EHR would not make it.

    Jobs that only read the prefetch run inline: starting threads for them cost more than the
    work itself (a fully prefetched call fetches nothing and starts no thread)."""
    outcomes = {key: _attempt(job) for key, job in jobs.items() if key not in remote}
    fetches = {key: job for key, job in jobs.items() if key in remote}
    if workers <= 1 or len(fetches) <= 1:
        outcomes.update((key, _attempt(job)) for key, job in fetches.items())
        return outcomes
    with ThreadPoolExecutor(max_workers=min(workers, len(fetches))) as pool:
        # Each task gets its own copy of the context, so that the Flask app/request context
        # (metrics, log correlation on hookInstance) is visible in the worker thread.
        futures = {
            key: pool.submit(contextvars.copy_context().run, _attempt, job)
            for key, job in fetches.items()
        }
        outcomes.update((key, future.result()) for key, future in futures.items())
    return outcomes


def with_page_size(url: str, page_size: int) -> str:
    """Add `_count` to one of our own searches unless the template sets it.

    Only fallback searches get it: the discovery templates stay exactly as published. Servers
    default to small pages (often 20-50); asking for more cuts the round trips of a long record
    several-fold, and a server may lower the value (it never makes the result incomplete,
    `next` links are still followed).
    """
    if re.search(r"[?&]_count=", url):
        return url
    return f"{url}&_count={page_size}" if "?" in url else f"{url}?_count={page_size}"


def _fetch(
    key: str,
    template: str,
    context: Mapping[str, Any],
    client: FhirClient | None,
    page_size: int = 100,
) -> list[dict[str, Any]]:
    if client is None:
        raise FhirFetchError("not prefetched and no fhirServer given")
    try:
        url = render_template(template, context)
    except UnresolvableTemplate as exc:
        raise FhirFetchError(f"template token {exc.args[0]!r} has no value") from None
    if _is_search(template):
        resources: list[dict[str, Any]] = []
        for bundle in client.search(with_page_size(url, page_size)):
            _require_complete(bundle)
            resources.extend(flatten(key, bundle))
        return resources
    resource = client.read(url)
    if _is_operation_outcome(resource):
        raise FhirFetchError("FHIR server answered with an OperationOutcome")
    return flatten(key, resource)


def _require_complete(bundle: dict[str, Any]) -> None:
    if search_failed(bundle):
        raise FhirFetchError("the FHIR server reported an error inside the search result")


def _complete(key: str, given: dict[str, Any], client: FhirClient | None) -> list[dict[str, Any]]:
    if given.get("resourceType") != "Bundle" or next_link(given) is None:
        return flatten(key, given)
    if client is None:
        # The client paginated the prefetch; without fhirServer the rest cannot be had, and a
        # partial record is not a safe basis for a card.
        raise FhirFetchError("prefetched Bundle has more pages and no fhirServer was given")
    resources: list[dict[str, Any]] = []
    for bundle in client.continue_search(given):
        _require_complete(bundle)
        resources.extend(flatten(key, bundle))
    return resources
