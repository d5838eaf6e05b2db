// Draws the pathway (DVT rule-out -> DVT treatment -> NIVL vs extrinsic compression -> stent
// criteria -> post-stent care) from the explain endpoint's answer: the stages this patient
// reached are highlighted, and each decision's inputs are shown, or marked "unknown".

import { el } from "./cards.js";

function inputRow(input) {
  const known = input.value !== null && input.value !== undefined && input.value !== "";
  return el(
    "li",
    { className: known ? "input" : "input unknown", dataset: { input: input.id || input.label } },
    el("span", { className: "input-label" }, `${input.label}: `),
    el("span", { className: "input-value" }, known ? String(input.value) : "unknown"),
    input.refs?.length ? el("span", { className: "refs" }, ` (${input.refs.join(", ")})`) : null,
  );
}

export function renderPathway(container, explanation) {
  container.replaceChildren();
  const stages = explanation?.pathway?.stages || [];
  if (!explanation?.inScope && explanation?.hook === "patient-view") {
    container.append(
      el("p", { className: "muted gate" }, explanation.gate || "Outside the pathway's relevance gate."),
    );
  }
  const chart = el("ol", { className: "pathway-chart" });
  stages.forEach((stage, index) => {
    const classes = ["stage", stage.reached ? "on-path" : "off-path"];
    if (stage.current) classes.push("current");
    chart.append(
      el(
        "li",
        { className: classes.join(" "), dataset: { stage: stage.id, onPath: String(!!stage.reached) } },
        el("div", { className: "stage-title" }, `${index + 1}. ${stage.title}`),
        stage.outcome ? el("div", { className: "stage-outcome" }, stage.outcome) : null,
        el("ul", { className: "inputs" }, (stage.inputs || []).map(inputRow)),
      ),
    );
  });
  container.append(chart);
}

export function renderRecommendations(container, explanation) {
  container.replaceChildren();
  const summary = container.closest("details")?.querySelector("summary");
  if (summary && explanation?.hook) {
    summary.textContent = `Why (not)? every recommendation of ${explanation.hook}`;
  }
  for (const rec of explanation?.recommendations || []) {
    const text = rec.fired
      ? `fired (${rec.indicator})`
      : `silent${rec.reason ? `: ${rec.reason}` : ""}`;
    container.append(
      el(
        "li",
        { className: rec.fired ? "fired" : "silent", dataset: { recommendation: rec.id, fired: String(rec.fired) } },
        el("code", {}, rec.id),
        " ",
        text,
      ),
    );
  }
}
