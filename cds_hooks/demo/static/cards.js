// Renders CDS Hooks cards as an EHR shows them: indicator colour, summary, markdown detail,
// source and links, suggestion buttons (accept -> the FHIR resources it would create, and
// feedback), and override with a reason (feedback).

import { sendFeedback } from "./client.js";
import { renderMarkdown } from "./markdown.js";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function safeUrl(url) {
  try {
    const parsed = new URL(url, window.location.href);
    return ["http:", "https:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function link(label, url) {
  const href = safeUrl(url);
  return href
    ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }, label)
    : el("span", {}, label);
}

function recommendationId(card) {
  return card?.source?.topic?.code || "unknown";
}

function describeAction(action) {
  const what = { create: "Would create", update: "Would update", delete: "Would delete" };
  const title = `${what[action.type] || action.type}: ${action.description || ""}`.trim();
  // resourceType first, as FHIR JSON is usually read (the service's JSON has sorted keys).
  const body = action.resource
    ? JSON.stringify({ resourceType: action.resource.resourceType, ...action.resource }, null, 2)
    : action.resourceId
      ? `resourceId: ${action.resourceId}`
      : "";
  return el(
    "div",
    { className: "would-create" },
    el("div", { className: "would-create-title" }, title),
    body ? el("pre", {}, body) : null,
  );
}

function setOutcome(cardNode, text, kind) {
  cardNode.dataset.outcome = kind;
  cardNode.querySelector(".outcome").textContent = text;
  for (const button of cardNode.querySelectorAll("button")) button.disabled = true;
}

function suggestions(card, serviceId, cardNode) {
  if (!card.suggestions?.length) return null;
  const box = el("div", { className: "suggestions" });
  for (const suggestion of card.suggestions) {
    const button = el(
      "button",
      {
        type: "button",
        className: `suggestion${suggestion.isRecommended ? " recommended" : ""}`,
        dataset: { suggestion: suggestion.uuid || "" },
      },
      suggestion.label,
    );
    button.addEventListener("click", async () => {
      const created = el("div", { className: "created" }, (suggestion.actions || []).map(describeAction));
      cardNode.querySelector(".outcome-area").append(created);
      setOutcome(cardNode, `Accepted: ${suggestion.label}`, "accepted");
      try {
        if (card.uuid && suggestion.uuid) {
          await sendFeedback(serviceId, {
            card: card.uuid,
            outcome: "accepted",
            acceptedSuggestions: [{ id: suggestion.uuid }],
          });
          cardNode.dataset.feedback = "sent";
        }
      } catch (error) {
        cardNode.dataset.feedback = "failed";
        cardNode.querySelector(".outcome").textContent += ` (feedback failed: ${error.message})`;
      }
    });
    box.append(button);
  }
  return box;
}

function overrideForm(card, serviceId, cardNode) {
  const reasons = card.overrideReasons || [];
  const select = el(
    "select",
    { name: "reason", "aria-label": "override reason" },
    reasons.map((r, i) => el("option", { value: String(i) }, r.display || r.code)),
    el("option", { value: "other" }, "Other (comment)"),
  );
  const comment = el("input", {
    name: "comment",
    type: "text",
    placeholder: "Comment",
    "aria-label": "override comment",
  });
  const form = el(
    "form",
    { className: "override-form", hidden: true },
    select,
    comment,
    el("button", { type: "submit", className: "confirm-override" }, "Override"),
  );
  // A stale "give a reason" message would block the next submit before our handler runs.
  comment.addEventListener("input", () => comment.setCustomValidity(""));
  const toggle = el("button", { type: "button", className: "override" }, "Override…");
  toggle.addEventListener("click", () => {
    form.hidden = !form.hidden;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = reasons[Number(select.value)];
    const text = comment.value.trim();
    if (!picked && !text) {
      comment.setCustomValidity("Give a reason: pick one or write a comment");
      comment.reportValidity();
      return;
    }
    comment.setCustomValidity("");
    const overrideReason = {};
    if (picked) overrideReason.reason = { system: picked.system, code: picked.code, display: picked.display };
    if (text) overrideReason.userComment = text;
    form.hidden = true;
    setOutcome(cardNode, `Overridden: ${picked ? picked.display || picked.code : text}`, "overridden");
    try {
      if (card.uuid) {
        await sendFeedback(serviceId, { card: card.uuid, outcome: "overridden", overrideReason });
        cardNode.dataset.feedback = "sent";
      }
    } catch (error) {
      cardNode.dataset.feedback = "failed";
      cardNode.querySelector(".outcome").textContent += ` (feedback failed: ${error.message})`;
    }
  });
  return el("div", { className: "override-box" }, toggle, form);
}

export function renderCard(card, serviceId) {
  const indicator = ["critical", "warning", "info"].includes(card.indicator) ? card.indicator : "info";
  const node = el("article", {
    className: `card indicator-${indicator}`,
    dataset: { recommendation: recommendationId(card), uuid: card.uuid || "", indicator },
  });
  const detail = el("div", { className: "detail" });
  detail.innerHTML = renderMarkdown(card.detail || ""); // escaped by renderMarkdown
  const source = card.source || {};
  const parts = [
    el(
      "header",
      {},
      el("span", { className: "badge" }, indicator),
      el("h3", { className: "summary" }, card.summary || ""),
    ),
    card.detail ? detail : null,
    el(
      "div",
      { className: "source" },
      "Source: ",
      source.url ? link(source.label || source.url, source.url) : source.label || "",
      source.topic?.display ? el("span", { className: "topic" }, ` · ${source.topic.display}`) : null,
    ),
    card.links?.length
      ? el("ul", { className: "links" }, card.links.map((l) => el("li", {}, link(l.label, l.url))))
      : null,
    suggestions(card, serviceId, node),
    el(
      "div",
      { className: "card-actions" },
      overrideForm(card, serviceId, node),
      el("span", { className: "outcome", role: "status" }),
    ),
    el("div", { className: "outcome-area" }),
  ];
  node.append(...parts.filter(Boolean));
  return node;
}

export function renderCards(container, cards, serviceId) {
  container.replaceChildren();
  if (!cards.length) {
    container.append(el("p", { className: "no-cards muted" }, "No cards: nothing to say for this patient."));
    return;
  }
  for (const card of cards) container.append(renderCard(card, serviceId));
}

export { el };
