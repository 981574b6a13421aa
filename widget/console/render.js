/*!
 * Agent console: formatting and the small pieces shown in several places (badges, waiting clocks).
 */
import { el, humanize } from "../staff/dom.js";
import { LEVEL_LABELS } from "./core.js";

export function newId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "a-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
}

export function isPrimitive(value) {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

export function show(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (Array.isArray(value)) return value.map(show).join(", ");
  if (typeof value === "object") {
    // e.g. an address: its parts on one line
    return Object.keys(value).filter((k) => isPrimitive(value[k]) && value[k] !== null && value[k] !== "")
      .map((k) => show(value[k])).join(", ") || "—";
  }
  if (ISO_DATE.test(value)) {
    const date = new Date(value);
    if (!isNaN(date.getTime())) return date.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" });
  }
  return String(value);
}

export function duration(seconds) {
  seconds = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
}

export function clock(iso) {
  const date = iso ? new Date(iso) : new Date();
  if (isNaN(date.getTime())) return "";
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function levelOf(handoff) {
  return LEVEL_LABELS[handoff && handoff.level] ? handoff.level : "calm";
}

export function customerName(handoff) {
  const customer = handoff && handoff.customer;
  return customer && customer.name ? customer.name : "Website visitor";
}

/** The tier badge, plus "At risk" (many open tickets) when the hub says so. */
export function customerBadges(customer) {
  const frag = document.createDocumentFragment();
  if (!customer) return frag;
  const tier = tierBadge(customer.tier);
  if (tier) frag.appendChild(tier);
  if (customer.at_risk) frag.appendChild(el("span", "badge badge-tier badge-tier--at_risk", "At risk"));
  return frag;
}

function tierBadge(tier) {
  if (!tier) return null;
  const key = String(tier).toLowerCase().replace(/[\s-]+/g, "_");
  const label = key === "vip" ? "VIP" : humanize(tier);
  return el("span", "badge badge-tier badge-tier--" + key, label);
}

export function levelBadge(level, score) {
  const badge = el("span", "level level--" + level);
  badge.appendChild(el("span", "level-dot"));
  badge.appendChild(document.createTextNode(LEVEL_LABELS[level] || humanize(level)));
  if (typeof score === "number") badge.appendChild(el("span", "level-score", score.toFixed(2)));
  return badge;
}

/** A live-ticking waiting time: `seconds` was measured at `since` (ms). */
export function waitClock(seconds, since, className) {
  const node = el("span", className || "wait");
  node.dataset.waitBase = String(seconds || 0);
  node.dataset.waitSince = String(since);
  node.textContent = duration(seconds);
  return node;
}

export function tick() {
  const now = Date.now();
  document.querySelectorAll("[data-wait-base]").forEach((node) => {
    const secs = Number(node.dataset.waitBase) + (now - Number(node.dataset.waitSince)) / 1000;
    node.textContent = duration(secs);
  });
}
