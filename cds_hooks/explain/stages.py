"""The seed's algorithm as five stages (DVT rule-out -> DVT treatment -> NIVL vs extrinsic
compression -> stent criteria -> post-stent care), each with the inputs its decision reads,
taken from the pathway state: a value, or None for "unknown" (never guessed).

`reached` marks this patient's path; the outcome names the decision where the state makes one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from cds_hooks.guideline.alternatives import assess_alternative_causes
from cds_hooks.guideline.findings import Side
from cds_hooks.guideline.recommendation import Evidence
from cds_hooks.guideline.state import CauseState, DvtStatus, LegState, PathwayState

STENT_IDS = ("nivl-stent-candidate", "nivl-stent-criteria-incomplete", "nivl-stent-not-indicated")
POST_STENT_IDS = ("post-stent-antithrombotic-review", "post-stent-surveillance")


def _day(when: datetime | None) -> str:
    return when.date().isoformat() if when else "undated"


def _input(key: str, label: str, value: Any, refs: Iterable[str] = ()) -> dict[str, Any]:
    return {"id": key, "label": label, "value": value, "refs": sorted(set(refs))}


def _sides(sides: Iterable[Side]) -> str | None:
    named = sorted(s.value for s in sides)
    return ", ".join(named) if named else None


def _evidence(items: Iterable[Evidence]) -> tuple[str | None, list[str]]:
    items = list(items)
    if not items:
        return None, []
    return "; ".join(e.text for e in items), [r for e in items for r in e.refs]


def _leg_inputs(leg: LegState) -> list[dict[str, Any]]:
    side = leg.side.value
    duplex = leg.complete_duplex_since_onset
    duplex_value = f"{duplex.result.value}, {_day(duplex.when)}" if duplex is not None else None
    return [
        _input(
            f"dvt-status-{side}",
            f"DVT status ({side} leg)",
            leg.dvt_status.value,
            [r for e in leg.evidence for r in e.refs],
        ),
        _input(
            f"duplex-{side}",
            f"Complete duplex since swelling began ({side})",
            duplex_value,
            duplex.source.refs if duplex is not None else (),
        ),
        _input(f"new-swelling-{side}", f"Swelling new ({side})", "yes" if leg.new else "no"),
    ]


def _dvt_rule_out(state: PathwayState) -> dict[str, Any]:
    swelling = _sides(state.swelling_sides)
    if swelling is None:
        # No current swelling record is a fact about the record, not an unknown input.
        swelling = "none (examined)" if state.swelling_absent_documented else "none recorded"
    inputs = [_input("swelling-side", "Swelling side", swelling)]
    for leg in state.legs:
        inputs.extend(_leg_inputs(leg))
    statuses = {leg.dvt_status for leg in state.legs}
    if DvtStatus.CONFIRMED in statuses or state.acute_dvt:
        outcome = "acute DVT confirmed"
    elif DvtStatus.NOT_EXCLUDED in statuses:
        outcome = "DVT not excluded: imaging needed"
    elif statuses:
        outcome = "DVT excluded"
    else:
        outcome = None
    return {
        "id": "dvt-rule-out",
        "title": "DVT rule-out",
        "reached": bool(state.legs) or state.acute_dvt,
        "outcome": outcome,
        "inputs": inputs,
    }


def _dvt_level(state: PathwayState) -> str | None:
    if not state.acute_dvt:
        return "n/a"
    if state.acute_proximal_dvt:
        return "proximal"
    return None if state.acute_dvt_level_unknown else "distal"


def _dvt_treatment(state: PathwayState) -> dict[str, Any]:
    contraindications, contra_refs = _evidence(state.contraindications)
    hypotension, hypo_refs = _evidence(state.evidence.get("severe_hypotension", ()))
    ischemia, isch_refs = _evidence(state.evidence.get("limb_ischemia", ()))
    weight = state.weight
    dvt_sides = _sides(state.acute_dvt_sides)
    inputs = [
        _input(
            "acute-dvt",
            "Acute DVT",
            (f"yes ({dvt_sides})" if dvt_sides else "yes") if state.acute_dvt else "no",
            [r for e in state.evidence.get("acute_dvt", ()) for r in e.refs],
        ),
        _input(
            "dvt-level",
            "DVT level",
            _dvt_level(state),
        ),
        _input(
            "anticoagulated",
            "Therapeutic anticoagulation",
            "yes" if state.therapeutic_anticoagulation else "no",
            [r for e in state.evidence.get("therapeutic_anticoagulation", ()) for r in e.refs],
        ),
        _input(
            "contraindications",
            "Anticoagulation contraindications",
            contraindications or "none found",
            contra_refs,
        ),
        _input(
            "weight",
            "Weight",
            f"{round(weight.value, 1):g} kg" if weight else None,
            weight.source.refs if weight else (),
        ),
        _input("severe-hypotension", "Severe hypotension / shock", hypotension or "no", hypo_refs),
        _input("limb-ischemia", "Limb-threatening ischemia", ischemia or "no", isch_refs),
    ]
    if not state.acute_dvt:
        outcome = None
    elif state.anticoagulation_contraindicated:
        outcome = "anticoagulation contraindicated"
    elif state.therapeutic_anticoagulation:
        outcome = "anticoagulated"
    else:
        outcome = "needs anticoagulation"
    return {
        "id": "dvt-treatment",
        "title": "DVT treatment",
        "reached": state.acute_dvt,
        "outcome": outcome,
        "inputs": inputs,
    }


def _nivl_vs_extrinsic(state: PathwayState, fired: set[str]) -> dict[str, Any]:
    compression, compression_refs = _evidence(state.evidence.get("compression", ()))
    masses, mass_refs = _evidence(state.evidence.get("masses", ()))
    natures = sorted({m.nature.value for m in state.mass_natures})
    causes = assess_alternative_causes(state)
    present = [c.label for c in causes if c.state is CauseState.PRESENT]
    unassessed = [c.label for c in causes if c.state is CauseState.NOT_ASSESSED]
    if present:
        alternatives: str | None = "present: " + ", ".join(present)
    elif unassessed:
        alternatives = None  # unknown until assessed
    else:
        alternatives = "all absent"
    inputs = [
        _input("compression", "Iliac vein compression", compression or "none", compression_refs),
        _input("masses", "Pelvic/iliac mass", masses or "none", mass_refs),
        _input(
            "mass-nature",
            "Extrinsic cause characterized",
            ", ".join(natures) if natures else ("no" if state.masses else "n/a"),
        ),
        _input(
            "alternative-causes",
            "Alternative edema causes"
            + (f" (not assessed: {', '.join(unassessed)})" if unassessed else ""),
            alternatives,
            [r for c in causes for e in c.evidence for r in e.refs],
        ),
        _input("bilateral", "Bilateral swelling", "yes" if state.bilateral_swelling else "no"),
    ]
    legs_excluded = any(leg.dvt_status is DvtStatus.EXCLUDED for leg in state.legs)
    reached = (
        not state.acute_dvt
        and bool(state.compression or state.masses)
        and (legs_excluded or not state.legs)
    )
    if "extrinsic-compression-treat-cause" in fired or state.extrinsic_cause_characterized:
        outcome: str | None = "extrinsic compression: treat the cause"
    elif "mass-characterization" in fired:
        outcome = "mass not characterized yet"
    elif reached and state.compression:
        outcome = "NIVL (no extrinsic cause characterized)"
    else:
        outcome = None
    return {
        "id": "nivl-vs-extrinsic",
        "title": "NIVL vs extrinsic compression",
        "reached": reached,
        "outcome": outcome,
        "inputs": inputs,
    }


def _stent_criteria(state: PathwayState, fired: set[str]) -> dict[str, Any]:
    ivus = state.ivus[0] if state.ivus else None
    behavior = state.lesion_behaviors[0] if state.lesion_behaviors else None
    reference = state.reference_diameters[0] if state.reference_diameters else None
    impact = state.impacts[0] if state.impacts else None
    inputs = [
        _input(
            "ivus",
            "IVUS stenosis",
            f"{ivus.percent:g}% {'area' if ivus.area else 'diameter'} ({ivus.side.value})"
            if ivus
            else ("study without a result" if state.ivus_done else None),
            ivus.source.refs if ivus else (),
        ),
        _input(
            "lesion-behavior",
            "Lesion behaviour",
            behavior.behavior.value if behavior else None,
            behavior.source.refs if behavior else (),
        ),
        _input(
            "reference-diameter",
            "Reference vein diameter",
            f"{reference.mm:g} mm" if reference else None,
            reference.source.refs if reference else (),
        ),
        _input(
            "symptoms",
            "Quality-of-life impact",
            impact.impact.value
            if impact
            else ("scrotal/penile edema" if state.scrotal_edema else None),
            impact.source.refs if impact else (),
        ),
    ]
    names = {
        "nivl-stent-candidate": "stent criteria met",
        "nivl-stent-criteria-incomplete": "criteria incomplete",
        "nivl-stent-not-indicated": "stent not indicated",
    }
    outcome = next((names[i] for i in STENT_IDS if i in fired), None)
    if outcome is None and "ivus-before-intervention" in fired:
        outcome = "IVUS needed before any intervention"
    if outcome is None and state.stent_in_place:
        outcome = "stent placed"
    return {
        "id": "stent-criteria",
        "title": "Stent criteria",
        "reached": bool(state.ivus) or state.ivus_done or outcome is not None,
        "outcome": outcome,
        "inputs": inputs,
    }


def _post_stent(state: PathwayState, fired: set[str]) -> dict[str, Any]:
    stents, stent_refs = _evidence(state.evidence.get("stents", ()))
    antithrombotics = sorted(
        {m.ingredient for m in state.current_anticoagulants + state.current_antiplatelets}
    )
    inputs = [
        _input("stent", "Iliac venous stent", stents or "none", stent_refs),
        _input("prior-vte", "Prior VTE", "yes" if state.prior_vte else "no"),
        _input(
            "antithrombotics",
            "Current antithrombotics",
            ", ".join(antithrombotics)
            if antithrombotics
            else ("none" if state.record.medications_retrieved else None),
        ),
    ]
    notes = {
        "post-stent-antithrombotic-review": "review the antithrombotic",
        "post-stent-surveillance": "surveillance imaging due",
    }
    outcome = "; ".join(notes[i] for i in POST_STENT_IDS if i in fired) or (
        "no action due" if state.stent_in_place else None
    )
    return {
        "id": "post-stent",
        "title": "Post-stent care",
        "reached": state.stent_in_place,
        "outcome": outcome,
        "inputs": inputs,
    }


def pathway_stages(state: PathwayState, fired: set[str]) -> list[dict[str, Any]]:
    stages = [
        _dvt_rule_out(state),
        _dvt_treatment(state),
        _nivl_vs_extrinsic(state, fired),
        _stent_criteria(state, fired),
        _post_stent(state, fired),
    ]
    reached = [s for s in stages if s["reached"]]
    for stage in stages:
        stage["current"] = bool(reached) and stage is reached[-1]
    return stages
