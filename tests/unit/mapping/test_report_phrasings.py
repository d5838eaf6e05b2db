"""The report-phrasing corpus (tests/data/report_phrasings.json), scored per concept.

Each entry is a text as radiologists, vascular specialists, pathologists and clinicians write
it, placed in the resource it arrives in (a duplex / CT venography / contrast CT / IVUS /
pathology DiagnosticReport conclusion, a Condition's text or note, an exam Observation's value),
with the findings the input profile v2.3 expects from it. The whole record mapping runs
(`map_record`), so a phrasing is read exactly as in a hook. Every concept must score 100%;
`python tests/unit/mapping/test_report_phrasings.py` prints the per-concept table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cds_hooks.guideline.findings import Concept, PatientRecord, Side
from fhir_mapping.record import map_record

CORPUS = Path(__file__).resolve().parents[2] / "data" / "report_phrasings.json"
PATIENT = "p1"
SUBJECT = {"reference": f"Patient/{PATIENT}"}
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"

_REPORT_CODES: dict[str, dict[str, Any]] = {
    "duplex-left": {"coding": [{"system": LOINC, "code": "39432-0"}],
                    "text": "US venous duplex, left lower extremity"},
    "duplex-right": {"coding": [{"system": LOINC, "code": "39443-7"}],
                     "text": "US venous duplex, right lower extremity"},
    "duplex-bilateral": {"coding": [{"system": LOINC, "code": "39420-5"}],
                         "text": "US venous duplex, bilateral lower extremities"},
    "ctv": {"coding": [{"system": SNOMED, "code": "431676002"}], "text": "CT venography"},
    "mrv": {"coding": [{"system": LOINC, "code": "36789-6"}], "text": "MR venography pelvis"},
    "ct-pelvis": {"coding": [{"system": SNOMED, "code": "74710000"}],
                  "text": "CT abdomen and pelvis with IV contrast"},
    "ivus": {"coding": [{"system": CPT, "code": "37252"}], "text": "Venography with IVUS"},
    "venography-rfa": {"coding": [{"system": LOINC, "code": "26065-3",
                                   "display": "RFA Vein - left Views W contrast IV"}]},
    "pathology": {"coding": [{"system": LOINC, "code": "60567-5"}],
                  "text": "Surgical pathology report"},
}


def resource_of(kind: str, text: str) -> dict[str, Any]:
    """The FHIR resource a phrasing of this kind arrives in."""
    if kind in _REPORT_CODES:
        return {"resourceType": "DiagnosticReport", "id": "r1", "status": "final",
                "code": _REPORT_CODES[kind], "subject": SUBJECT,
                "effectiveDateTime": "2026-11-02T10:15:00Z", "conclusion": text}
    condition: dict[str, Any] = {
        "resourceType": "Condition", "id": "c1", "subject": SUBJECT,
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "recordedDate": "2026-11-01",
    }
    if kind in ("condition", "condition-compression"):
        return {**condition, "code": {"text": text}}
    if kind == "swelling-note":
        return {**condition, "note": [{"text": text}], "code": {"coding": [
            {"system": ICD10, "code": "R22.42",
             "display": "Localized swelling, mass and lump, left lower limb"}]}}
    if kind == "swelling-condition":
        return {**condition, "code": {"coding": [{"system": ICD10, "code": "R22.42"}],
                                      "text": text}}
    if kind == "duplex-observation":
        return {"resourceType": "Observation", "id": "o3", "status": "final",
                "subject": SUBJECT, "effectiveDateTime": "2026-11-02T10:15:00Z",
                "code": _REPORT_CODES["duplex-bilateral"], "valueString": text}
    if kind == "qol-observation":
        return {"resourceType": "Observation", "id": "o2", "status": "final",
                "subject": SUBJECT, "effectiveDateTime": "2026-11-01T10:00:00Z",
                "code": {"coding": [{"system": "urn:iliac-cds:observation",
                                     "code": "edema-qol-impact"}]},
                "valueString": text}
    if kind == "edema-exam":
        return {"resourceType": "Observation", "id": "o1", "status": "final",
                "subject": SUBJECT, "effectiveDateTime": "2026-11-01T10:00:00Z",
                "code": {"coding": [{"system": SNOMED, "code": "102572006",
                                     "display": "Edema of lower extremity"}]},
                "valueString": text}
    raise ValueError(kind)


# ---------------------------------------------------------------- what a record states


def _legs(side: Side) -> tuple[str, ...]:
    if side is Side.BILATERAL:
        return ("left", "right")
    return (side.value,)


def _result(rec: PatientRecord) -> Any:
    results = {s.result.value for s in rec.imaging}
    return results.pop() if len(results) == 1 else sorted(results)


def _per_side(rec: PatientRecord) -> Any:
    by_leg: dict[str, str] = {}
    for study in rec.imaging:
        for leg in _legs(study.side):
            by_leg[leg] = study.result.value
    return by_leg


def _complete(rec: PatientRecord) -> Any:
    states = {s.complete for s in rec.imaging}
    return states.pop() if len(states) == 1 else sorted(states)


def _waveform(rec: PatientRecord, expected: Any) -> Any:
    if isinstance(expected, dict):
        by_leg: dict[str, Any] = {}
        for study in rec.imaging:
            for leg in _legs(study.side):
                by_leg[leg] = study.cfv_waveform.value if study.cfv_waveform else None
        return {leg: by_leg.get(leg) for leg in expected}
    states = {s.cfv_waveform.value if s.cfv_waveform else None for s in rec.imaging}
    return states.pop() if len(states) == 1 else sorted(states, key=str)


def _compression(rec: PatientRecord) -> Any:
    sides = {s.compression_side.value if s.compression_side else None for s in rec.imaging}
    return sides.pop() if len(sides) == 1 else sorted(sides, key=str)


def _level(rec: PatientRecord) -> Any:
    levels = {d.level.value for d in rec.diagnoses if d.concept is Concept.DVT}
    return levels.pop() if len(levels) == 1 else (None if not levels else sorted(levels))


def _stenosis(rec: PatientRecord) -> Any:
    return sorted([s.percent, s.area] for s in rec.ivus_stenoses)


def _reference(rec: PatientRecord) -> Any:
    return sorted(r.mm for r in rec.reference_diameters)


def _behavior(rec: PatientRecord) -> Any:
    states = {b.behavior.value for b in rec.lesion_behaviors}
    return states.pop() if len(states) == 1 else (None if not states else sorted(states))


def _nature(rec: PatientRecord) -> Any:
    return sorted({m.nature.value for m in rec.masses})


def _nature_side(rec: PatientRecord) -> Any:
    return sorted({f"{m.nature.value}:{m.side.value}" for m in rec.masses})


def _ischemia(rec: PatientRecord) -> Any:
    return any(d.concept is Concept.LIMB_ISCHEMIA for d in rec.diagnoses)


def _qol(rec: PatientRecord) -> Any:
    impacts = {i.impact.value for i in rec.impacts}
    return impacts.pop() if len(impacts) == 1 else (None if not impacts else sorted(impacts))


def _swelling_present(rec: PatientRecord) -> Any:
    states = {s.present for s in rec.swellings}
    return states.pop() if len(states) == 1 else (None if not states else sorted(states))


def _extent(rec: PatientRecord) -> Any:
    extents = {s.extent.value for s in rec.swellings}
    return extents.pop() if len(extents) == 1 else sorted(extents)


def _condition_compression(rec: PatientRecord) -> Any:
    sides = {d.side.value for d in rec.diagnoses if d.concept is Concept.ILIAC_COMPRESSION}
    return sides.pop() if len(sides) == 1 else (None if not sides else sorted(sides))


READERS: dict[str, Callable[[PatientRecord, Any], Any]] = {
    "result": lambda rec, _: _result(rec),
    "per_side": lambda rec, _: _per_side(rec),
    "complete": lambda rec, _: _complete(rec),
    "waveform": _waveform,
    "compression": lambda rec, _: _compression(rec),
    "level": lambda rec, _: _level(rec),
    "stenosis": lambda rec, _: _stenosis(rec),
    "reference_mm": lambda rec, _: _reference(rec),
    "behavior": lambda rec, _: _behavior(rec),
    "nature": lambda rec, _: _nature(rec),
    "nature_side": lambda rec, _: _nature_side(rec),
    "ischemia": lambda rec, _: _ischemia(rec),
    "qol": lambda rec, _: _qol(rec),
    "swelling_present": lambda rec, _: _swelling_present(rec),
    "extent": lambda rec, _: _extent(rec),
    "condition_compression": lambda rec, _: _condition_compression(rec),
}


def _entries() -> list[dict[str, Any]]:
    return json.loads(CORPUS.read_text(encoding="utf-8"))


def read(entry: dict[str, Any]) -> dict[str, Any]:
    """What the mapping reads from one phrasing, for each concept the entry expects."""
    rec = map_record([resource_of(entry["kind"], entry["text"])], patient_id=PATIENT)
    return {concept: READERS[concept](rec, expected)
            for concept, expected in entry["expect"].items()}


def _normalized(value: Any) -> Any:
    if isinstance(value, list):  # lists are compared as multisets
        return sorted((_normalized(v) for v in value), key=json.dumps)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def score() -> tuple[dict[str, list[int]], list[str]]:
    """Per concept [right, total], and a line per miss."""
    table: dict[str, list[int]] = {}
    misses: list[str] = []
    for entry in _entries():
        got = read(entry)
        for concept, expected in entry["expect"].items():
            right = _normalized(got[concept]) == _normalized(expected)
            counts = table.setdefault(concept, [0, 0])
            counts[0] += right
            counts[1] += 1
            if not right:
                misses.append(f"{entry['id']} {concept}: expected {expected!r}, read "
                              f"{got[concept]!r} <- {entry['text']!r}")
    return table, misses


def _table(table: dict[str, list[int]]) -> str:
    lines = [f"{'concept':<18}{'right':>7}{'total':>7}"]
    lines += [f"{c:<18}{r:>7}{t:>7}" for c, (r, t) in sorted(table.items())]
    total = [sum(v[0] for v in table.values()), sum(v[1] for v in table.values())]
    lines.append(f"{'all':<18}{total[0]:>7}{total[1]:>7}")
    return "\n".join(lines)


def test_corpus_is_large_and_well_formed() -> None:
    entries = _entries()
    assert len(entries) >= 300
    assert len({e["id"] for e in entries}) == len(entries)
    assert len({(e["kind"], e["text"]) for e in entries}) == len(entries)  # one entry per text
    for entry in entries:
        assert set(entry["expect"]) <= set(READERS), entry["id"]
        resource_of(entry["kind"], entry["text"])  # every kind is known


def test_every_concept_scores_100_percent_on_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    table, misses = score()
    with capsys.disabled():
        print("\nreport phrasing corpus, per concept:\n" + _table(table))
    assert not misses, "\n".join(misses)


if __name__ == "__main__":
    corpus_table, corpus_misses = score()
    print(_table(corpus_table))
    print("\n".join(corpus_misses))
