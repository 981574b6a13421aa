/*!
 * Supervisor dashboard: the overview tab (KPI tiles, charts by day, the breakdown, escalation reasons,
 * survey answers and comments).
 */
import { $, el, humanize } from "../staff/dom.js";
import { barChart, chartCard, columnChart, lineChart } from "./charts.js";
import { BY_LABELS, COLORS, METRICS, state } from "./core.js";
import { writeUrl } from "./dashboard.js";
import { channelName, dayLabel, fmt, isNum, stamp } from "./format.js";

// ------------------------------------------------------------------ the KPIs shown
// `n`: the field holding the count the value is computed over; `unit`: what that count counts.
const TILES = [
  { key: "episodes", label: "Conversations", format: fmt.int, sub: (t) => fmt.int(t.escalations) + " escalated" },
  { key: "csat", label: "CSAT", format: fmt.pct, n: "csat_n", unit: "surveys" },
  { key: "nps", label: "NPS", format: fmt.signed, n: "nps_n", unit: "surveys" },
  { key: "ces", label: "CES", format: fmt.mean, n: "ces_n", unit: "surveys", suffix: " / 7" },
  { key: "fcr", label: "FCR", format: fmt.pct, n: "episodes", unit: "conversations" },
  { key: "containment", label: "Containment", format: fmt.pct, n: "episodes", unit: "conversations" },
  { key: "escalation_rate", label: "Escalation rate", format: fmt.pct, n: "episodes", unit: "conversations" },
  { key: "avg_wait_s", label: "Avg wait", format: fmt.duration, n: "wait_n", unit: "handoffs" },
  { key: "avg_handle_s", label: "Avg handle time", format: fmt.duration, n: "handle_n", unit: "handoffs" },
  { key: "kb_helpful", label: "KB helpfulness", format: fmt.pct, n: "kb_n", unit: "rated answers" },
  { key: "frustration", label: "Avg frustration", format: fmt.score3, n: "frustration_n", unit: "messages",
    suffix: " / 1" },
  // Shown when the hub reports it (bot/kpis/metrics.py with the qa_score field).
  { key: "qa_score", label: "QA score", format: fmt.one, n: "qa_n", unit: "scorecards", suffix: " / 100",
    optional: true },
];

// ------------------------------------------------------------------ overview: tiles
function renderTiles() {
  const totals = state.daily.totals;
  const definitions = state.daily.definitions || {};
  const box = $("tiles");
  box.replaceChildren();
  TILES.forEach((tile) => {
    if (tile.optional && !(tile.key in totals)) return;
    const node = el("div", "tile");
    node.dataset.kpi = tile.key;
    node.tabIndex = 0;
    const defId = "def-" + tile.key;
    node.setAttribute("aria-describedby", defId);
    const value = totals[tile.key];
    const label = el("h3", "tile-label", tile.label);
    label.appendChild(el("span", "tile-info", "i")).setAttribute("aria-hidden", "true");
    node.appendChild(label);
    const shown = el("p", "tile-value" + (isNum(value) ? "" : " tile-value--none"), tile.format(value));
    shown.dataset.value = isNum(value) ? String(value) : "";
    if (isNum(value) && tile.suffix) shown.appendChild(el("span", "tile-suffix", tile.suffix));
    if (!isNum(value)) shown.setAttribute("aria-label", "no data");
    node.appendChild(shown);
    const n = totals[tile.n];
    node.appendChild(el("p", "tile-n", tile.sub ? tile.sub(totals) : "n = " + (isNum(n) ? n : 0) + " " + tile.unit));
    const definition = definitions[tile.key] || "";
    const tip = el("p", "tile-def", definition);
    tip.id = defId;
    tip.setAttribute("role", "tooltip");
    node.appendChild(tip);
    box.appendChild(node);
  });
}

export function renderOverview() {
  if (!state.daily || $("view-overview").hidden) return;
  renderTiles();
  const rows = state.daily.rows || [];
  const days = rows.map((r) => r.key);
  const none = state.daily.totals.episodes === 0 ? "No conversations closed in this range." : null;

  const csat = rows.map((r) => r.csat);
  const containment = rows.map((r) => r.containment);
  const t = state.daily.totals;
  chartCard($("chart-quality"), {
    title: "CSAT and containment by day",
    description: "% of CSAT answers scoring 4-5, and % of conversations resolved without an agent. " +
      "Days without data are gaps.",
    summary: "Over the range: CSAT " + fmt.pct(t.csat) + ", containment " + fmt.pct(t.containment) + ", over " +
      days.length + " days.",
    empty: none,
    draw: (w) => lineChart(w, days, [{ name: "CSAT", values: csat, color: COLORS.primary },
      { name: "Containment", values: containment, color: COLORS.agent }]),
    legend: [["CSAT", COLORS.primary, "line"], ["Containment", COLORS.agent, "line"]],
    table: { head: ["Day", "Conversations", "CSAT", "CSAT n", "Containment"],
      rows: rows.map((r) => [dayLabel(r.key, true), fmt.int(r.episodes), fmt.pct(r.csat), fmt.int(r.csat_n),
        fmt.pct(r.containment)]) },
  });

  const escalated = rows.map((r) => r.escalations || 0);
  const rest = rows.map((r) => (r.episodes || 0) - (r.escalations || 0));
  chartCard($("chart-volume"), {
    title: "Conversations per day",
    description: "Closed conversations each UTC day; the darker part was handed to a person.",
    summary: t.episodes + " conversations, " + t.escalations + " escalated, over " + days.length + " days.",
    empty: none,
    draw: (w) => columnChart(w, days, [{ name: "Bot only", values: rest, color: COLORS.soft },
      { name: "Escalated", values: escalated, color: COLORS.amber }]),
    legend: [["Not escalated", COLORS.soft], ["Escalated", COLORS.amber]],
    table: { head: ["Day", "Conversations", "Escalated", "Escalation rate"],
      rows: rows.map((r) => [dayLabel(r.key, true), fmt.int(r.episodes), fmt.int(r.escalations),
        fmt.pct(r.escalation_rate)]) },
  });

  renderBreakdown(none);

  const reasons = (state.escalations && state.escalations.reasons) || [];
  chartCard($("chart-reasons"), {
    title: "Escalation reasons",
    description: "Why conversations were handed to a person; a handoff with two reasons counts for both.",
    summary: reasons.length ? reasons.map((r) => humanize(r.reason) + " " + r.count).join(", ") + "." : "None.",
    empty: reasons.length ? null : "No escalations in this range.",
    draw: (w) => barChart(w, reasons.map((r) => ({ label: humanize(r.reason), value: r.count })), fmt.int,
      COLORS.amber),
    table: { head: ["Reason", "Handoffs"], rows: reasons.map((r) => [humanize(r.reason), fmt.int(r.count)]) },
  });

  renderSurveys();
}

// ------------------------------------------------------------------ overview: survey answers and comments
// `good` / `bad`: the scores counted as satisfied (promoters, easy) and unsatisfied (detractors, hard).
const SURVEYS = {
  csat: { label: "CSAT", scale: "1 = very unsatisfied, 5 = very satisfied", good: (k) => k >= 4, bad: (k) => k <= 2 },
  nps: { label: "NPS", scale: "0 = not at all likely to recommend, 10 = extremely likely; 9-10 promoters, " +
    "0-6 detractors", good: (k) => k >= 9, bad: (k) => k <= 6 },
  ces: { label: "CES", scale: "1 = very easy, 7 = very difficult", good: (k) => k <= 2, bad: (k) => k >= 6 },
};

function surveyColor(kind, score) {
  const s = SURVEYS[kind];
  return s.good(score) ? COLORS.primary : s.bad(score) ? COLORS.red : "#8a93a3";
}

function renderSurveys() {
  const data = state.surveys;
  $("surveys-row").hidden = !data;
  if (!data) return;
  const kind = SURVEYS[state.surveyKind] ? state.surveyKind : "csat";
  const dist = (data.distribution && data.distribution[kind]) || {};
  const scores = Object.keys(dist).sort((a, b) => Number(b) - Number(a));
  const answered = scores.reduce((sum, k) => sum + (dist[k] || 0), 0);
  const skipped = (data.skipped && data.skipped[kind]) || 0;

  const select = el("select", "select select-small");
  select.id = "f-survey";
  Object.keys(SURVEYS).forEach((key) => {
    const option = el("option", null, SURVEYS[key].label);
    option.value = key;
    select.appendChild(option);
  });
  select.value = kind;
  select.addEventListener("change", () => {
    state.surveyKind = select.value;
    renderSurveys();
    $("f-survey").focus();
  });
  const controls = el("div", "chart-controls");
  const label = el("label", null, "Survey");
  label.htmlFor = "f-survey";
  controls.appendChild(label);
  controls.appendChild(select);

  chartCard($("chart-surveys"), {
    title: SURVEYS[kind].label + " answers",
    description: answered + " answered, " + skipped + " skipped. " + SURVEYS[kind].scale + ".",
    summary: scores.map((k) => "score " + k + ": " + dist[k]).join(", ") + ".",
    empty: answered ? null : "No " + SURVEYS[kind].label + " answers in this range.",
    controls,
    draw: (w) => barChart(w, scores.map((k) => ({ label: "Score " + k, value: dist[k] || 0,
      color: surveyColor(kind, Number(k)) })), fmt.int, COLORS.agent),
    table: { head: ["Score", "Answers"], rows: scores.map((k) => [k, fmt.int(dist[k] || 0)])
      .concat([["Skipped", fmt.int(skipped)]]) },
  });

  const box = $("comments");
  box.replaceChildren();
  const heading = el("h3", "chart-title", "Customers' comments");
  heading.id = "comments-title";
  box.appendChild(heading);
  box.appendChild(el("p", "chart-sub", "What customers wrote after the survey, newest first."));
  const comments = data.comments || [];
  if (!comments.length) {
    box.appendChild(el("p", "chart-empty", "No comments in this range."));
    return;
  }
  const list = el("ul", "comment-list");
  comments.forEach((c) => {
    const li = el("li", "comment");
    li.appendChild(el("p", "comment-text", c.comment || ""));
    const meta = [isNum(c.csat) ? "CSAT " + c.csat : null, channelName(c.channel),
      c.intent ? humanize(c.intent) : null, c.agent || "Bot only", c.at ? stamp(c.at) : null].filter(Boolean);
    li.appendChild(el("p", "comment-meta", meta.join(" · ")));
    list.appendChild(li);
  });
  box.appendChild(list);
}

function renderBreakdown(none) {
  const f = state.filters;
  const report = state.grouped;
  const rows = report.rows || [];
  const metric = METRICS[f.metric];
  const select = el("select", "select select-small");
  select.id = "f-metric";
  Object.keys(METRICS).forEach((key) => {
    const option = el("option", null, METRICS[key].label);
    option.value = key;
    select.appendChild(option);
  });
  select.value = f.metric;
  select.addEventListener("change", () => {
    state.filters.metric = select.value;
    writeUrl(true);
    renderBreakdown(state.daily.totals.episodes === 0 ? "No conversations closed in this range." : null);
    $("f-metric").focus();
  });
  const controls = el("div", "chart-controls");
  const label = el("label", null, "Show");
  label.htmlFor = "f-metric";
  controls.appendChild(label);
  controls.appendChild(select);

  const byLabel = BY_LABELS[report.by] || report.by;
  const keyLabel = (key) => {
    if (report.by === "day") return dayLabel(key);
    if (report.by === "channel") return channelName(key);
    if (report.by === "intent") return key === "(none)" ? "No intent" : humanize(key);
    return report.by === "agent" && key === "(bot)" ? "Bot only" : key;
  };
  const values = rows.map((r) => r[f.metric]);
  const head = ["By " + byLabel, "Conversations", "CSAT", "NPS", "CES", "FCR", "Containment", "Escalation rate",
    "Avg wait", "Avg handle", "KB helpful", "Frustration"];
  const line = (label, r) => [label, fmt.int(r.episodes), fmt.pct(r.csat), fmt.signed(r.nps), fmt.mean(r.ces),
    fmt.pct(r.fcr), fmt.pct(r.containment), fmt.pct(r.escalation_rate), fmt.duration(r.avg_wait_s),
    fmt.duration(r.avg_handle_s), fmt.pct(r.kb_helpful), fmt.score3(r.frustration)];
  chartCard($("chart-breakdown"), {
    title: metric.label + " by " + byLabel,
    description: report.by === "day" ? "Each UTC day of the range; pick another grouping above to compare " +
      "channels, intents or agents." : "One bar per " + byLabel + ", most conversations first.",
    summary: rows.map((r, i) => keyLabel(r.key) + " " + metric.format(values[i])).slice(0, 12).join(", ") +
      (rows.length > 12 ? ", …" : "."),
    empty: none || (rows.length ? null : "Nothing to show."),
    controls,
    draw: (w) => (report.by === "day"
      ? columnChart(w, rows.map((r) => r.key), [{ name: metric.label, values: values.map((v) => (isNum(v) ? Math.max(0, v) : 0)),
        color: COLORS.primary }])
      : barChart(w, rows.map((r, i) => ({ label: keyLabel(r.key), value: values[i] })), metric.format,
        COLORS.primary, metric)),
    table: { head, rows: rows.map((r) => line(keyLabel(r.key), r)).concat([line("Total", report.totals)]),
      totalRow: true },
  });
}

let resizeTimer = null;
let lastWidth = window.innerWidth;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    if (state.daily) renderOverview();
  }, 150);
});
