"""Acceptance (catalog v2.2, part B) through the real endpoints: a DVT's stated onset decides
acuity, a DVT's level is the most proximal level any record of it states (calf-only duplex =
distal, for the IVC filter rules), age from birthDate (under 18: no LMWH dose; pediatric weight
range), pregnancy imaging without contrast, and card sources that fit the patient."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from support_dvt import (
    ICD10,
    LOINC,
    SNOMED,
    ago,
    call,
    card,
    cc,
    condition,
    day,
    duplex,
    dvt,
    ids,
    patient,
    platelets,
    resources_of,
    weight,
)

from fixtures import orders
from fixtures.fhir import coding, concept
from tests.acceptance import support_nivl as nivl

LMWH = "dvt-anticoagulation-lmwh"
FILTER = "anticoagulation-contraindicated-ivc-filter"
NOT_INDICATED = "ivc-filter-not-indicated"
CALF_ONLY = (
    "Occlusive thrombus in the left posterior tibial and peroneal veins. The common femoral, "
    "femoral and popliteal veins are fully compressible."
)


# ---------------------------------------------------------------- acuity: the stated onset


@pytest.mark.parametrize(("onset", "acute"), [(29, True), (30, True), (31, False)])
def test_stated_onset_decides_acuity_of_a_dvt_recorded_today(
    tmp_path: Path, onset: int, acute: bool
) -> None:
    cards = call(tmp_path, [dvt(onset=day(onset), recorded=ago(days=0)), weight(70)])
    assert (LMWH in ids(cards)) is acute


@pytest.mark.parametrize(("start", "acute"), [(30, True), (31, False)])
def test_onset_period_start_is_the_stated_onset(tmp_path: Path, start: int, acute: bool) -> None:
    d = dvt(onset=None, recorded=ago(days=1))
    d.pop("onsetDateTime", None)
    d["onsetPeriod"] = {"start": day(start)}
    assert (LMWH in ids(call(tmp_path, [d, weight(70)]))) is acute


@pytest.mark.parametrize(("recorded", "acute"), [(30, True), (31, False)])
def test_recorded_date_only(tmp_path: Path, recorded: int, acute: bool) -> None:
    d = dvt(recorded=day(recorded))
    d.pop("onsetDateTime")
    assert (LMWH in ids(call(tmp_path, [d, weight(70)]))) is acute


def test_re_recorded_old_snomed_dvt_is_prior_vte(tmp_path: Path) -> None:
    old = condition(
        cc((SNOMED, "128053003", "Deep venous thrombosis"), text="DVT left leg"),
        onset=day(90),
        recorded=ago(days=1),
        body_site=[cc((SNOMED, "32153003", "Left lower limb"))],
    )
    assert call(tmp_path, [old, weight(70)]) == []


# ---------------------------------------------------------------- level


def calf_duplex(**kw: Any) -> dict[str, Any]:
    return duplex("left", days=1, conclusion=CALF_ONLY, negative_code=False, **kw)


def test_calf_only_duplex_is_distal_no_filter_card(tmp_path: Path) -> None:
    cards = call(tmp_path, [calf_duplex(positive_code=True), platelets(30, "10*3/uL")])
    assert FILTER not in ids(cards)
    # The same record with a femoral thrombus gets the filter card.
    femoral = duplex("left", days=1, conclusion="Occlusive thrombus in the left common femoral "
                     "vein.", negative_code=False, positive_code=True)
    assert FILTER in ids(call(tmp_path, [femoral, platelets(30, "10*3/uL")]))


@pytest.mark.parametrize("code", ["I82.442", "I82452", "I82.4Z2"])
def test_coded_calf_dvt_condition_with_unleveled_duplex_is_distal(
    tmp_path: Path, code: str
) -> None:
    positive = duplex("left", days=1, conclusion="Positive for DVT.", negative_code=False,
                      positive_code=True)
    cards = call(tmp_path, [dvt(code), positive, platelets(30, "10*3/uL")])
    assert FILTER not in ids(cards)


def test_proximal_condition_makes_a_calf_duplex_dvt_proximal(tmp_path: Path) -> None:
    unleveled = condition(
        cc((SNOMED, "128053003", "Deep venous thrombosis")),
        onset=ago(days=1),
        body_site=[cc((SNOMED, "83419000", "Femoral vein structure"),
                      (SNOMED, "7771000", "Left"))],
    )
    cards = call(tmp_path, [unleveled, calf_duplex(positive_code=True), platelets(30, "10*3/uL")])
    assert FILTER in ids(cards)


def dvt_order_patient(key: str) -> nivl.Builder:
    b = nivl.patient(key)
    b.report(
        concept(coding(LOINC, "39432-0", "Lower extremity vein Study (US.doppler) - left")),
        days_ago=1,
        conclusion=CALF_ONLY,
    )
    b.lab("777-3", "Platelets", 30, "10*3/uL", 1)
    return b


def test_order_sign_filter_for_calf_only_dvt_is_not_indicated(client: FlaskClient) -> None:
    b = dvt_order_patient("calfsign")
    b.draft(orders.ivc_filter_order())
    c = nivl.card(nivl.post(client, b, nivl.SIGN), NOT_INDICATED)
    assert c["indicator"] == "warning" and "distal" in c["summary"]


def test_order_select_filter_for_calf_only_dvt_is_not_indicated(client: FlaskClient) -> None:
    b = dvt_order_patient("calfsel")
    ref = b.draft(orders.ivc_filter_order())
    cards = nivl.post(client, b, nivl.SELECT, selections=[ref])
    assert nivl.ids(cards) == [NOT_INDICATED]


def test_order_sign_filter_for_proximal_dvt_with_coded_calf_record_is_silent(
    client: FlaskClient,
) -> None:
    b = dvt_order_patient("proxsign")
    b.dvt("I82.432", "Acute embolism and thrombosis of left popliteal vein", 1)
    b.draft(orders.ivc_filter_order())
    assert nivl.post(client, b, nivl.SIGN) == []


# ---------------------------------------------------------------- age and weight


@pytest.mark.parametrize(
    ("birth", "child"),
    [
        ("2008-11-28", True),  # 17 years 364 days on the hook's day (2026-11-27)
        ("2008-11-27", False),  # 18th birthday
        ("2008-11-26", False),  # 18 years and a day
        ("2009", True),  # a year counts as its first day: 17
        ("2008-12", True),  # 2008-12-01: 17
        ("2008", False),  # 2008-01-01: 18
    ],
)
def test_under_18_gets_no_lmwh_dose(tmp_path: Path, birth: str, child: bool) -> None:
    cards = call(tmp_path, [dvt(), weight(60)], pat=patient(birth=birth))
    c = card(cards, LMWH)
    assert c["indicator"] == "critical"
    if child:
        assert resources_of(c) == []
        assert "pediatric hematology" in c["detail"].lower()
    else:
        assert len(resources_of(c)) == 1


def test_no_birth_date_is_an_adult(tmp_path: Path) -> None:
    pat = patient()
    pat.pop("birthDate")
    assert len(resources_of(card(call(tmp_path, [dvt(), weight(60)], pat=pat), LMWH))) == 1


@pytest.mark.parametrize(
    ("birth", "kg", "plausible"),
    [
        ("2020-01-01", 0.4, False),
        ("2020-01-01", 0.5, True),
        ("1980-01-01", 19.9, False),
        ("1980-01-01", 20, True),
        ("1980-01-01", 350, True),
        ("1980-01-01", 350.1, False),
    ],
)
def test_weight_plausibility_by_age(
    tmp_path: Path, birth: str, kg: float, plausible: bool
) -> None:
    c = card(call(tmp_path, [dvt(), weight(kg)], pat=patient(birth=birth)), LMWH)
    shown = f"Weight {kg:g} kg" in c["detail"]
    assert shown is plausible
    if not birth.startswith("2020"):
        assert (len(resources_of(c)) == 1) is plausible


# ---------------------------------------------------------------- pregnancy and sources


def pregnancy() -> dict[str, Any]:
    return condition(cc((ICD10, "Z33.1", "Pregnant state, incidental")), onset=day(60))


def test_pregnant_dvt_card_cites_the_esc_2018_pregnancy_chapter(tmp_path: Path) -> None:
    c = card(call(tmp_path, [dvt(), weight(70), pregnancy()]), LMWH)
    urls = {link["url"] for link in c["links"]}
    assert "https://doi.org/10.1093/eurheartj/ehy340" in urls
    assert "Needleman" not in json.dumps(c)


def test_non_pregnant_cards_never_cite_the_pregnancy_chapter(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(70)])
    assert LMWH in ids(cards)
    text = json.dumps(cards)
    assert "ehy340" not in text and "pregnan" not in text.lower()
    urls = {link["url"] for c in cards for link in c.get("links", [])}
    assert "https://doi.org/10.1161/CIRCULATIONAHA.117.030687" in urls


def test_order_card_sources_follow_pregnancy(client: FlaskClient) -> None:
    b = dvt_order_patient("pregsign")
    b.condition(concept(coding(ICD10, "Z33.1", "Pregnant state, incidental")), onset=nivl.at(60))
    b.draft(orders.ivc_filter_order())
    c = nivl.card(nivl.post(client, b, nivl.SIGN), NOT_INDICATED)
    assert "ESC 2018" in c["source"]["label"]
    assert {link["url"] for link in c["links"]} == {"https://doi.org/10.1093/eurheartj/ehy340"}


def test_pregnant_mass_gets_one_mri_without_contrast(tmp_path: Path) -> None:
    mass = condition(cc((SNOMED, "74285003", "Mass of pelvic structure")), onset=day(10))
    c = card(call(tmp_path, [mass, pregnancy()]), "mass-characterization")
    (resource,) = resources_of(c)
    codings = resource["code"]["coding"]
    assert [x["code"] for x in codings] == ["30673-8"]
    assert "WO contrast" in codings[0]["display"]
    text = json.dumps(c).lower()
    assert "433138001" not in text and "74710000" not in text


def test_pregnant_pelvic_imaging_is_mr_venography_without_contrast(tmp_path: Path) -> None:
    swollen = condition(
        cc((ICD10, "R22.42", "Localized swelling, left lower limb"),
           text="Left whole leg swelling"),
        onset=ago(days=5),
    )
    cards = call(tmp_path, [swollen, duplex("left", days=1), pregnancy()])
    c = card(cards, "pelvic-venous-imaging")
    (resource,) = resources_of(c)
    assert [x["code"] for x in resource["code"]["coding"]] == ["36789-6"]
    assert "431676002" not in json.dumps(c)
    assert "without contrast" in c["summary"]
