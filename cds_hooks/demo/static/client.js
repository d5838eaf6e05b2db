// Calls the CDS service the way an external EHR does: JSON over HTTP, with a JWT from the
// demo issuer on every call (accepted only while CDS_DEMO=true).

export class ServiceError extends Error {
  constructor(status, body) {
    const text = body?.issue?.[0]?.diagnostics || body?.issue?.[0]?.details?.text || "";
    super(`HTTP ${status}${text ? `: ${text}` : ""}`);
    this.status = status;
    this.body = body;
  }
}

export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function token(path) {
  const r = await fetch("/demo/api/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path }),
  });
  if (!r.ok) throw new ServiceError(r.status, null);
  return (await r.json()).token;
}

export async function callService(path, body) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${await token(path)}` };
  const init = { method: body === undefined ? "GET" : "POST", headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new ServiceError(r.status, data);
  return data;
}

export async function getJson(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new ServiceError(r.status, await r.json().catch(() => null));
  return r.json();
}

export function sendFeedback(serviceId, entry) {
  const body = { feedback: [{ ...entry, outcomeTimestamp: new Date().toISOString() }] };
  return callService(`/cds-services/${serviceId}/feedback`, body);
}
