"""The catalog's "Thrombolysis contraindicated" pathway state (v2.2; beyond the seed).

Catalog: "Thrombolysis contraindicated (ESC 2019 acute PE guideline, absolute contraindications
to fibrinolysis, doi:10.1093/eurheartj/ehz405): anticoagulation contraindicated; an intracranial
hemorrhage or stroke of unknown type recorded at any time; ischemic stroke (I63.x, SNOMED
422504002) within 180 days; a CNS neoplasm (C70-C72, C79.3, D33.x, D43.x) not resolved; major
surgery, major trauma or head injury within 21 days [...]; a bleeding diathesis (D65, D66, D67,
D68.0-D68.2, D68.3x, D68.4, D69.3-D69.6 active). Each window is a setting. A card or order
warning that relies on it names the finding."

ESC 2019 (Konstantinides et al., Eur Heart J 2020;41:543-603), absolute contraindications to
fibrinolysis: "History of haemorrhagic stroke or stroke of unknown origin; ischaemic stroke in
previous 6 months; central nervous system neoplasm; major trauma, surgery, or head injury in
previous 3 weeks; bleeding diathesis; active bleeding".

Refuted and entered-in-error records never reach the guideline. A merely suspected
(provisional, differential, unconfirmed) finding counts here and is named as suspected: the
question a thrombolytic order asks is whether the bleeding risk has been excluded, and a
suspected intracranial bleed has not been.
"""

from __future__ import annotations

from datetime import datetime

from cds_hooks.guideline.clinical_status import cite, status_note
from cds_hooks.guideline.dates import within
from cds_hooks.guideline.findings import Concept, Diagnosis, PatientRecord
from cds_hooks.guideline.recommendation import Evidence
from cds_hooks.guideline.settings import GuidelineSettings

SOURCE_KEY = "ESC2019"

# "at any time", in any clinical status: a resolved intracranial bleed is still a history of one.
ANY_TIME = {
    Concept.INTRACRANIAL_HEMORRHAGE: "Intracranial hemorrhage",
    Concept.STROKE_UNKNOWN_TYPE: "Stroke of unknown type",
}
# Current (not resolved) findings, whatever their date.
WHILE_ACTIVE = {
    Concept.CNS_NEOPLASM: "CNS neoplasm",
    Concept.BLEEDING_DIATHESIS: "Bleeding diathesis",
}
TEXT = {
    **ANY_TIME,
    **WHILE_ACTIVE,
    Concept.ISCHEMIC_STROKE: "Ischemic stroke",
    Concept.MAJOR_SURGERY: "Major surgery",
    Concept.HEAD_INJURY: "Head injury",
    Concept.TRAUMA: "Trauma",
}
MAX_DISPLAY = 60  # a code display longer than this is not repeated on the evidence line


def _window_days(concept: Concept, settings: GuidelineSettings) -> int | None:
    if concept is Concept.ISCHEMIC_STROKE:
        return settings.ischemic_stroke_days
    if concept is Concept.MAJOR_SURGERY:
        return settings.major_surgery_days
    if concept in (Concept.HEAD_INJURY, Concept.TRAUMA):
        return settings.trauma_days
    return None


def counts(d: Diagnosis, as_of: datetime, settings: GuidelineSettings) -> bool:
    """Whether one finding contraindicates thrombolysis at `as_of`."""
    if d.concept in ANY_TIME:
        return True
    if d.concept in WHILE_ACTIVE:
        return d.active
    days = _window_days(d.concept, settings)
    if days is None:
        return False
    if d.when is None:
        # An undated surgery is charted history, not a recent operation; an undated but
        # active stroke or injury may be today's (as an undated active bleed is kept).
        return d.active and d.concept is not Concept.MAJOR_SURGERY
    return within(d.when, as_of, days=days)


def describe(d: Diagnosis) -> str:
    """The evidence line: what the finding is, its status and, when short, its own wording."""
    text = TEXT[d.concept] + status_note(d)
    display = " ".join(d.source.display.split())
    if (
        display
        and len(display) <= MAX_DISPLAY
        and display.lower() != TEXT[d.concept].lower()
        and display not in d.source.refs
    ):
        text += f": {display}"
    return text


def thrombolysis_contraindications(
    record: PatientRecord,
    as_of: datetime,
    settings: GuidelineSettings,
    anticoagulation: tuple[Evidence, ...],
) -> tuple[Evidence, ...]:
    """Every finding that contraindicates thrombolysis, anticoagulation contraindications
    first (catalog: "anticoagulation contraindicated" is one of them). A record already cited
    as an anticoagulation contraindication is not cited twice."""
    found = list(anticoagulation)
    cited = {e.refs for e in anticoagulation if e.refs}
    for d in record.diagnoses:
        if d.concept not in TEXT or not counts(d, as_of, settings):
            continue
        if d.source.refs and d.source.refs in cited:
            continue
        cited.add(d.source.refs)
        found.append(cite(describe(d), d.source, d.when))
    return tuple(found)

