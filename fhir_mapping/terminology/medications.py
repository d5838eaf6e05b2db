"""Medication concepts of the input profile: ingredient, RxNorm ingredient code, class, names.

Product (SCD/SBD) codes are too many to list; their `display` / `text` carries the ingredient
or brand name, so ingredients are also matched by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cds_hooks.guideline.findings import DrugClass


@dataclass(frozen=True)
class Drug:
    ingredient: str  # lower-case generic name, as in findings.Medication.ingredient
    drug_class: DrugClass
    rxnorm: str = ""  # RxNorm ingredient (IN) code
    names: tuple[str, ...] = ()  # other names and brand names, lower-case

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.ingredient, *self.names)


_A = DrugClass.ANTICOAGULANT
_P = DrugClass.ANTIPLATELET
_T = DrugClass.THROMBOLYTIC
_E = DrugClass.EDEMA_CAUSING

DRUGS: tuple[Drug, ...] = (
    # anticoagulants
    Drug("enoxaparin", _A, "67108", ("lovenox", "clexane", "inhixa")),
    Drug("dalteparin", _A, "67109", ("fragmin",)),
    Drug("tinzaparin", _A, "69646", ("innohep",)),
    Drug("heparin", _A, "5224", ("unfractionated heparin", "heparin sodium")),
    Drug("fondaparinux", _A, "321208", ("arixtra",)),
    Drug("warfarin", _A, "11289", ("coumadin", "jantoven")),
    Drug("apixaban", _A, "1364430", ("eliquis",)),
    Drug("rivaroxaban", _A, "1114195", ("xarelto",)),
    Drug("edoxaban", _A, "1599538", ("savaysa", "lixiana")),
    Drug("dabigatran", _A, "1037042", ("pradaxa", "dabigatran etexilate")),
    Drug("argatroban", _A),
    Drug("bivalirudin", _A, "", ("angiomax",)),
    # antiplatelets
    Drug("aspirin", _P, "1191", ("acetylsalicylic acid", "asa")),
    Drug("clopidogrel", _P, "32968", ("plavix",)),
    Drug("ticagrelor", _P, "1116632", ("brilinta",)),
    Drug("prasugrel", _P, "613391", ("effient",)),
    # thrombolytics
    Drug("alteplase", _T, "8410", ("activase", "cathflo", "tpa", "rt-pa")),
    Drug("tenecteplase", _T, "", ("tnkase",)),
    Drug("urokinase", _T, "", ("kinlytic",)),
    Drug("reteplase", _T, "", ("retavase",)),
    Drug("streptokinase", _T, "", ("streptase",)),
    # edema-causing drugs
    Drug("amlodipine", _E, "17767", ("norvasc",)),
    Drug("nifedipine", _E, "7417", ("procardia", "adalat")),
    Drug("felodipine", _E, "4316", ("plendil",)),
    Drug("pioglitazone", _E, "33738", ("actos",)),
    Drug("rosiglitazone", _E, "84108", ("avandia",)),
    Drug("gabapentin", _E, "25480", ("neurontin",)),
    Drug("pregabalin", _E, "187832", ("lyrica",)),
    Drug("ibuprofen", _E, "5640", ("advil", "motrin")),
    Drug("naproxen", _E, "7258", ("aleve", "naprosyn")),
    Drug("diclofenac", _E, "3355", ("voltaren",)),
    Drug("celecoxib", _E, "140587", ("celebrex",)),
    Drug("prednisone", _E, "8640"),
    Drug("prednisolone", _E, "8638"),
    Drug("dexamethasone", _E, "3264", ("decadron",)),
    Drug("minoxidil", _E, "6984", ("loniten",)),
)

# RxNorm product (SCD/SBD) codes EHRs send without a display: name -> read like a display
# (ingredient and strength). Only codes verified against RxNorm names are listed; others are
# matched by their display/text.
PRODUCT_NAMES: dict[str, str] = {
    "854228": "enoxaparin sodium 40 MG in 0.4 ML Prefilled Syringe",
    "1364445": "apixaban 5 MG Oral Tablet",
}
BY_RXNORM: dict[str, Drug] = {d.rxnorm: d for d in DRUGS if d.rxnorm}
LMWH = frozenset({"enoxaparin", "dalteparin", "tinzaparin"})
HEPARINS = LMWH | {"heparin"}

# One alternation of every name; whole words, so "asa" never matches "nasal".
_NAMES = sorted({(name, d) for d in DRUGS for name in d.all_names}, key=lambda nd: -len(nd[0]))
_NAME_TO_DRUG: dict[str, Drug] = {}
for _name, _drug in _NAMES:
    _NAME_TO_DRUG.setdefault(_name, _drug)
NAME_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(n) for n, _ in _NAMES) + r")\b", re.IGNORECASE
)
# Low-molecular-weight heparins must not also read as unfractionated heparin.
_NOT_UFH = re.compile(r"low[- ]molecular[- ]weight heparin|\blmwh\b", re.IGNORECASE)


def drugs_in_text(text: str) -> list[Drug]:
    """Every listed drug named in the text, in order of first mention, without duplicates."""
    found: list[Drug] = []
    for match in NAME_PATTERN.finditer(text):
        drug = _NAME_TO_DRUG[match.group(1).lower()]
        if drug not in found:
            found.append(drug)
    return found


def names_lmwh_class(text: str) -> bool:
    """'LMWH' / 'low molecular weight heparin' named without a specific drug."""
    return _NOT_UFH.search(text) is not None


BY_RXNORM.update({
    code: drug
    for code, name in PRODUCT_NAMES.items()
    for drug in drugs_in_text(name)
})
