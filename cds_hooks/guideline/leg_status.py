"""Per-leg facts of the catalog's "Pathway state": which swelling records are current, whether
the swelling is new or whole-leg, and the leg's DVT status (confirmed / excluded / not excluded)
with the pelvic-imaging trigger.
"""

from __future__ import annotations

from datetime import datetime

from cds_hooks.guideline.clinical_status import (
    LATERAL,
    PELVIC_VENOGRAPHY,
    RESULT_TEXT,
    cite,
    cite_dvt,
    covers,
    is_iliac_dvt,
    sides_of,
)
from cds_hooks.guideline.dates import newest, on_or_after, within
from cds_hooks.guideline.findings import (
    DopplerWaveform,
    Extent,
    ImagingStudy,
    Modality,
    PatientRecord,
    Result,
    Side,
    Swelling,
    Waveform,
)
from cds_hooks.guideline.state import DvtStatus, LegState, PathwayState


def current_swellings(record: PatientRecord) -> tuple[Swelling, ...]:
    """Present, active swelling records not followed by a documented negative exam of that leg.

    A negative exam ("no leg swelling") of unknown side answers for both legs; one of a side
    answers for that side (bilateral for both). Same-day records: the swelling stays current.
    """
    negatives = [(sw.side, sw.when.date()) for sw in record.swellings if not sw.present and sw.when]

    def cancelled(sw: Swelling) -> bool:
        for neg_side, neg_day in negatives:
            if sw.when is not None and neg_day <= sw.when.date():
                continue
            if neg_side in (Side.UNKNOWN, Side.BILATERAL) or sides_of(sw.side) <= {neg_side}:
                return True
        return False

    return tuple(sw for sw in record.swellings if sw.present and sw.active and not cancelled(sw))


def leg_sides(swelling_sides: frozenset[Side]) -> tuple[Side, ...]:
    lateral = tuple(side for side in LATERAL if side in swelling_sides)
    if lateral:
        return lateral
    return (Side.UNKNOWN,) if Side.UNKNOWN in swelling_sides else ()


def derive_leg(
    side: Side, current: tuple[Swelling, ...], state: PathwayState, cue_sides: frozenset[Side]
) -> LegState:
    settings, as_of, record = state.settings, state.as_of, state.record
    days = settings.duplex_days
    if side is Side.UNKNOWN:
        swellings = tuple(sw for sw in current if sw.side is Side.UNKNOWN)
    else:
        swellings = tuple(sw for sw in current if covers(sw.side, side))
    onset = min((sw.when for sw in swellings if sw.when is not None), default=None)
    new = within(onset, as_of, days=settings.new_swelling_days)
    whole_leg_records = tuple(sw for sw in swellings if _whole_leg(sw, side, cue_sides))

    # A swelling of unknown side is not put on either leg, but with an acute DVT on record it is
    # not "DVT not excluded" either: asking for a duplex of a patient already diagnosed would be
    # a card we cannot justify.
    acute_here = tuple(
        f
        for f in state.acute_dvts
        if side is Side.UNKNOWN
        or covers(f.side, side)
        or (f.side is Side.UNKNOWN and is_iliac_dvt(f))
    )

    def of_leg(study: ImagingStudy) -> bool:
        # For a swelling of unknown side only a bilateral study is known to cover it.
        return study.side is Side.BILATERAL if side is Side.UNKNOWN else covers(study.side, side)

    def since_onset(study: ImagingStudy) -> bool:
        # Input profile: "a duplex counts for the current swelling if dated on or after the
        # swelling's onset (without an onset date: within 30 days)".
        if onset is None:
            return within(study.when, as_of, days=days)
        return on_or_after(study.when, onset)

    duplexes = [i for i in record.imaging if i.modality is Modality.DUPLEX and of_leg(i)]
    complete_since = newest(
        [d for d in duplexes if d.complete and since_onset(d)], lambda d: d.when
    )
    complete_negative = newest(
        [
            d
            for d in duplexes
            if d.complete
            and d.result is Result.NEGATIVE
            and since_onset(d)
            and within(d.when, as_of, days=days)
        ],
        lambda d: d.when,
    )
    negative_any = newest(
        [d for d in duplexes if d.result is Result.NEGATIVE and within(d.when, as_of, days=days)],
        lambda d: d.when,
    )
    cfv = _cfv_finding(side, record, as_of, days)
    cfv_non_phasic = cfv if cfv is not None and _waveform(cfv) is Waveform.NON_PHASIC else None
    persists = negative_any is not None and any(
        _persists(sw, negative_any) for sw in whole_leg_records
    )
    trigger_dates = [negative_any.when] if persists and negative_any is not None else []
    if cfv_non_phasic is not None:
        trigger_dates.append(cfv_non_phasic.when)
    trigger = bool(trigger_dates)
    venography = None
    if trigger:
        since = max(t for t in trigger_dates if t is not None)
        venography = newest(
            [
                i
                for i in record.imaging
                if i.modality in PELVIC_VENOGRAPHY
                and not _opposite(i.side, side)
                and on_or_after(i.when, since)
                and within(i.when, as_of, days=days)
            ],
            lambda i: i.when,
        )

    if acute_here:
        status = DvtStatus.CONFIRMED
    elif complete_negative is not None and (
        not trigger or (venography is not None and venography.result is Result.NEGATIVE)
    ):
        status = DvtStatus.EXCLUDED
    else:
        status = DvtStatus.NOT_EXCLUDED

    evidence = tuple(
        cite(
            f"{'Whole-leg' if sw in whole_leg_records else 'Leg'} swelling ({sw.side})",
            sw.source,
            sw.when,
        )
        for sw in swellings
    )
    for study, label in (
        (complete_since if complete_since is not complete_negative else None, "Complete duplex"),
        (complete_negative, "Complete venous duplex"),
        (negative_any if negative_any is not complete_negative else None, "Venous duplex"),
        (venography, "Pelvic venography"),
    ):
        if study is not None:
            if not study.complete:
                # Say why this study does not exclude DVT (catalog: complete vs limited).
                label = "Limited/femoropopliteal venous duplex"
            text = f"{label} ({study.side}): {RESULT_TEXT[study.result]}"
            evidence += (cite(text, study.source, study.when),)
    if cfv_non_phasic is not None:
        evidence += (
            cite(
                "Common femoral vein Doppler non-phasic", cfv_non_phasic.source, cfv_non_phasic.when
            ),
        )
    evidence += tuple(cite_dvt(f) for f in acute_here)

    return LegState(
        side=side,
        swellings=swellings,
        onset=onset,
        new=new,
        whole_leg=bool(whole_leg_records),
        whole_leg_persists=persists,
        dvt_status=status,
        acute_dvt=bool(acute_here),
        complete_duplex_since_onset=complete_since,
        negative_duplex_30d=negative_any,
        pelvic_imaging_trigger=trigger,
        venography_since=venography,
        evidence=evidence,
        cfv_non_phasic=cfv_non_phasic,
        complete_negative_duplex_since_onset=complete_negative,
    )


def _whole_leg(sw: Swelling, side: Side, cue_sides: frozenset[Side]) -> bool:
    """Catalog: thigh/groin/hip or "whole leg" text is whole-leg; a plain lower-limb code (extent
    unknown) "counts as whole-leg only when an iliac mass or iliac vein compression is on the
    same side"; a record limited to foot/ankle/calf/lower leg never is (and cancels nothing)."""
    if sw.extent is Extent.WHOLE_LEG:
        return True
    return sw.extent is Extent.UNKNOWN and side is not Side.UNKNOWN and side in cue_sides


def _persists(sw: Swelling, study: ImagingStudy) -> bool:
    """Catalog: whole-leg swelling persists after the study when it is "still active, or recorded
    on/after the study". An active Condition is still active; an Observation is a point-in-time
    exam, so it must be dated on/after the study. A record without references is taken as a
    Condition (the stricter reading would hide a possible iliac DVT)."""
    is_observation = bool(sw.source.refs) and all(
        ref.startswith("Observation/") for ref in sw.source.refs
    )
    if not is_observation:
        return sw.active
    return on_or_after(sw.when, study.when) or on_or_after(sw.recorded, study.when)


def _opposite(study_side: Side, leg_side: Side) -> bool:
    """Pelvic venography images both iliac systems; only a study limited to the other leg
    does not count."""
    return leg_side in LATERAL and study_side in LATERAL and study_side is not leg_side


def _waveform(f: DopplerWaveform | ImagingStudy) -> Waveform | None:
    return f.cfv_waveform if isinstance(f, ImagingStudy) else f.waveform


def _cfv_finding(
    side: Side, record: PatientRecord, as_of: datetime, days: int
) -> DopplerWaveform | ImagingStudy | None:
    """The newest CFV waveform statement for this leg within the window (a later phasic reading
    supersedes an earlier non-phasic one)."""

    def of_leg(s: Side) -> bool:
        return s is Side.BILATERAL if side is Side.UNKNOWN else covers(s, side)

    def duplex_side_on(w: DopplerWaveform) -> Side:
        # Catalog: CFV Doppler non-phasic "on any duplex". A waveform Observation charted
        # without a side on the day of a duplex of one side is that duplex's finding; with no
        # such duplex, or duplexes of several sides that day, the side stays unknown.
        if w.side is not Side.UNKNOWN or w.when is None:
            return w.side
        sides = {
            i.side
            for i in record.imaging
            if i.modality is Modality.DUPLEX
            and i.side is not Side.UNKNOWN
            and i.when is not None
            and i.when.date() == w.when.date()
        }
        return sides.pop() if len(sides) == 1 else Side.UNKNOWN

    findings: list[DopplerWaveform | ImagingStudy] = [
        w
        for w in record.waveforms
        if of_leg(duplex_side_on(w)) and within(w.when, as_of, days=days)
    ]
    findings += [
        i
        for i in record.imaging
        if i.modality is Modality.DUPLEX
        and i.cfv_waveform is not None
        and of_leg(i.side)
        and within(i.when, as_of, days=days)
    ]
    return newest(findings, lambda f: f.when)
