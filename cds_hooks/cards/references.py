"""The sources the catalog cites (S1..S5, Label): card labels and publication links.

Only publications with a stable, verified URL get a link; a source without one is still named
in the card's detail by its key and description.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Publication:
    label: str
    url: str


@dataclass(frozen=True)
class SourceInfo:
    key: str
    label: str  # short, for `source.label`
    description: str  # one line, for the card detail
    publications: tuple[Publication, ...] = ()


SOURCES: dict[str, SourceInfo] = {
    "S1": SourceInfo(
        key="S1",
        label="DVT guidance (S1)",
        description=(
            "Clinical guidance on DVT in the leg and pelvis (ESC 2018 pregnancy guideline, VTE "
            "chapter; SRU consensus, Needleman et al., Circulation 2018; ESVS 2021 venous "
            "thrombosis guideline)"
        ),
        publications=(
            Publication(
                # The catalog's S1 DOI is the ESC 2018 *pregnancy* guideline (its VTE chapter):
                # say so, or a clinician expects a general VTE guideline behind the link.
                label="ESC 2018 pregnancy guidelines (VTE chapter)",
                url="https://doi.org/10.1093/eurheartj/ehy340",
            ),
        ),
    ),
    "S2": SourceInfo(
        key="S2",
        label="NIVL consensus (S2)",
        description=(
            "Consensus on nonthrombotic iliac vein lesions (NIVL), incl. VIDIO (Gagne et al.) and "
            "stent migration (Sayed et al., J Vasc Surg Venous Lymphat Disord 2022;10:482-490)"
        ),
        publications=(
            Publication(
                label="Stent migration, Sayed et al. 2022",
                url="https://doi.org/10.1016/j.jvsv.2021.07.015",
            ),
        ),
    ),
    "S3": SourceInfo(
        key="S3",
        label="Malignant compression guidance (S3)",
        description="Malignant extrinsic compression: treat the mass, oncology, palliative stent",
    ),
    "S4": SourceInfo(
        key="S4",
        label="Degenerative compression guidance (S4)",
        description="Degenerative disc / osteophyte compression of the iliac vein in the elderly",
    ),
    "S5": SourceInfo(
        key="S5",
        label="Iliopsoas bursitis guidance (S5)",
        description="Iliopsoas bursitis compressing the iliac vein (often after hip arthroplasty)",
    ),
    "Label": SourceInfo(
        key="Label",
        label="Enoxaparin label",
        description="Enoxaparin prescribing information (renal dose adjustment)",
    ),
    # Catalog v2.2, "Thrombolysis contraindicated" (beyond the seed).
    "ESC2019": SourceInfo(
        key="ESC2019",
        label="ESC 2019 acute PE guideline (fibrinolysis contraindications)",
        description=(
            "ESC 2019 guidelines on acute pulmonary embolism: absolute contraindications to "
            "fibrinolysis"
        ),
        publications=(
            Publication(
                label="ESC 2019 acute pulmonary embolism guidelines",
                url="https://doi.org/10.1093/eurheartj/ehz405",
            ),
        ),
    ),
    # Catalog v2.2, "Heparin contraindicated": "ASH 2018: a non-heparin anticoagulant after HIT".
    "ASH2018": SourceInfo(
        key="ASH2018",
        label="ASH 2018 HIT guideline",
        description=(
            "American Society of Hematology 2018 guidelines on heparin-induced "
            "thrombocytopenia: a non-heparin anticoagulant after HIT"
        ),
    ),
}


def source_info(key: str) -> SourceInfo:
    """The source for a key; an unknown key is shown as itself rather than dropped."""
    return SOURCES.get(key) or SourceInfo(key=key, label=key, description=key)
