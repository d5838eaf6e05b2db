"""Draft-order value sets (order-sign / order-select): stents, IVC filters, thrombolysis,
venography/IVUS, and the reason concepts that gate thrombolysis cards."""

from __future__ import annotations

from cds_hooks.guideline.findings import Side

from . import ValueSet, codes, icd, icd_prefixes

# ---------------------------------------------------------------- stents
# ICD-10-PCS dilation of an iliac or femoral vein with an intraluminal device: the code names
# the vein and its side (C right / D left common iliac, F right / G left external iliac,
# M right / N left femoral). Catalog scope: "a venous stent of the iliac/femoral veins".
ILIAC_STENT_PCS: dict[str, Side] = {
    "067C3DZ": Side.RIGHT,
    "067D3DZ": Side.LEFT,
    "067F3DZ": Side.RIGHT,
    "067G3DZ": Side.LEFT,
    "067M3DZ": Side.RIGHT,
    "067N3DZ": Side.LEFT,
}
VENOUS_STENT_CPT = codes("37238", "37239")
STENT_SNOMED = codes("65818007", "706178002")  # stent, venous stent
STENT_TEXT = (
    "stent", "stents", "stenting", "venovo", "wallstent", "vici", "abre", "zilver vena",
    "sinus-venous", "sinus-xl", "blueflow", "intraluminal device",
)  # fmt: skip
STENT_NOT_PLACEMENT_TEXT = ("stent removal", "stent retrieval", "remove stent", "explant")
ILIAC_FEMORAL_TEXT = (
    "iliac", "iliofemoral", "ilio-femoral", "femoral vein", "common femoral", "femoral venous",
    "may-thurner", "may thurner", "cockett", "nivl", "civ", "eiv", "cfv", "iliocaval",
)  # fmt: skip
VEIN_TEXT = ("vein", "veins", "venous", "civ", "eiv", "cfv", "may-thurner", "may thurner")
OTHER_SITE_TEXT = (
    "artery", "arterial", "coronary", "renal", "carotid", "biliary", "bile duct", "ureteral",
    "ureteric", "ureter", "sfa", "esophageal", "oesophageal", "tracheal", "bronchial",
    "colonic", "duodenal", "pancreatic", "vertebral", "subclavian", "jugular", "brachiocephalic",
    "vena cava", "ivc", "svc", "portal", "tips", "intracranial", "aortic", "aorta", "popliteal",
    "tibial", "dialysis", "fistula", "av graft", "pulmonary",
    # Catalog: "a stent order while the patient has iliac context and no other site named".
    "saphenous", "ovarian", "gonadal", "hepatic", "mesenteric", "splenic", "axillary",
    "cephalic", "basilic", "innominate",
)  # fmt: skip

# DeviceRequest / Device parameters.
LENGTH_SNOMED = codes("410668003")
DIAMETER_SNOMED = codes("81827009")

# ---------------------------------------------------------------- other procedures
IVC_FILTER = ValueSet(
    snomed=codes("397913009", "233196008"),
    cpt=codes("37191"),
    pcs=codes("06H03DZ", "06H00DZ", "06H04DZ"),
)
IVC_FILTER_TEXT = (
    "ivc filter", "vena cava filter", "vena caval filter", "inferior vena cava filter",
    "caval filter", "greenfield filter",
)  # fmt: skip
IVC_FILTER_NOT_PLACEMENT_TEXT = ("retrieval", "removal", "remove", "retrieve", "explant")
THROMBOLYSIS = ValueSet(snomed=codes("426347000", "472990000", "380177003"))
THROMBOLYSIS_TEXT = (
    "thrombolysis", "thrombolytic", "catheter-directed", "catheter directed", "cdt",
    "pharmacomechanical", "pharmaco-mechanical", "lysis", "fibrinolysis", "fibrinolytic",
    "ekos", "angiojet",
)  # fmt: skip
VENOGRAPHY_IVUS = ValueSet(cpt=codes("37252", "37253", "75820", "75822", "75825", "75827"))
VENOGRAPHY_IVUS_TEXT = (
    "venography", "venogram", "phlebography", "ivus", "intravascular ultrasound",
)  # fmt: skip
IVUS_TEXT = ("ivus", "intravascular ultrasound")
# CT / MR venography and duplex are imaging orders, not catheter venography.
NOT_CATHETER_VENOGRAPHY_TEXT = (
    "ct", "cta", "ctv", "mr", "mri", "mrv", "computed tomography", "magnetic resonance",
    "duplex", "doppler",
)  # fmt: skip

# ---------------------------------------------------------------- reasons (indication gating)
REASONS: dict[str, ValueSet] = {
    "dvt": ValueSet(
        snomed=codes("128053003", "404223003", "132281000119108", "134399007"),
        icd10=icd("O87.1"),
        icd10_prefixes=icd_prefixes("I82", "I80.1", "I80.2", "O22.3"),
    ),
    "phlegmasia": ValueSet(snomed=codes("12118005", "95445001")),
    "stroke": ValueSet(
        snomed=codes("422504002", "230690007", "432504007", "125081000119106"),
        icd10_prefixes=icd_prefixes("I63", "I64"),
    ),
    "mi": ValueSet(
        snomed=codes("22298006", "57054005", "401303003", "401314000"),
        icd10_prefixes=icd_prefixes("I21", "I22"),
    ),
    "pe": ValueSet(snomed=codes("59282003", "706870000"), icd10_prefixes=icd_prefixes("I26")),
    "catheter-occlusion": ValueSet(
        icd10_prefixes=icd_prefixes("T82.868", "T82.898", "T80.21", "T85.898"),
    ),
}
REASON_TEXT: dict[str, tuple[str, ...]] = {
    "dvt": ("dvt", "deep vein thrombosis", "deep venous thrombosis", "iliofemoral thrombosis",
            "vein thrombosis", "venous thrombosis", "thrombosis of the iliac vein",
            "thrombosis of the femoral vein", "iliofemoral thrombus", "iliac vein thrombus",
            "femoral vein thrombus", "venous thrombus"),
    "phlegmasia": ("phlegmasia", "cerulea dolens", "alba dolens", "venous gangrene"),
    "stroke": ("stroke", "cva", "cerebral infarction", "cerebrovascular accident",
               "ischemic stroke", "ischaemic stroke"),
    "mi": ("myocardial infarction", "stemi", "nstemi", "heart attack", "acute mi", "ami"),
    "pe": ("pulmonary embolism", "pulmonary embolus", "pulmonary emboli", "pe"),
    "catheter-occlusion": (
        "catheter occlusion", "line occlusion", "occluded catheter", "occluded line",
        "catheter clearance", "occluded central line", "occluded port", "port occlusion",
        "cvad occlusion", "picc occlusion", "occluded picc", "catheter dysfunction",
        "restore patency", "restoration of patency", "cathflo",
    ),
}  # fmt: skip

# Resource types of FHIR DSTU2/STU3 that R4 removed or renamed.
LEGACY_ORDER_TYPES: dict[str, str] = {
    "MedicationOrder": "DSTU2",
    "DiagnosticOrder": "DSTU2",
    "DeviceUseRequest": "DSTU2",
    "ProcedureRequest": "STU3",
    "ReferralRequest": "STU3",
    "ProcessRequest": "STU3",
}
