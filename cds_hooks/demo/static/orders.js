// Draft orders the order panel composes: FHIR R4 resources with status "draft", coded as an
// EHR would code them (SNOMED CT / CPT for procedures, RxNorm ingredients for drugs).

const SNOMED = "http://snomed.info/sct";
const CPT = "http://www.ama-assn.org/go/cpt";
const RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
const UCUM = "http://unitsofmeasure.org";

const concept = (codings, text) => ({
  coding: codings.map(([system, code, display]) => ({ system, code, display })),
  text,
});
const mg = (value) => ({ value, unit: "mg", system: UCUM, code: "mg" });
const mm = (value) => ({ value, unit: "mm", system: UCUM, code: "mm" });

const REASONS = {
  dvt: concept([[SNOMED, "128053003", "Deep venous thrombosis"]], "Deep venous thrombosis"),
  stroke: concept([[SNOMED, "230690007", "Cerebrovascular accident"]], "Acute ischemic stroke"),
};

const ANTICOAGULANTS = {
  apixaban: ["1364430", "apixaban 5 mg twice daily", 5, 2],
  rivaroxaban: ["1114195", "rivaroxaban 15 mg twice daily", 15, 2],
  enoxaparin: ["67108", "enoxaparin 1 mg/kg subcutaneously every 12 hours", null, 2],
  heparin: ["5224", "heparin infusion per protocol", null, null],
};

function stent(values) {
  const side = values.side === "right" ? "right" : "left";
  const diameter = Number(values.diameter);
  const length = Number(values.length);
  return {
    resourceType: "DeviceRequest",
    status: "draft",
    intent: "order",
    codeCodeableConcept: { text: `Iliac venous stent, ${side} common iliac vein` },
    parameter: [
      { code: concept([[SNOMED, "81827009", "Diameter"]], "diameter"), valueQuantity: mm(diameter) },
      { code: concept([[SNOMED, "410668003", "Length"]], "length"), valueQuantity: mm(length) },
    ],
    note: [{ text: `${side[0].toUpperCase()}${side.slice(1)} common iliac vein stent ${diameter} x ${length} mm` }],
  };
}

function ivcFilter() {
  return {
    resourceType: "ServiceRequest",
    status: "draft",
    intent: "order",
    code: concept(
      [
        [SNOMED, "397913009", "Insertion of inferior vena cava filter"],
        [CPT, "37191", "Insertion of intravascular vena cava filter"],
      ],
      "IVC filter insertion",
    ),
  };
}

function thrombolytic(values) {
  const dose = Number(values.dose);
  const resource = {
    resourceType: "MedicationRequest",
    status: "draft",
    intent: "order",
    medicationCodeableConcept: concept([[RXNORM, "8410", "alteplase"]], "alteplase"),
    dosageInstruction: [{ text: `alteplase ${dose} mg once`, doseAndRate: [{ doseQuantity: mg(dose) }] }],
  };
  if (REASONS[values.reason]) resource.reasonCode = [REASONS[values.reason]];
  return resource;
}

function anticoagulant(values) {
  const [code, text, dose, perDay] = ANTICOAGULANTS[values.drug] || ANTICOAGULANTS.apixaban;
  const name = values.drug in ANTICOAGULANTS ? values.drug : "apixaban";
  const dosage = { text };
  if (perDay) dosage.timing = { repeat: { frequency: perDay, period: 1, periodUnit: "d" } };
  if (dose) dosage.doseAndRate = [{ doseQuantity: mg(dose) }];
  return {
    resourceType: "MedicationRequest",
    status: "draft",
    intent: "order",
    medicationCodeableConcept: concept([[RXNORM, code, name]], name),
    dosageInstruction: [dosage],
  };
}

const BUILDERS = { stent, "ivc-filter": ivcFilter, thrombolytic, anticoagulant };

export function draftOrder(kind, values, patientId, id) {
  const build = BUILDERS[kind];
  if (!build) return null;
  return { ...build(values), id, subject: { reference: `Patient/${patientId}` } };
}

export function draftBundle(resources) {
  return { resourceType: "Bundle", type: "collection", entry: resources.map((resource) => ({ resource })) };
}
