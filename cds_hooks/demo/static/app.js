// The demo EHR: pick a scenario patient, show the record, fire patient-view (and the order
// hooks from the order panel), render the cards and the pathway explanation.

import { ServiceError, callService, getJson, uuid } from "./client.js";
import { el, renderCards } from "./cards.js";
import { draftBundle, draftOrder } from "./orders.js";
import { renderPathway, renderRecommendations } from "./pathway.js";

const $ = (id) => document.getElementById(id);
const state = { scenario: null, services: {}, orderSeq: 0, orderTimer: null, draftId: null };

function serviceFor(hook) {
  return state.services[hook];
}

function setStatus(id, text, kind = "") {
  const node = $(id);
  node.textContent = text;
  node.dataset.kind = kind;
}

function baseRequest(hook, extraContext = {}) {
  const s = state.scenario;
  return {
    hook,
    hookInstance: uuid(),
    context: { userId: "Practitioner/demo", ...s.context, ...extraContext },
    prefetch: s.prefetch,
  };
}

function describeError(error) {
  return error instanceof ServiceError ? error.message : `error: ${error.message}`;
}

function renderSummary(summary) {
  const p = summary.patient;
  $("patient-banner").hidden = false;
  $("patient-name").textContent = p.name;
  $("patient-meta").textContent = [p.gender, p.birthDate && `born ${p.birthDate}`, p.deceased && "deceased"]
    .filter(Boolean)
    .join(" · ");
  $("scenario-description").textContent = state.scenario.description || "";
  const box = $("record-summary");
  box.replaceChildren();
  box.classList.remove("muted");
  if (!summary.sections.length) box.append(el("p", { className: "muted" }, "No clinical resources."));
  for (const section of summary.sections) {
    box.append(
      el(
        "details",
        { open: true, className: "record-section", dataset: { key: section.key } },
        el("summary", {}, `${section.title} (${section.items.length})`),
        el(
          "ul",
          {},
          section.items.map((item) =>
            el(
              "li",
              { title: item.ref },
              el("span", { className: "item-label" }, item.label),
              item.value ? el("span", { className: "item-value" }, ` ${item.value}`) : null,
              item.status ? el("span", { className: "item-status" }, ` · ${item.status}`) : null,
              item.date ? el("span", { className: "item-date" }, ` · ${item.date}`) : null,
            ),
          ),
        ),
      ),
    );
  }
}

async function explain(serviceId, body) {
  setStatus("pathway-status", "explaining…");
  try {
    const explanation = await callService(`/cds-services/${serviceId}/explain`, body);
    renderPathway($("pathway"), explanation);
    renderRecommendations($("explain-recommendations"), explanation);
    setStatus("pathway-status", "", "ok");
  } catch (error) {
    setStatus("pathway-status", describeError(error), "error");
  }
}

async function fire(hook, body, container, statusId) {
  const service = serviceFor(hook);
  if (!service) {
    setStatus(statusId, `no service for ${hook}`, "error");
    return;
  }
  container.dataset.state = "loading";
  setStatus(statusId, `calling ${service.id}…`);
  try {
    const response = await callService(`/cds-services/${service.id}`, body);
    renderCards(container, response.cards || [], service.id);
    setStatus(statusId, `${(response.cards || []).length} card(s) from ${hook}`, "ok");
    container.dataset.state = "done";
  } catch (error) {
    container.replaceChildren();
    setStatus(statusId, describeError(error), "error");
    container.dataset.state = "error";
  }
  await explain(service.id, body);
}

async function firePatientView() {
  if (!state.scenario) return;
  const container = $("pv-cards");
  delete container.dataset.scenario;
  await fire("patient-view", baseRequest("patient-view"), container, "pv-status");
  // Which patient the shown cards belong to (tests and people switching quickly rely on it).
  container.dataset.scenario = state.scenario.name;
}

function currentDraft() {
  const form = $("order-form");
  const kind = form.elements.kind.value;
  const values = Object.fromEntries(new FormData(form).entries());
  if (!state.draftId || state.draftKind !== kind) {
    state.orderSeq += 1;
    state.draftId = `demo-draft-${state.orderSeq}`;
    state.draftKind = kind;
  }
  return draftOrder(kind, values, state.scenario.patientId, state.draftId);
}

function orderRequest(hook) {
  const draft = currentDraft();
  if (!draft) return null;
  const ref = `${draft.resourceType}/${draft.id}`;
  const extra = { draftOrders: draftBundle([draft]) };
  if (hook === "order-select") extra.selections = [ref];
  return baseRequest(hook, extra);
}

function onOrderChange() {
  const form = $("order-form");
  const kind = form.elements.kind.value;
  for (const fieldset of form.querySelectorAll("fieldset[data-kind]")) {
    fieldset.hidden = fieldset.dataset.kind !== kind;
  }
  $("sign-order").disabled = !kind || !state.scenario;
  clearTimeout(state.orderTimer);
  if (!kind || !state.scenario) {
    $("order-cards").replaceChildren();
    setStatus("order-status", "");
    return;
  }
  // Typing a diameter should not fire a call per keystroke.
  state.orderTimer = setTimeout(() => {
    const body = orderRequest("order-select");
    if (body) fire("order-select", body, $("order-cards"), "order-status");
  }, 250);
}

async function onSign(event) {
  event.preventDefault();
  clearTimeout(state.orderTimer);
  const body = orderRequest("order-sign");
  if (body) await fire("order-sign", body, $("order-cards"), "order-status");
}

async function replayScenarioOrders() {
  const entry = Object.values(state.scenario.requests).find((r) => r.hook !== "patient-view");
  if (!entry) return;
  const body = { ...structuredClone(entry), hookInstance: uuid() };
  await fire(entry.hook, body, $("order-cards"), "order-status");
}

async function openScenario(name) {
  state.scenario = await getJson(`/demo/api/scenarios/${encodeURIComponent(name)}`);
  state.draftId = null;
  $("scenario-select").value = name;
  const url = new URL(window.location.href);
  url.searchParams.set("scenario", name);
  history.replaceState(null, "", url);
  renderSummary(state.scenario.summary);
  $("order-cards").replaceChildren();
  setStatus("order-status", "");
  $("replay-scenario-order").hidden = !Object.values(state.scenario.requests).some((r) => r.hook !== "patient-view");
  $("sign-order").disabled = !$("order-form").elements.kind.value;
  await firePatientView();
}

async function loadServices() {
  const discovery = await callService("/cds-services");
  for (const service of discovery.services || []) state.services[service.hook] = service;
  setStatus("auth-status", `${(discovery.services || []).length} services discovered`, "ok");
}

async function main() {
  try {
    await loadServices();
  } catch (error) {
    setStatus("auth-status", `discovery failed: ${describeError(error)}`, "error");
    return;
  }
  const { scenarios } = await getJson("/demo/api/scenarios");
  const select = $("scenario-select");
  select.append(el("option", { value: "" }, "(choose a patient)"));
  for (const s of scenarios) select.append(el("option", { value: s.name }, `${s.name} — ${s.description}`));
  select.addEventListener("change", () => select.value && openScenario(select.value));
  $("fire-patient-view").addEventListener("click", firePatientView);
  $("order-form").addEventListener("input", onOrderChange);
  $("order-form").addEventListener("change", onOrderChange);
  $("order-form").addEventListener("submit", onSign);
  $("replay-scenario-order").addEventListener("click", replayScenarioOrders);
  const wanted = new URLSearchParams(window.location.search).get("scenario");
  if (wanted && scenarios.some((s) => s.name === wanted)) await openScenario(wanted);
  document.body.dataset.ready = "true";
}

main();
