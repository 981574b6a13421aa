/*!
 * Supervisor dashboard: number, date and channel formatting.
 */
import { humanize } from "../staff/dom.js";

const CHANNELS = { web: "Web", telegram: "Telegram", whatsapp: "WhatsApp", slack: "Slack" };
export const channelName = (name) => CHANNELS[name] || humanize(name);

export const isNum = (v) => typeof v === "number" && isFinite(v);
export const DASH = "—";

export const fmt = {
  pct: (v) => (isNum(v) ? v.toFixed(1) + "%" : DASH),
  signed: (v) => (isNum(v) ? (v > 0 ? "+" : "") + v.toFixed(1) : DASH),
  mean: (v) => (isNum(v) ? v.toFixed(2) : DASH),
  score3: (v) => (isNum(v) ? v.toFixed(3) : DASH),
  one: (v) => (isNum(v) ? v.toFixed(1) : DASH),
  int: (v) => (isNum(v) ? String(Math.round(v)) : DASH),
  score: (v) => (isNum(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : DASH),
  duration: (v) => {
    if (!isNum(v)) return DASH;
    const s = Math.round(v);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
    return Math.floor(s / 3600) + "h " + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "m";
  },
};

// Dates: the API's days are UTC days.
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function todayUtc() { return new Date().toISOString().slice(0, 10); }

export function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function validDay(day) {
  if (!ISO_DAY.test(day || "")) return false;
  const date = new Date(day + "T00:00:00Z");
  return !isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

export function dayLabel(day, withYear) {
  const date = new Date(day + "T00:00:00Z");
  if (isNaN(date.getTime())) return String(day);
  const options = { day: "numeric", month: "short", timeZone: "UTC" };
  if (withYear) options.year = "numeric";
  return date.toLocaleDateString("en-GB", options);
}

export function stamp(iso) {
  const date = new Date(iso);
  if (isNaN(date.getTime())) return String(iso || "");
  return date.toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit",
    minute: "2-digit", timeZone: "UTC" });
}
