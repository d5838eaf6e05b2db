"""Report text as statements: segmentation, side, history; spelling folding."""

from __future__ import annotations

import pytest

from cds_hooks.guideline.findings import Side
from fhir_mapping import text as clinical_text
from fhir_mapping.statements import current_text, is_history, side_of, statements


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reference 13.5 mm. MLD 5 mm.", ["reference 13.5 mm", "mld 5 mm"]),
        ("Approx. 2 cm, e.g. here; vs. there.", ["approx 2 cm, eg here", "vs there"]),
        ("IMPRESSION: 1. No DVT. 2. Continuous CFV flow.",
         ["impression:", "no dvt", "continuous cfv flow"]),
        ("RLE: no DVT, LLE: thrombus", ["rle: no dvt,", "lle: thrombus"]),
        ("Right CFV and left CFV: phasic.", ["right cfv and left cfv: phasic"]),
        ("FINDINGS:\nNo DVT\nLeft: thrombus", ["findings:", "no dvt", "left: thrombus"]),
        ("Known prostate CA. No DVT. Dist. EIV 13 mm (ref.).",
         ["known prostate ca", "no dvt", "dist eiv 13 mm (ref)"]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert clinical_text.sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "sides"),
    [
        ("RLE: no DVT. LLE: occlusive thrombus of the peroneal veins.", [Side.RIGHT, Side.LEFT]),
        ("LEFT:\nCFV compressible.\nThrombus in the peroneal veins.\nIMPRESSION: DVT.",
         [Side.LEFT, Side.LEFT, Side.UNKNOWN]),
        ("No DVT on the right, occlusive thrombus in the left popliteal vein.",
         [Side.RIGHT, Side.LEFT]),
        ("No DVT in the right leg and acute DVT in the left popliteal vein.",
         [Side.RIGHT, Side.LEFT]),
        ("Compression of the left CIV by the right CIA.", [Side.UNKNOWN]),
        ("Bilateral CFV waveforms are phasic.", [Side.BILATERAL]),
    ],
)
def test_statement_sides(text: str, sides: list[Side]) -> None:
    assert [s.side for s in statements(text)] == sides


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("l civ compressed", Side.LEFT),
        ("r eiv effaced", Side.RIGHT),
        ("left-sided may-thurner", Side.LEFT),
        ("lle dvt", Side.LEFT),
        ("cfv waveforms: r phasic", Side.RIGHT),
        ("left and right eivs", Side.BILATERAL),
        ("l 5 mm", Side.UNKNOWN),  # a lone letter is no side
    ],
)
def test_side_of(text: str, side: Side) -> None:
    assert side_of(text) is side


@pytest.mark.parametrize(
    ("text", "history"),
    [
        ("prior left popliteal dvt in 2023", True),
        ("history of left dvt", True),
        ("previously 40%", True),
        ("compared with the prior study of 2025, no dvt", False),
        ("the previously seen left popliteal dvt is again seen", False),
        ("new occlusive thrombus compared with 2025", False),
        ("occlusive thrombus in the left cfv", False),
    ],
)
def test_is_history(text: str, history: bool) -> None:
    assert is_history(text) is history


def test_current_text_drops_only_past_chunks() -> None:
    assert current_text("ivus: 72% stenosis of the l civ (previously 40% in 2023)") == (
        "ivus: 72% stenosis of the l civ"
    )
    assert current_text("stenosis of 40% on the prior study, now 72%") == "now 72%"
    assert current_text("prior study in 2023 showed dvt") == ""


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Oedema", "edema"),
        ("HAEMATOMA", "hematoma"),
        ("visualised", "visualized"),
        ("recanalisation", "recanalization"),
        ("thrombis", "thrombus"),
        ("compresion", "compression"),
        ("illiac", "iliac"),
        ("lymphocoele", "lymphocele"),
        ("otherwise", "otherwise"),  # not a British -ise word
    ],
)
def test_spelling_is_folded(raw: str, folded: str) -> None:
    assert clinical_text.normalize(raw) == folded


@pytest.mark.parametrize(
    "text",
    ["DVT unlikely.", "Likely thrombus.", "Thrombus versus artifact.",
     "Equivocal for thrombus.", "Calf DVT, cannot be excluded."],
)
def test_hedges_are_uncertain(text: str) -> None:
    assert clinical_text.assertion(text, ("dvt", "thrombus")) in (
        clinical_text.Assertion.UNCERTAIN, clinical_text.Assertion.AFFIRMED
    )
    assert not clinical_text.negated(text, ("dvt", "thrombus"))
