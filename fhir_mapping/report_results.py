"""DiagnosticReports read together with the Observations their `result` references: the
results' text is appended to the report's conclusion, and an undated result takes the
report's date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import reports
from .fhir_types import as_list
from .reading import lenient
from .record_entries import Raw, _Entry, _key

_REPORT_WHEN_KEYS = ("effectiveDateTime", "effectivePeriod", "issued")
_OBSERVATION_WHEN_KEYS = ("effectiveDateTime", "effectivePeriod", "effectiveInstant",
                          "effectiveTiming", "issued")


def _link_report_results(entries: list[_Entry]) -> list[_Entry]:
    """DiagnosticReports with the Observations their `result` references, as EHRs send them.

    Epic and Oracle Health often put a report's impression in a result Observation's
    `valueString` rather than in `conclusion`, and an IVUS report's measurements in result
    Observations that carry no date of their own. The impression text is appended to the
    report's conclusion, and an undated result Observation takes the report's date. Copies
    are made; the caller's resources are never changed.
    """
    observations: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry.resource.get("resourceType") != "Observation":
            continue
        key = _key(entry.resource)
        if key:
            observations[key] = index
        if entry.full_url:
            observations[entry.full_url] = index
    if not observations:
        return entries
    linked = list(entries)
    for position, entry in enumerate(entries):
        report = entry.resource
        results = report.get("result")
        if report.get("resourceType") != "DiagnosticReport" or not isinstance(results, list):
            continue
        # Lab panels (most reports) only lend their date; only imaging reports read the text.
        with lenient():  # an unreadable code is the report converter's to report
            wants_text = reports.relevant(report)
        texts: list[str] = []
        when = {k: report[k] for k in _REPORT_WHEN_KEYS if k in report}
        for ref in results:
            target = str(ref.get("reference") or "") if isinstance(ref, Mapping) else ""
            index = observations.get(target)
            if index is None and target.count("/") > 1:
                index = observations.get("/".join(target.rstrip("/").split("/")[-2:]))
            if index is None:
                continue
            observation = linked[index].resource
            line = _result_line(observation) if wants_text else ""
            if line:
                texts.append(line)
            if when and not any(k in observation for k in _OBSERVATION_WHEN_KEYS):
                linked[index] = _Entry({**observation, **when}, linked[index].full_url,
                                       linked[index].nested)
        if texts:
            conclusion = report.get("conclusion")
            parts = [conclusion] if isinstance(conclusion, str) and conclusion else []
            linked[position] = _Entry({**report, "conclusion": ".\n".join([*parts, *texts])},
                                      entry.full_url, entry.nested)
    return linked


_LOCAL_SYSTEM = "urn:iliac-cds:observation"
_MAX_RESULT_LINE = 2000


def _result_line(observation: Raw) -> str:
    """A result Observation as a report line: "Percent diameter stenosis: 72 %".

    Epic/Cerner IVUS and duplex reports carry their measurements and impressions as result
    Observations with local codes; as text they are read like the report's own. Observations
    with this project's local codes map by themselves and are left out (no double count).
    """
    code = observation.get("code")
    if not isinstance(code, Mapping):
        return ""
    coding = [c for c in as_list(code.get("coding")) if isinstance(c, Mapping)]
    if any(c.get("system") == _LOCAL_SYSTEM for c in coding):
        return ""
    name = code.get("text") or next((c.get("display") for c in coding if c.get("display")), "")
    value: Any = observation.get("valueString")
    quantity = observation.get("valueQuantity")
    concept = observation.get("valueCodeableConcept")
    if not value and isinstance(quantity, Mapping) and quantity.get("value") is not None:
        unit = quantity.get("unit") or quantity.get("code") or ""
        value = f"{quantity.get('comparator') or ''}{quantity['value']} {unit}".strip()
    if not value and isinstance(concept, Mapping):
        value = concept.get("text") or next(
            (c.get("display") for c in as_list(concept.get("coding"))
             if isinstance(c, Mapping) and c.get("display")), "")
    if not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
        return ""
    line = f"{name}: {value}" if isinstance(name, str) and name else str(value)
    return line.strip()[:_MAX_RESULT_LINE]
