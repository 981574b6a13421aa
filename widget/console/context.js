/*!
 * Agent console: the customer context panel of the selected conversation (reasons, summary, CRM,
 * frustration trajectory, NLU, knowledge base, slots).
 */
import { $, el, humanize, svg } from "../staff/dom.js";
import { LEVEL_LABELS, state } from "./core.js";
import { isPrimitive, levelBadge, levelOf, show } from "./render.js";

// ------------------------------------------------------------------ context panel
function section(title, className) {
  const node = el("section", "ctx-section" + (className ? " " + className : ""));
  node.appendChild(el("h3", "ctx-heading", title));
  return node;
}

function keyValues(pairs) {
  const dl = el("dl", "kv");
  pairs.forEach(([key, value]) => {
    dl.appendChild(el("dt", "", key));
    dl.appendChild(el("dd", "", show(value)));
  });
  return dl;
}

function asList(value) {
  if (value === null || value === undefined || value === "") return [];
  return Array.isArray(value) ? value : [value];
}

/** One line for an order or a ticket whose exact fields we don't assume. */
function recordLine(record) {
  const li = el("li", "record");
  if (!record || typeof record !== "object") {
    li.textContent = show(record);
    return li;
  }
  const idKey = ["order_id", "ticket_id", "id", "number", "reference"].find((k) => record[k] !== undefined);
  if (idKey) li.appendChild(el("strong", "record-id", show(record[idKey])));
  const rest = Object.keys(record).filter((k) => k !== idKey && record[k] !== null && record[k] !== "" &&
    (isPrimitive(record[k]) || (Array.isArray(record[k]) && record[k].length && record[k].every(isPrimitive))))
    .map((k) => show(record[k]));
  if (rest.length) li.appendChild(el("span", "record-rest", rest.join(" · ")));
  return li;
}

export function renderContext() {
  const panel = $("context");
  panel.textContent = "";
  if (!state.detail) return;
  const { handoff } = state.detail;
  const context = state.detail.context || {};

  // Reasons
  const reasons = asList(context.reasons || handoff.reasons);
  const why = section("Why it was handed over");
  const reasonList = el("ul", "reasons");
  reasons.forEach((r) => {
    const li = el("li");
    li.appendChild(el("strong", "", humanize(r && r.name)));
    if (r && r.detail) li.appendChild(el("span", "reason-detail", r.detail));
    reasonList.appendChild(li);
  });
  if (!reasons.length) reasonList.appendChild(el("li", "muted", "No reason recorded."));
  why.appendChild(reasonList);
  panel.appendChild(why);

  // Summary
  const summary = context.summary || handoff.summary;
  if (summary) {
    const box = section("Summary");
    const dl = el("dl", "summary");
    [["Wants", summary.wants], ["Tried", summary.tried], ["Still open", summary.open]].forEach(([label, value]) => {
      const items = asList(value);
      dl.appendChild(el("dt", "", label));
      const dd = el("dd");
      if (items.length > 1) {
        const ul = el("ul", "plain");
        items.forEach((item) => ul.appendChild(el("li", "", show(item))));
        dd.appendChild(ul);
      } else {
        dd.textContent = items.length ? show(items[0]) : "—";
      }
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    panel.appendChild(box);
  }

  // CRM customer
  const crm = context.customer;
  const customerBox = section("Customer");
  if (crm && typeof crm === "object") {
    const profile = crm.profile && typeof crm.profile === "object" ? crm.profile : {};
    const pairs = Object.keys(profile).filter((k) => profile[k] !== null && !Array.isArray(profile[k]))
      .map((k) => [humanize(k), profile[k]]);
    if (pairs.length) customerBox.appendChild(keyValues(pairs));
    const orders = asList(crm.orders);
    customerBox.appendChild(el("h4", "ctx-subheading", "Orders (" + orders.length + ")"));
    const ol = el("ul", "records");
    orders.forEach((o) => ol.appendChild(recordLine(o)));
    if (!orders.length) ol.appendChild(el("li", "muted", "No orders."));
    customerBox.appendChild(ol);
    const tickets = asList(crm.open_tickets);
    customerBox.appendChild(el("h4", "ctx-subheading", "Open tickets (" + tickets.length + ")"));
    const tl = el("ul", "records");
    tickets.forEach((t) => tl.appendChild(recordLine(t)));
    if (!tickets.length) tl.appendChild(el("li", "muted", "No open tickets."));
    customerBox.appendChild(tl);
  } else {
    customerBox.appendChild(el("p", "muted", "Not identified: no CRM record for this conversation."));
  }
  panel.appendChild(customerBox);

  // Frustration trajectory
  const trajectory = asList(context.frustration).filter((p) => p && typeof p.score === "number");
  const mood = section("Frustration");
  const now = el("p", "mood-now");
  now.appendChild(levelBadge(levelOf(handoff), handoff.frustration));
  mood.appendChild(now);
  if (trajectory.length) {
    mood.appendChild(sparkline(trajectory));
    const last = trajectory[trajectory.length - 1];
    const signals = asList(last.signals).map((s) => humanize(typeof s === "object" ? s.name || JSON.stringify(s) : s));
    if (signals.length) mood.appendChild(el("p", "signals", "Latest signals: " + signals.join(", ")));
  } else {
    mood.appendChild(el("p", "muted", "No scored messages."));
  }
  panel.appendChild(mood);

  // NLU
  const nlu = asList(context.nlu);
  if (nlu.length) {
    const box = section("Understanding (NLU)");
    const ul = el("ul", "nlu");
    nlu.forEach((n) => {
      const li = el("li");
      li.appendChild(el("q", "nlu-text", n.text || ""));
      const line = el("div", "nlu-line");
      line.appendChild(el("span", "nlu-intent", n.intent || "—"));
      if (typeof n.confidence === "number") {
        const pct = Math.round(n.confidence * 100);
        const meter = el("span", "meter");
        meter.setAttribute("role", "img");
        meter.setAttribute("aria-label", "confidence " + pct + "%");
        const fill = el("span", "meter-fill");
        fill.style.width = Math.max(0, Math.min(100, pct)) + "%";
        meter.appendChild(fill);
        line.appendChild(meter);
        line.appendChild(el("span", "nlu-conf", pct + "%"));
      }
      li.appendChild(line);
      const entities = asList(n.entities);
      if (entities.length) {
        const chips = el("div", "chips");
        entities.forEach((e) => chips.appendChild(el("span", "chip", (e.entity || "?") + ": " + show(e.value))));
        li.appendChild(chips);
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
    panel.appendChild(box);
  }

  // Knowledge base
  const kb = asList(context.kb);
  if (kb.length) {
    const box = section("Knowledge base answers");
    const ul = el("ul", "kb");
    kb.forEach((k) => {
      const li = el("li");
      li.appendChild(el("span", "kb-title", k.title || k.article || (k.outcome === "no_answer" ? "No answer found" : "Article")));
      if (k.query) li.appendChild(el("q", "kb-query", k.query));
      const meta = [];
      if (k.outcome) meta.push(humanize(k.outcome));
      meta.push(k.helpful === true ? "Helpful" : k.helpful === false ? "Not helpful" : "No feedback");
      const tag = el("span", "kb-feedback kb-feedback--" + (k.helpful === true ? "yes" : k.helpful === false ? "no" : "none"), meta.join(" · "));
      li.appendChild(tag);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    panel.appendChild(box);
  }

  // Slots
  const slots = context.slots && typeof context.slots === "object" ? context.slots : {};
  const filled = Object.keys(slots).filter((k) => slots[k] !== null && slots[k] !== undefined && slots[k] !== "" &&
    !(Array.isArray(slots[k]) && !slots[k].length));
  if (filled.length) {
    const box = section("Slots");
    box.appendChild(keyValues(filled.map((k) => [k, slots[k]])));
    panel.appendChild(box);
  }
}

function sparkline(points) {
  const width = 280, height = 64, pad = 8;
  const scores = points.map((p) => Math.max(0, Math.min(1, p.score)));
  const root = svg("svg", { class: "sparkline", viewBox: "0 0 " + width + " " + height, width, height, role: "img",
    "aria-label": "Frustration per message, 0 to 1: " + scores.map((s) => s.toFixed(2)).join(", ") });
  const x = (i) => points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1);
  const y = (s) => height - pad - s * (height - 2 * pad);
  const add = (tag, attrs) => root.appendChild(svg(tag, attrs));
  [0.5, 1].forEach((s) => add("line", { x1: pad, x2: width - pad, y1: y(s), y2: y(s), class: "spark-grid" }));
  if (points.length > 1) {
    add("polyline", { points: scores.map((s, i) => x(i) + "," + y(s)).join(" "), class: "spark-line" });
  }
  points.forEach((p, i) => {
    const level = LEVEL_LABELS[p.level] ? p.level : "calm";
    const dot = add("circle", { cx: x(i), cy: y(scores[i]), r: 4, class: "spark-dot spark-dot--" + level });
    dot.appendChild(svg("title", {}, scores[i].toFixed(2) + " · " + (LEVEL_LABELS[level]) +
      (p.text ? " · “" + p.text + "”" : "")));
  });
  return root;
}
