"""Which skipped (unreadable) resources a card names.

Input profile v2.3: "a skipped resource that could change a card is named on that card's
detail ("Condition/123 could not be read")". The mapper reports each skipped resource with the
kinds of finding it would have given (`findings.UnreadableResource.kinds`: PatientRecord field
names, plus the Concept of a diagnosis); a card names it when its rule reads one of those
kinds. The table is deliberately broad: naming a resource on one card too many costs a line,
missing it hides why a card is (or is not) there.
"""

from __future__ import annotations

from collections.abc import Iterable

from cds_hooks.guideline.findings import UnreadableResource

_NIVL = frozenset({"nivl-stent-candidate", "nivl-stent-criteria-incomplete",
                   "nivl-stent-not-indicated"})
_STENT_ORDERS = frozenset({"stent-length-too-short", "stent-diameter-sizing",
                           "stent-without-ivus-confirmation"})
_ANTITHROMBOTIC = frozenset({
    "dvt-anticoagulation-lmwh", "anticoagulation-contraindicated-ivc-filter",
    "thrombolysis-consider", "ivc-filter-not-indicated", "thrombolysis-not-indicated",
    "post-stent-antithrombotic-review",
})
_LESION = _NIVL | _STENT_ORDERS | {"ivus-before-intervention", "compression-without-symptoms"}

# Finding kind -> the cards whose rules read it. A kind not listed (diagnoses, swellings,
# edema impact, imaging, waveforms, the patient's age/sex) feeds every card.
CARDS_READING: dict[str, frozenset[str]] = {
    "masses": _LESION | {"mass-characterization", "extrinsic-compression-treat-cause",
                         "pelvic-venous-imaging"},
    "ivus_stenoses": _LESION,
    "reference_diameters": _LESION,
    "lesion_behaviors": _LESION,
    "stents": _LESION | {"post-stent-antithrombotic-review", "post-stent-surveillance"},
    "measurements": _ANTITHROMBOTIC | {"edema-alternative-causes",
                                       "bilateral-edema-systemic-cause"},
    "medications": _ANTITHROMBOTIC | {"edema-alternative-causes", "post-stent-surveillance"},
}  # fmt: skip


def refs_for(card_id: str, unreadable: Iterable[UnreadableResource]) -> tuple[str, ...]:
    """The references of the skipped resources that could change the card `card_id`."""
    named: list[str] = []
    for skipped in unreadable:
        kinds = skipped.kinds or frozenset({"unknown"})
        if any(card_id in CARDS_READING.get(kind, (card_id,)) for kind in kinds):
            named.append(skipped.ref)
    return tuple(dict.fromkeys(named))


def unreadable_section(refs: Iterable[str]) -> str:
    """The card-detail section naming them ("" when none)."""
    lines = [f"- {ref} could not be read (an element it needs is invalid), so it was not used"
             for ref in refs]
    return "**Could not be read**\n\n" + "\n".join(lines) if lines else ""
