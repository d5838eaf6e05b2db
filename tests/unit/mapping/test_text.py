"""Negation-aware matching (NegEx-style) and number extraction of free clinical text."""

from __future__ import annotations

import pytest

from fhir_mapping.text import (
    Assertion,
    affirmed,
    assertion,
    has_any,
    lengths_mm,
    negated,
    percentages,
    sentences,
)

THROMBUS = ("thrombus", "dvt", "deep vein thrombosis", "deep venous thrombosis")


@pytest.mark.parametrize(
    "text",
    [
        "No evidence of DVT.",
        "no dvt",
        "Negative for thrombus in the left leg.",
        "Without thrombus.",
        "Absence of deep vein thrombosis.",
        "Veins are free of thrombus.",
        "Ruled out DVT.",
        "DVT was ruled out.",
        "Deep venous thrombosis is not seen.",
        "Thrombus not identified in the femoral veins.",
        "Thrombus: not detected",
        "Patient denies DVT",
        "There is no evidence of deep vein thrombosis in the left lower extremity.",
        "No sonographic evidence of DVT, no thrombus or reflux.",
        "No edema, erythema, or thrombus.",
        "IMPRESSION: No DVT",
        "DVT: negative",
        "Thrombus: none seen.",
        "Deep vein thrombosis: none",
    ],
)
def test_negated_statements(text: str) -> None:
    assert not affirmed(text, THROMBUS)
    assert negated(text, THROMBUS)
    assert assertion(text, THROMBUS) is Assertion.NEGATED


@pytest.mark.parametrize(
    "text",
    [
        "Occlusive thrombus in the left CFV.",
        "Acute DVT of the left femoral vein",
        "Non-occlusive thrombus in the popliteal vein.",
        "No change in the thrombus burden.",
        "No evidence of reflux. Occlusive thrombus in the left CFV.",
        "No reflux; thrombus in the left CFV.",
        "No reflux but thrombus in the left CFV.",
        "No reflux, however thrombus is present in the CFV.",
        "No reflux, acute DVT of the left CIV with extension to the femoral vein",
        "Left leg swollen without pain, thrombus seen in CFV",
        "Thrombus measuring 1.4 cm in the CFV.",
    ],
)
def test_affirmed_statements(text: str) -> None:
    assert affirmed(text, THROMBUS)
    assert not negated(text, THROMBUS)


@pytest.mark.parametrize(
    "text",
    [
        "DVT cannot be ruled out.",
        "Possible DVT of the calf veins.",
        "Suspicious for thrombus in the CFV.",
        "?DVT",
        "DVT?",
        "Cannot exclude thrombus.",
        "Evaluate for DVT.",
        "Rule out DVT",
        "DVT not excluded",
    ],
)
def test_uncertain_is_neither_affirmed_nor_negated(text: str) -> None:
    assert assertion(text, THROMBUS) is Assertion.UNCERTAIN
    assert not affirmed(text, THROMBUS)
    assert not negated(text, THROMBUS)


def test_absent_phrase() -> None:
    assert assertion("Normal study.", THROMBUS) is Assertion.ABSENT
    assert not affirmed("Normal study.", THROMBUS)
    assert not negated("Normal study.", THROMBUS)
    assert assertion("", THROMBUS) is Assertion.ABSENT


def test_whole_words_only() -> None:
    assert not affirmed("thrombusless", ["thrombus"])
    assert not affirmed("antithrombus", ["thrombus"])
    assert affirmed("Thrombus.", ["thrombus"])


def test_non_prefix_is_not_the_plain_phrase() -> None:
    assert not affirmed("Non-phasic CFV waveform.", ["phasic"])
    assert not affirmed("non phasic flow", ["phasic"])
    assert affirmed("Non-phasic CFV waveform.", ["non-phasic"])
    assert affirmed("Phasic flow in the CFV.", ["phasic"])


def test_phrase_containing_a_trigger_is_matched_as_a_whole() -> None:
    text = "IVUS: fixed lesion, no respiratory or positional variation."
    assert affirmed(text, ["no respiratory or positional variation"])
    assert not affirmed(text, ["positional"])


def test_negated_verb_phrase() -> None:
    assert negated("The lesion does not vary with respiration.", ["vary with respiration"])
    assert affirmed("The lesion varies with respiration.", ["varies with respiration"])


def test_affirmed_anywhere_wins_over_a_negation_elsewhere() -> None:
    text = "Right leg: no DVT. Left leg: occlusive DVT of the CFV."
    assert affirmed(text, ["dvt"])
    assert not negated(text, ["dvt"])


def test_comma_ends_scope_unless_a_list() -> None:
    assert affirmed("No DVT, swelling of the left leg", ["swelling"])
    assert negated("No DVT, swelling or tenderness", ["swelling"])
    assert negated("no pain, erythema, swelling or tenderness", ["swelling"])


def test_post_negation_reaches_back_only_a_few_words() -> None:
    text = "Thrombus of the left common femoral vein extending into the iliac segment, calf veins"
    assert affirmed(text + " not visualised", ["thrombus"])
    assert negated("calf veins not visualised", ["calf veins"])


def test_phrases_may_be_any_case_and_a_single_string_is_one_phrase() -> None:
    assert affirmed("Occlusive THROMBUS", ["Thrombus"])
    assert affirmed("occlusive thrombus", "occlusive thrombus")


def test_has_any_ignores_negation() -> None:
    assert has_any("No DVT", ["dvt"])
    assert not has_any("No clot", ["dvt"])


def test_sentences_do_not_split_decimals_or_abbreviations() -> None:
    assert sentences("No DVT. Size 1.4 cm; e.g. here\nNext") == [
        "no dvt",
        "size 1.4 cm",
        "eg here",
        "next",
    ]
    assert sentences("") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IVUS: 72% diameter stenosis of the left CIV", [72.0]),
        ("area stenosis 80 %", [80.0]),
        ("62.5 percent narrowing", [62.5]),
        ("72% diameter, 85% area", [72.0, 85.0]),
        ("no numbers", []),
    ],
)
def test_percentages(text: str, expected: list[float]) -> None:
    assert percentages(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reference diameter 14 mm", [14.0]),
        ("1.4 cm", [14.0]),
        ("14mm x 60mm", [14.0, 60.0]),
        ("12 millimeters and 2 centimetres", [12.0, 20.0]),
        ("14 x 60", []),
    ],
)
def test_lengths_mm(text: str, expected: list[float]) -> None:
    assert lengths_mm(text) == expected


def test_consistent_with_does_not_end_a_negation() -> None:
    assert negated("No findings consistent with DVT.", ["dvt"])
    assert affirmed("Findings consistent with DVT.", ["dvt"])


def test_termination_word_ends_the_scope() -> None:
    assert affirmed("No reflux, although thrombus in the CFV", ["thrombus"])
    assert affirmed("No reflux; duplex shows thrombus in the CFV", ["thrombus"])
