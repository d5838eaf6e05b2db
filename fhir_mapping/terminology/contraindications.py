"""Value sets and text of the bleeding and thrombolysis contraindications (input profile v2.3,
catalog v2.2): intracranial hemorrhage, stroke, CNS neoplasm, head injury and trauma, bleeding
diathesis, heparin-induced thrombocytopenia (text), and major surgery (Procedure).

ICD-10-CM codes are normalized without the dot, so a prefix such as "S0634" matches S06.34,
S06.340A and S06340A alike.
"""

from __future__ import annotations

from cds_hooks.guideline.findings import Concept

from . import ValueSet, codes, icd, icd_prefixes, icd_range

# "intracranial I60-I62, S06.34-S06.6x, SNOMED 1386000, 274100004, 21454007, 35486000".
# S06.3 is focal traumatic brain injury: S06.30-S06.33 are contusions/lacerations, S06.34-S06.38
# traumatic hemorrhage (cerebrum right/left/unspecified, cerebellum, brainstem); S06.4 epidural,
# S06.5 subdural, S06.6 subarachnoid hemorrhage; S06.7 and beyond are not bleeds.
INTRACRANIAL_HEMORRHAGE = ValueSet(
    snomed=codes("1386000", "274100004", "21454007", "35486000"),
    icd10_prefixes=(
        *icd_range("I", 60, 62),
        *icd_prefixes("S06.34", "S06.35", "S06.36", "S06.37", "S06.38", "S06.4", "S06.5",
                      "S06.6"),
    ),
)
# Sequelae of nontraumatic subarachnoid / intracerebral / other intracranial hemorrhage: a past
# bleed (history for anticoagulation, still "at any time" for thrombolysis).
INTRACRANIAL_HEMORRHAGE_SEQUELAE = ValueSet(icd10_prefixes=icd_prefixes("I69.0", "I69.1", "I69.2"))
# "ischemic stroke (I63.x, SNOMED 422504002)"; 432504007 is cerebral infarction.
ISCHEMIC_STROKE = ValueSet(snomed=codes("422504002", "432504007"), icd10_prefixes=("I63",))
# Stroke not specified as hemorrhage or infarction: WHO ICD-10 I64 (ICD-10-CM has no I64),
# SNOMED 230690007 cerebrovascular accident.
STROKE_UNKNOWN_TYPE = ValueSet(snomed=codes("230690007"), icd10=icd("I64"))
# "a CNS neoplasm (C70-C72, C79.3, D33.x, D43.x)".
CNS_NEOPLASM = ValueSet(icd10_prefixes=(*icd_range("C", 70, 72), *icd_prefixes("C79.3", "D33",
                                                                                 "D43")))
HEAD_INJURY = ValueSet(icd10_prefixes=icd_prefixes("S06"))
# "trauma S/T codes": injuries of body regions S00-S99, injuries of unspecified or multiple
# regions T07-T14, foreign bodies T15-T19, burns and frostbite T20-T34, and T79 (early
# complications of trauma). Poisoning, effects of external causes and complications of care
# (T36-T78, T80-T88) are not trauma.
TRAUMA = ValueSet(
    icd10_prefixes=(*icd_range("S", 0, 99), *(f"T{n:02d}" for n in range(7, 35)), "T79"),
)
# "D65, D66, D67, D68.0-D68.2, D68.3x, D68.4, D69.3-D69.6". D68.5x/D68.6x are thrombophilia;
# D69.0-D69.2 purpura and D69.8-D69.9 are not in the catalog's list.
BLEEDING_DIATHESIS = ValueSet(
    icd10_prefixes=icd_prefixes(
        "D65", "D66", "D67", "D68.0", "D68.1", "D68.2", "D68.3", "D68.4", "D69.3", "D69.4",
        "D69.5", "D69.6",
    ),
)

# Text (code text or display). Intracranial bleeds are matched by a pattern in
# `conditions.contraindications` (site and bleed words in either order).
ICH_SITE_WORDS = (
    r"intra-?cranial|intra-?cerebral|cerebral|cerebellar|subarachnoid|sub-?dural|epidural|"
    r"extradural|intraventricular|brain(?:stem)?"
)
ICH_BLEED_WORDS = r"ha?emorrhages?|ha?ematomas?|bleed(?:s|ing)?"
ISCHEMIC_STROKE_TEXT = (
    "ischemic stroke", "ischaemic stroke", "ischemic cva", "ischaemic cva", "cerebral infarction",
    "cerebral infarct", "brain infarction", "brain infarct", "lacunar infarct",
    "lacunar infarction", "lacunar stroke", "embolic stroke", "thrombotic stroke",
    "cardioembolic stroke", "stroke due to cerebral infarction",
)
STROKE_TEXT = ("stroke", "cva", "cerebrovascular accident", "apoplexy")
# Not a stroke of the brain, whatever the word says.
NOT_STROKE_TEXT = ("heat stroke", "heatstroke", "sun stroke", "sunstroke", "stroke volume")
CNS_NEOPLASM_TEXT = (
    "glioblastoma", "glioma", "astrocytoma", "oligodendroglioma", "ependymoma",
    "medulloblastoma", "brain tumor", "brain tumour", "brain neoplasm", "brain cancer",
    "neoplasm of brain", "tumor of brain", "tumour of brain", "brain metastasis",
    "brain metastases", "brain mets", "cerebral metastasis", "cerebral metastases",
    "intracranial tumor", "intracranial tumour", "intracranial neoplasm", "spinal cord tumor",
    "spinal cord tumour", "cns lymphoma", "central nervous system lymphoma",
    "neoplasm of central nervous system",
)
HEAD_INJURY_TEXT = (
    "head injury", "head trauma", "injury of head", "traumatic brain injury",
    "skull fracture", "fracture of skull", "concussion",
)
TRAUMA_TEXT = ("polytrauma", "multiple trauma", "major trauma", "multiple injuries")
BLEEDING_DIATHESIS_TEXT = (
    "hemophilia", "haemophilia", "von willebrand", "bleeding diathesis", "bleeding disorder",
    "hemorrhagic diathesis", "haemorrhagic diathesis", "immune thrombocytopenia",
    "immune thrombocytopenic purpura", "idiopathic thrombocytopenic purpura",
    "disseminated intravascular coagulation", "factor viii deficiency",
    "factor ix deficiency", "christmas disease", "coagulation factor deficiency",
)
HIT_TEXT = ("heparin-induced thrombocytopenia", "heparin induced thrombocytopenia",
            "heparin-induced thrombocytopaenia")

# Text that says a condition is not the patient's own, or not a diagnosis: never read as one.
NOT_A_DIAGNOSIS = (
    r"\b(?:family (?:history|hx)|fh of|at risk|risk (?:of|for)|screening|prophylaxis|"
    r"prevention|assessment)\b"
)
# Text that places the event in the past: history for windowed and current concepts. Not
# "following": "subdural hemorrhage following injury" names a cause, and "hemiplegia following
# intracerebral hemorrhage" may follow a bleed of last week.
PAST_EVENT = (
    r"\b(?:history of|hx of|h/o|personal history|past history|sequela[e]?|late effects?|"
    r"old|previous|prior|remote)\b"
)

# Concepts matched by code alone.
CODED: dict[Concept, ValueSet] = {
    Concept.CNS_NEOPLASM: CNS_NEOPLASM,
    Concept.BLEEDING_DIATHESIS: BLEEDING_DIATHESIS,
}
ALL_VALUE_SETS: tuple[ValueSet, ...] = (
    INTRACRANIAL_HEMORRHAGE, INTRACRANIAL_HEMORRHAGE_SEQUELAE, ISCHEMIC_STROKE,
    STROKE_UNKNOWN_TYPE, CNS_NEOPLASM, HEAD_INJURY, TRAUMA, BLEEDING_DIATHESIS,
)
# Cheap relevance check on raw Condition text (conditions.relevant): any word of the above.
TEXT_KEYWORDS = (
    r"ha?emorrhag|ha?ematoma|bleed|stroke|\bcva\b|cerebrovascular|apoplexy|infarct|glio|"
    r"astrocytoma|ependymoma|medulloblastoma|brain|intracranial|cns\b|central nervous|"
    r"spinal cord|head injury|head trauma|injury of head|concussion|skull|trauma|"
    r"multiple injuries|ha?emophilia|willebrand|diathesis|thrombocytop|coagulation|"
    r"factor (?:viii|ix)|christmas disease|heparin"
)

# ---------------------------------------------------------------- major surgery (Procedure)
# "a completed Procedure with category SNOMED 387713003 surgical procedure, or any Procedure
# whose code text or display names craniotomy, craniectomy, laminectomy, spinal fusion,
# arthroplasty, laparotomy or another open operation, performed within 21 days".
SURGICAL_CATEGORY = codes("387713003")
# Total hip replacement: an arthroplasty by code, whatever its display.
MAJOR_SURGERY_CODES = ValueSet(snomed=codes("52734007"))
MAJOR_SURGERY_TEXT = (
    "craniotomy", "craniectomy", "laminectomy", "spinal fusion", "arthroplasty", "laparotomy",
    "thoracotomy", "sternotomy", "joint replacement", "hip replacement", "knee replacement",
    "shoulder replacement", "coronary artery bypass", "cabg", "spinal decompression",
)
# "another open operation": the word "open" with an operation word, in either order ("open
# reduction and internal fixation", "Appendectomy, open", "open approach hernia repair").
_OPERATION = (
    r"(?:\w+(?:ectomy|otomy|ostomy|plasty|pexy|rrhaphy)|repair|reduction|fixation|resection|"
    r"surgery|surgical|operation|procedure|excision|approach)"
)
OPEN_OPERATION = rf"\bopen\b[^.;]*?\b{_OPERATION}\b|\b{_OPERATION}\b[^.;]*?\bopen\b"
