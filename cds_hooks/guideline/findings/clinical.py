"""The findings of a patient's record, by clinical kind, and the record that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from cds_hooks.guideline.findings.basics import Side, Source

# ---------------------------------------------------------------- conditions and diagnoses


class Concept(StrEnum):
    """Condition-like concepts of the input profile (Condition, or coded Observation/Allergy)."""

    PELVIC_MASS = "pelvic-mass"  # includes pelvic/iliac/inguinal lymphadenopathy
    ILIAC_COMPRESSION = "iliac-vein-compression"  # I87.1, May-Thurner, NIVL, Cockett
    DVT = "dvt"  # acute-type DVT code (recency decided by the guideline)
    PULMONARY_EMBOLISM = "pulmonary-embolism"
    VTE_HISTORY = "vte-history"  # Z86.718, Z86.711, 161508001...
    CHRONIC_DVT = "chronic-dvt"  # I82.5x: prior VTE, never acute
    HIP_ARTHROPLASTY = "hip-arthroplasty"
    HEART_FAILURE = "heart-failure"
    RENAL_DISEASE = "renal-disease"
    LIVER_DISEASE = "liver-disease"
    HYPOALBUMINEMIA = "hypoalbuminemia"
    PRIMARY_LYMPHEDEMA = "primary-lymphedema"
    SCROTAL_EDEMA = "scrotal-penile-edema"
    MAJOR_BLEEDING = "major-bleeding"  # GI, R58... (intracranial is its own concept)
    INTRACRANIAL_HEMORRHAGE = "intracranial-hemorrhage"  # I60-I62, S06.34-S06.6x, SNOMED, text
    MINOR_BLEEDING = "minor-bleeding"
    HIT = "heparin-induced-thrombocytopenia"
    HEPARIN_ALLERGY = "heparin-allergy"  # AllergyIntolerance to heparin or any LMWH
    SHOCK = "shock"
    LIMB_ISCHEMIA = "limb-threatening-ischemia"  # phlegmasia, acute limb ischemia, venous gangrene
    PREGNANCY = "pregnancy"
    # Other indications for antithrombotic therapy (post-stent review)
    ATRIAL_FIBRILLATION = "atrial-fibrillation"
    MECHANICAL_VALVE = "mechanical-heart-valve"
    CORONARY_DISEASE = "coronary-disease"  # I20-I25, coronary stent Z95.5
    PERIPHERAL_ARTERIAL = "peripheral-arterial-disease"  # I70.2x, arterial stent
    STROKE_TIA = "stroke-tia"
    THROMBOPHILIA = "thrombophilia"
    # Thrombolysis contraindications (ESC 2019 absolute contraindications to fibrinolysis)
    ISCHEMIC_STROKE = "ischemic-stroke"  # I63.x, SNOMED 422504002
    STROKE_UNKNOWN_TYPE = "stroke-unknown-type"  # I64, SNOMED 230690007, "stroke" text
    CNS_NEOPLASM = "cns-neoplasm"  # C70-C72, C79.3, D33.x, D43.x
    HEAD_INJURY = "head-injury"  # S06.x
    TRAUMA = "trauma"  # other injury codes (S, T07-T34, T79)
    BLEEDING_DIATHESIS = "bleeding-diathesis"  # D65-D67, D68.0-D68.4, D69.3-D69.6
    MAJOR_SURGERY = "major-surgery"  # completed surgical Procedure (onset = performed date)


class VeinLevel(StrEnum):
    PROXIMAL = "proximal"  # popliteal or above, iliac, femoral
    DISTAL = "distal"  # calf veins
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Diagnosis:
    concept: Concept
    side: Side = Side.UNKNOWN
    active: bool = True  # False = resolved / inactive / remission / abated: history only
    suspected: bool = False  # provisional / differential / unconfirmed
    onset: datetime | None = None
    recorded: datetime | None = None
    encounter: str | None = None  # "Encounter/123" when the resource names one
    level: VeinLevel = VeinLevel.UNKNOWN  # DVT only
    site_text: str = ""  # lower-cased bodySite/text used for site decisions (e.g. "iliac")
    source: Source = field(default_factory=Source)
    # FHIR references of the records this one rests on (Condition.evidence.detail): a DVT
    # Condition naming the duplex that found it is a record of the same DVT.
    evidence_refs: tuple[str, ...] = ()
    # onsetAge as (value, UCUM unit "a" | "mo" | "wk" | "d"); the guideline dates it from the
    # patient's birth date (the mapper does not know it).
    onset_age: tuple[float, str] | None = None
    # A partial onset ("2026-10", "2026") arrives as its first day in `onset`; this is its last
    # day, so that a month that straddles a window is not read as wholly old.
    onset_last_day: datetime | None = None

    @property
    def when(self) -> datetime | None:
        """Onset, else recorded date: the date recency windows count from."""
        return self.onset or self.recorded


class MassNature(StrEnum):
    MALIGNANT = "malignant"  # includes lymphoma, metastasis, pelvic organ cancer
    ABSCESS = "abscess"
    HEMATOMA = "hematoma"
    BURSITIS = "iliopsoas-bursitis"
    DEGENERATIVE = "degenerative-disc-osteophyte"
    BENIGN_NEOPLASM = "benign-neoplasm"
    LYMPHOCELE = "lymphocele"  # input profile v2.3: a nature stated in text


@dataclass(frozen=True)
class MassCharacterization:
    """The documented nature of a pelvic/iliac mass (an extrinsic cause of compression)."""

    nature: MassNature
    side: Side = Side.UNKNOWN
    active: bool = True
    when: datetime | None = None
    source: Source = field(default_factory=Source)


# ---------------------------------------------------------------- swelling and symptoms


class Extent(StrEnum):
    WHOLE_LEG = "whole-leg"  # thigh, groin, hip, "whole leg", "groin to ankle"
    LIMITED = "limited"  # foot, ankle, calf, lower leg
    UNKNOWN = "unknown"  # plain lower-limb code


@dataclass(frozen=True)
class Swelling:
    """A lower-limb swelling/edema record; `present=False` is a documented negative exam."""

    side: Side
    present: bool = True
    extent: Extent = Extent.UNKNOWN
    active: bool = True  # False for resolved conditions
    onset: datetime | None = None  # Condition onset[x]
    recorded: datetime | None = None  # recordedDate / effective[x] / issued
    source: Source = field(default_factory=Source)

    @property
    def when(self) -> datetime | None:
        return self.onset or self.recorded


class Impact(StrEnum):
    SIGNIFICANT = "significant"  # affects quality of life / daily activities / work / sleep
    MINIMAL = "minimal"  # mild, minimal, asymptomatic
    NONE = "none"  # documented no impact


@dataclass(frozen=True)
class EdemaImpact:
    impact: Impact
    when: datetime | None = None
    source: Source = field(default_factory=Source)


# ---------------------------------------------------------------- imaging


class Modality(StrEnum):
    DUPLEX = "duplex"  # venous duplex ultrasound of the leg(s) or iliac veins
    CT_VENOGRAPHY = "ct-venography"
    MR_VENOGRAPHY = "mr-venography"
    CONTRAST_CT_MRI = "contrast-ct-mri"  # abdomen/pelvis, mass characterization
    VENOGRAPHY_IVUS = "venography-ivus"  # catheter venography and/or IVUS


class Result(StrEnum):
    POSITIVE = "positive"  # thrombus / DVT found
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


class Waveform(StrEnum):
    PHASIC = "phasic"
    NON_PHASIC = "non-phasic"  # flat, continuous, monophasic, loss of respiratory phasicity


@dataclass(frozen=True)
class ImagingStudy:
    """A venous or cross-sectional imaging result (DiagnosticReport, Observation, ImagingStudy)."""

    modality: Modality
    side: Side = Side.UNKNOWN
    result: Result = Result.UNKNOWN  # DVT result for duplex and CT/MR venography
    complete: bool = True  # duplex: False when femoropopliteal/limited or a segment not seen
    cfv_waveform: Waveform | None = None  # from the conclusion text, when stated
    compression_side: Side | None = None  # iliac vein compression reported by this study
    preliminary: bool = False
    when: datetime | None = None  # effective[x], else issued
    source: Source = field(default_factory=Source)
    # Contrast CT/MRI whose own conclusion reports a pelvic/iliac mass: the study that found it
    # (catalog: "the contrast CT that found the mass does" characterize it, whatever the day the
    # mass was charted).
    mass_reported: bool = False
    # Level of the thrombus a positive study states (conclusion code, bodySite or text): a duplex
    # positive only in calf veins is DISTAL; UNKNOWN when the study does not say.
    level: VeinLevel = VeinLevel.UNKNOWN


@dataclass(frozen=True)
class DopplerWaveform:
    """Common femoral vein Doppler waveform (local Observation code or report text)."""

    waveform: Waveform
    side: Side = Side.UNKNOWN
    when: datetime | None = None
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class IvusStenosis:
    percent: float  # diameter (or area) stenosis in percent, fractions already converted
    area: bool = False  # an area stenosis is never compared with the 61% diameter threshold
    side: Side = Side.UNKNOWN
    when: datetime | None = None
    source: Source = field(default_factory=Source)
    preliminary: bool = False  # status preliminary: counts, with a caveat on the card


@dataclass(frozen=True)
class ReferenceDiameter:
    """IVUS reference diameter of the external iliac vein, in millimetres."""

    mm: float
    side: Side = Side.UNKNOWN
    from_ivus: bool = True
    when: datetime | None = None
    source: Source = field(default_factory=Source)


class Behavior(StrEnum):
    FIXED = "fixed"
    DYNAMIC = "dynamic"  # varies with respiration, positional, collapses with Valsalva


@dataclass(frozen=True)
class LesionBehavior:
    behavior: Behavior
    side: Side = Side.UNKNOWN
    when: datetime | None = None
    source: Source = field(default_factory=Source)


# ---------------------------------------------------------------- labs and vitals


class Measure(StrEnum):
    """Each measure is normalized by the mapper to the unit in its comment."""

    WEIGHT = "weight"  # kg
    SYSTOLIC_BP = "systolic-bp"  # mm[Hg]
    CREATININE = "creatinine"  # mg/dL
    EGFR = "egfr"  # mL/min/1.73m2
    ALBUMIN = "albumin"  # g/dL
    BILIRUBIN = "bilirubin"  # mg/dL (presence is what matters)
    ALT = "alt"  # U/L (presence is what matters)
    INR = "inr"  # ratio
    PLATELETS = "platelets"  # 10*9/L
    NT_PROBNP = "nt-probnp"  # pg/mL
    BNP = "bnp"  # pg/mL
    PREGNANCY_STATUS = "pregnancy-status"  # 1.0 = pregnant, 0.0 = not pregnant


@dataclass(frozen=True)
class Measurement:
    measure: Measure
    value: float
    when: datetime | None = None
    preliminary: bool = False
    source: Source = field(default_factory=Source)


# ---------------------------------------------------------------- medications


class DrugClass(StrEnum):
    ANTICOAGULANT = "anticoagulant"
    ANTIPLATELET = "antiplatelet"
    THROMBOLYTIC = "thrombolytic"
    EDEMA_CAUSING = "edema-causing"


class MedicationKind(StrEnum):
    REQUEST = "request"
    STATEMENT = "statement"
    ADMINISTRATION = "administration"


@dataclass(frozen=True)
class Dose:
    value: float
    unit: str  # "mg", "[iU]" (international units), "U", "mg/kg", "[iU]/kg"
    per_day: float | None = None  # administrations per day when the timing says so
    route: str = ""  # "subcutaneous", "intravenous", "oral" or ""


@dataclass(frozen=True)
class Medication:
    """A medication record of one ingredient (a combination product yields several)."""

    ingredient: str  # lower-case generic name: "enoxaparin", "apixaban", "alteplase"...
    drug_class: DrugClass
    kind: MedicationKind = MedicationKind.REQUEST
    # request/statement status active (administration: completed or in-progress)
    status_active: bool = True
    authored: datetime | None = None  # authoredOn / effective / dateAsserted
    valid_until: datetime | None = None  # dispenseRequest.validityPeriod.end
    dose: Dose | None = None  # None when the dose cannot be read
    source: Source = field(default_factory=Source)


# ---------------------------------------------------------------- devices and procedures


@dataclass(frozen=True)
class IliacStent:
    """An iliac venous stent in place (completed procedure, device or history code)."""

    side: Side = Side.UNKNOWN
    placed: datetime | None = None
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class Patient:
    birth_date: date | None = None
    sex: str = "unknown"  # "male" | "female" | "other" | "unknown"
    deceased: bool = False
    ref: str = ""  # "Patient/123"


# ---------------------------------------------------------------- the patient record


@dataclass(frozen=True)
class UnreadableResource:
    """A resource of the record the mapper skipped: an element the pathway needs from it could
    not be read, so what it says is unknown. `kinds` are the PatientRecord fields (and, for a
    diagnosis, the Concept values) it would have filled, read as far as it could be: the cards
    those kinds feed name it ("Condition/123 could not be read")."""

    ref: str  # "Condition/123"
    kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PatientRecord:
    """Everything the mapper found in one patient's record."""

    patient: Patient = field(default_factory=Patient)
    diagnoses: tuple[Diagnosis, ...] = ()
    masses: tuple[MassCharacterization, ...] = ()
    swellings: tuple[Swelling, ...] = ()
    impacts: tuple[EdemaImpact, ...] = ()
    imaging: tuple[ImagingStudy, ...] = ()
    waveforms: tuple[DopplerWaveform, ...] = ()
    ivus_stenoses: tuple[IvusStenosis, ...] = ()
    reference_diameters: tuple[ReferenceDiameter, ...] = ()
    lesion_behaviors: tuple[LesionBehavior, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    medications: tuple[Medication, ...] = ()
    stents: tuple[IliacStent, ...] = ()
    medications_retrieved: bool = False  # a medication list was retrieved (even empty)
    encounter: str | None = None  # the hook's context.encounterId as "Encounter/<id>"
    unreadable: tuple[UnreadableResource, ...] = ()  # skipped: a needed element was unreadable
