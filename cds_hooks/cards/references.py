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
    # S1 names three publications; a card cites the one that applies to the patient (catalog
    # cross-cutting rule): the guideline core turns "S1" into "S1-pregnancy" for a pregnant
    # patient. Both are shown as S1, the catalog's key.
    "S1": SourceInfo(
        key="S1",
        label="DVT guidance (S1)",  # detail and links name SRU 2018 and ESVS 2021
        description=(
            "Clinical guidance on DVT in the leg and pelvis: SRU consensus on ultrasound for "
            "lower extremity DVT (Needleman et al., Circulation 2018) and the ESVS 2021 "
            "venous thrombosis guideline (Kakkos et al., Eur J Vasc Endovasc Surg 2021)"
        ),
        publications=(
            Publication(
                label="SRU consensus, Needleman et al., Circulation 2018",
                url="https://doi.org/10.1161/CIRCULATIONAHA.117.030687",
            ),
            Publication(
                label="ESVS 2021 venous thrombosis guideline (Kakkos et al.)",
                url="https://doi.org/10.1016/j.ejvs.2020.09.023",
            ),
        ),
    ),
    "S1-pregnancy": SourceInfo(
        key="S1",
        label="DVT guidance in pregnancy (S1): ESC 2018",
        description=(
            "Clinical guidance on DVT in pregnancy: ESC 2018 guidelines for the management of "
            "cardiovascular diseases during pregnancy, venous thromboembolism chapter"
        ),
        publications=(
            Publication(
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
