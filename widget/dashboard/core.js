/*!
 * Supervisor dashboard: settings, the page's state, its API client and the KPIs a breakdown can show.
 */
import { createApi } from "../staff/api.js";
import { fmt } from "./format.js";

export const BYS = ["day", "channel", "intent", "agent"];
export const VIEWS = ["overview", "qa"];
export const DEFAULT_DAYS = 30;
export const QA_LIMIT = 50;
export const COMMENTS = 20;
export const COLORS = { primary: "#2f5d50", agent: "#3b5b92", amber: "#b7791f", red: "#c53030", soft: "#9fc5b8" };

export const state = {
  me: null,
  filters: null,      // {from, to, by, metric, view, card}
  seq: 0,             // the latest load; older answers are dropped
  daily: null,        // /kpis?by=day
  grouped: null,      // /kpis?by=<by> (the daily report when by=day)
  escalations: null,
  surveys: null,      // /surveys, or null where the hub has no such route
  surveyKind: "csat",
  cards: [],
  detail: null,       // {scorecard, transcript} of the open scorecard
};

// What the breakdown chart can show per group.
export const METRICS = {
  episodes: { label: "Conversations", format: fmt.int },
  csat: { label: "CSAT", format: fmt.pct, max: 100 },
  nps: { label: "NPS", format: fmt.signed, min: -100, max: 100 },
  fcr: { label: "First-contact resolution", format: fmt.pct, max: 100 },
  containment: { label: "Containment", format: fmt.pct, max: 100 },
  escalation_rate: { label: "Escalation rate", format: fmt.pct, max: 100 },
  avg_handle_s: { label: "Average handle time", format: fmt.duration },
  frustration: { label: "Average frustration", format: fmt.score3, max: 1 },
};

export const BY_LABELS = { day: "day", channel: "channel", intent: "intent", agent: "agent" };

/** The supervisors' API (and the agent API's sign-in), with the dashboard's message for a 403. */
export const api = createApi({ 403: "Only supervisors can see the dashboard." });
