"""Condition value sets of the input profile (v2.1), keyed by concept.

Codes under "gated" names count only with the site or text the profile requires; the gate
itself lives in `fhir_mapping.conditions`.
"""

from __future__ import annotations

from cds_hooks.guideline.findings import Concept, MassNature

from . import ValueSet, codes, icd, icd_prefixes, icd_range

# ---------------------------------------------------------------- swelling and edema
SWELLING = ValueSet(
    snomed=codes("449614009", "102572006", "449615005", "267039000"),
    icd10=icd("R22.40", "R22.41", "R22.42", "R22.43", "R60.0"),
)
SCROTAL_EDEMA = ValueSet(snomed=codes("88995000", "271687003"))
SCROTAL_EDEMA_GATED = ValueSet(icd10=icd("N50.89", "N48.89"))  # only with edema text

# ---------------------------------------------------------------- pelvic mass
PELVIC_MASS = ValueSet(
    snomed=codes("74285003", "274754009", "281398003", "127199000"),
    icd10=icd("R19.03", "R19.04", "R19.09"),
)
PELVIC_MASS_GATED = ValueSet(  # R19.00 / generic lymphadenopathy need a pelvic site or text
    snomed=codes("30746006"),
    icd10=icd("R19.00", "R59.0", "R59.9"),
)

# ---------------------------------------------------------------- venous thromboembolism
DVT = ValueSet(
    snomed=codes("128053003", "404223003", "132281000119108"),
    icd10=icd("O87.1"),
    icd10_prefixes=icd_prefixes("I82.4", "I80.1", "I80.2", "O22.3"),
)
DVT_PROXIMAL_PREFIXES = icd_prefixes(
    "I82.41", "I82.42", "I82.43", "I82.4Y", "I80.1", "I80.21", "I80.22"
)
DVT_DISTAL_PREFIXES = icd_prefixes(
    "I82.44", "I82.45", "I82.46", "I82.4Z", "I80.23", "I80.24", "I80.25"
)
CHRONIC_DVT = ValueSet(icd10_prefixes=icd_prefixes("I82.5"))
PULMONARY_EMBOLISM = ValueSet(
    snomed=codes("59282003", "706870000"),
    icd10_prefixes=icd_prefixes("I26"),
)
VTE_HISTORY = ValueSet(
    snomed=codes("161508001", "161512007"),
    icd10=icd("Z86.718", "Z86.711"),
)

# ---------------------------------------------------------------- iliac vein compression
ILIAC_COMPRESSION = ValueSet(icd10=icd("I87.1"))
ILIAC_COMPRESSION_TEXT = (
    "may-thurner",
    "may thurner",
    "cockett",
    "iliac vein compression",
    "iliac venous compression",
    "compression of the left common iliac vein",
    "compression of the right common iliac vein",
    "nivl",
    "non-thrombotic iliac vein lesion",
    "nonthrombotic iliac vein lesion",
)
# I87.1 is "compression of vein": another named vein is not the iliac pathway.
OTHER_VEIN_TEXT = (
    "vena cava",
    "ivc",
    "svc",
    "subclavian",
    "jugular",
    "brachiocephalic",
    "innominate",
    "axillary",
    "renal vein",
    "portal",
    "popliteal",
    "thoracic outlet",
    "nutcracker",
)

# ---------------------------------------------------------------- nature of a pelvic mass
MASS_NATURE: dict[MassNature, ValueSet] = {
    MassNature.MALIGNANT: ValueSet(
        snomed=codes("118600007"),
        icd10=icd("C77.5", "C77.2", "C78.6", "C49.5", "C41.4", "C20", "C61", "C67"),
        icd10_prefixes=(
            *icd_range("C", 81, 85),
            *icd_range("C", 53, 56),
            *icd_prefixes("C41.4", "C49.5", "C67", "C77.2", "C77.5", "C78.6"),
        ),
    ),
    MassNature.ABSCESS: ValueSet(snomed=codes("111367007"), icd10=icd("K68.12", "K68.19")),
    MassNature.HEMATOMA: ValueSet(icd10=icd("K68.3")),
    MassNature.BURSITIS: ValueSet(snomed=codes("281352004")),
}
MASS_NATURE_GATED: dict[MassNature, ValueSet] = {
    MassNature.MALIGNANT: ValueSet(snomed=codes("363346000", "128462008")),
    MassNature.ABSCESS: ValueSet(snomed=codes("128477000")),
    MassNature.HEMATOMA: ValueSet(snomed=codes("385494008")),
    MassNature.BENIGN_NEOPLASM: ValueSet(
        snomed=codes("20376005", "3898006"),
        icd10=icd("D36.9", "D21.5", "D48.3"),
    ),
    MassNature.DEGENERATIVE: ValueSet(
        snomed=codes("235231000119100"),
        icd10=icd("M25.78"),
        icd10_prefixes=icd_prefixes("M51.36", "M51.37", "M25.78"),
    ),
}
BURSITIS_GATED = ValueSet(icd10=icd("M70.70", "M70.71", "M70.72"))  # iliopsoas/psoas text
BURSITIS_TEXT = ("iliopsoas", "psoas")
# Where a generic mass/lymph node code must be to count for the iliac pathway.
PELVIC_SITE_TEXT = (
    "pelvic",
    "pelvis",
    "iliac",
    "retroperitoneal",
    "retroperitoneum",
    "inguinal",
    "groin",
    "nodal",
    "lymph node",
    "psoas",
)

# ---------------------------------------------------------------- other diagnoses
HIP_ARTHROPLASTY = ValueSet(
    snomed=codes("52734007"),
    icd10=icd(*(f"Z96.64{n}" for n in range(1, 10))),
)
PRIMARY_LYMPHEDEMA = ValueSet(icd10=icd("Q82.0"))
PRIMARY_LYMPHEDEMA_GATED = ValueSet(snomed=codes("234097001"), icd10=icd("I89.0"))
PRIMARY_LYMPHEDEMA_TEXT = ("primary", "congenital", "praecox", "tarda", "milroy")
LIMB_ISCHEMIA = ValueSet(snomed=codes("1230182004"), icd10=icd("I96"))
LIMB_ISCHEMIA_TEXT = ("phlegmasia", "venous gangrene")
ILIAC_STENT_HISTORY_GATED = ValueSet(icd10=icd("Z95.828", "Z95.820"))

# Concepts matched by code alone, in no particular order (a Condition may match several).
SIMPLE: dict[Concept, ValueSet] = {
    Concept.HEART_FAILURE: ValueSet(
        snomed=codes("84114007", "42343007", "88805009", "85232009"),
        icd10=icd("I11.0", "I13.0", "I13.2"),
        icd10_prefixes=icd_prefixes("I50"),
    ),
    Concept.RENAL_DISEASE: ValueSet(
        snomed=codes(
            "709044004", "46177005", "431855005", "431856006", "433144002", "431857002",
            "127013003",
        ),
        icd10=icd("N17.9", "Z99.2"),
        icd10_prefixes=icd_prefixes("N18", "N04"),
    ),
    Concept.LIVER_DISEASE: ValueSet(
        snomed=codes("19943007", "328383001", "708248004"),
        icd10=icd("K76.6", "K76.7"),
        icd10_prefixes=icd_prefixes("K70.3", "K74", "K72.9"),
    ),
    Concept.HYPOALBUMINEMIA: ValueSet(icd10=icd("E88.09", "R77.0")),
    Concept.ATRIAL_FIBRILLATION: ValueSet(
        snomed=codes("49436004"), icd10_prefixes=icd_prefixes("I48")
    ),
    Concept.MECHANICAL_VALVE: ValueSet(icd10=icd("Z95.2")),
    Concept.CORONARY_DISEASE: ValueSet(
        snomed=codes("53741008", "22298006", "414545008", "399211009", "401303003",
                     "401314000"),
        icd10=icd("Z95.5"),
        icd10_prefixes=icd_range("I", 20, 25),
    ),
    Concept.PERIPHERAL_ARTERIAL: ValueSet(icd10_prefixes=icd_prefixes("I70.2")),
    Concept.STROKE_TIA: ValueSet(
        snomed=codes("230690007", "266257000"),
        icd10=icd("Z86.73"),
        icd10_prefixes=icd_prefixes("I63", "G45"),
    ),
    Concept.THROMBOPHILIA: ValueSet(icd10_prefixes=icd_prefixes("D68.5", "D68.6")),
    Concept.MAJOR_BLEEDING: ValueSet(
        snomed=codes("131148009", "74474003"),
        # Intracranial I60-I62 / S06.34-S06.6x: terminology.contraindications.
        icd10=icd("K92.0", "K92.1", "K92.2", "K62.5", "R58"),
    ),
    Concept.MINOR_BLEEDING: ValueSet(icd10=icd("R31.9", "N93.9", "R04.0")),
    Concept.HIT: ValueSet(snomed=codes("73397007"), icd10_prefixes=icd_prefixes("D75.82")),
    # A plain hypotension code (I95.9, 45007003) is deliberately not shock.
    Concept.SHOCK: ValueSet(snomed=codes("27942005"), icd10_prefixes=icd_prefixes("R57")),
}

# Pregnancy: Z33.1, supervision O09.x (high-risk) and Z34.x (normal), weeks Z3A.x and
# conditions of pregnancy O00-O48; the puerperium (O85-O92, incl. O87.x) is after delivery and
# not pregnancy. Pregnancy only narrows imaging to MR without contrast, so erring wide is safe.
PREGNANCY = ValueSet(
    snomed=codes("77386006", "72892002"),
    icd10=icd("Z33.1"),
    icd10_prefixes=(*icd_prefixes("O09", "Z34", "Z3A"), *icd_range("O", 0, 48)),
)
