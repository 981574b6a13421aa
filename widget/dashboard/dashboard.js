/*!
 * Carebot supervisor dashboard. Plain JavaScript, no dependencies, no build step.
 *
 * Reads the supervisors' API (docs/kpis.md: /api/supervisor/kpis, /kpis.csv, /escalations, /qa, /qa/{id},
 * /qa/{id}/review) with the agent console's session cookie. Charts are inline SVG drawn here; every chart
 * has a title, a description and a table of its numbers. Every piece of data is rendered as text nodes
 * (textContent / createElement); nothing from the server is ever parsed as HTML.
 */
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const BYS = ["day", "channel", "intent", "agent"];
  const VIEWS = ["overview", "qa"];
  const DEFAULT_DAYS = 30;
  const QA_LIMIT = 50;
  const COMMENTS = 20;
  const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
  const COLORS = { primary: "#2f5d50", agent: "#3b5b92", amber: "#b7791f", red: "#c53030", soft: "#9fc5b8" };

  const $ = (id) => document.getElementById(id);

  const state = {
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

  // ------------------------------------------------------------------ helpers
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, String(attrs[k])));
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function humanize(name) {
    const text = String(name || "").replace(/[_-]+/g, " ").trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  const CHANNELS = { web: "Web", telegram: "Telegram", whatsapp: "WhatsApp", slack: "Slack" };
  const channelName = (name) => CHANNELS[name] || humanize(name);

  function initialsOf(name) {
    return String(name || "?").split(/\s+/).filter(Boolean).map((w) => w.charAt(0)).join("").slice(0, 2).toUpperCase();
  }

  function announce(message) {
    const region = $("announcer");
    region.textContent = "";
    setTimeout(() => { region.textContent = message; }, 50);
  }

  const isNum = (v) => typeof v === "number" && isFinite(v);
  const DASH = "—";

  const fmt = {
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
  function todayUtc() { return new Date().toISOString().slice(0, 10); }

  function addDays(day, n) {
    const [y, m, d] = day.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
  }

  function validDay(day) {
    if (!ISO_DAY.test(day || "")) return false;
    const date = new Date(day + "T00:00:00Z");
    return !isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
  }

  function dayLabel(day, withYear) {
    const date = new Date(day + "T00:00:00Z");
    if (isNaN(date.getTime())) return String(day);
    const options = { day: "numeric", month: "short", timeZone: "UTC" };
    if (withYear) options.year = "numeric";
    return date.toLocaleDateString("en-GB", options);
  }

  function stamp(iso) {
    const date = new Date(iso);
    if (isNaN(date.getTime())) return String(iso || "");
    return date.toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit",
      minute: "2-digit", timeZone: "UTC" });
  }

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

  // What the breakdown chart can show per group.
  const METRICS = {
    episodes: { label: "Conversations", format: fmt.int },
    csat: { label: "CSAT", format: fmt.pct, max: 100 },
    nps: { label: "NPS", format: fmt.signed, min: -100, max: 100 },
    fcr: { label: "First-contact resolution", format: fmt.pct, max: 100 },
    containment: { label: "Containment", format: fmt.pct, max: 100 },
    escalation_rate: { label: "Escalation rate", format: fmt.pct, max: 100 },
    avg_handle_s: { label: "Average handle time", format: fmt.duration },
    frustration: { label: "Average frustration", format: fmt.score3, max: 1 },
  };

  const BY_LABELS = { day: "day", channel: "channel", intent: "intent", agent: "agent" };

  // ------------------------------------------------------------------ API
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      throw new ApiError(0, "network", "Can't reach the care hub. Check your connection and try again.");
    }
    if (response.status === 204) return null;
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok) return data;
    const error = (data && data.error) || {};
    const fallback = {
      401: "Your session has ended. Please sign in again.",
      403: "Only supervisors can see the dashboard.",
      429: "Too many attempts. Please wait a moment and try again.",
    };
    throw new ApiError(response.status, error.code || "http_" + response.status,
      error.message || fallback[response.status] || "Something went wrong (" + response.status + ").");
  }

  /** A 401 signs out, a 403 shows "Supervisors only"; true when handled so. */
  function sessionProblem(error) {
    if (error && error.status === 401) {
      showLogin("Your session has ended. Please sign in again.");
      return true;
    }
    if (error && error.status === 403) {
      showDenied(state.me);
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ screens: sign-in, denied, app
  function showScreen(name) {
    $("login-screen").hidden = name !== "login";
    $("denied-screen").hidden = name !== "denied";
    $("app").hidden = name !== "app";
  }

  function showLogin(message) {
    state.me = null;
    state.seq++;
    showScreen("login");
    const error = $("login-error");
    error.hidden = !message;
    error.textContent = message || "";
    $("login-username").focus();
  }

  function showDenied(agent) {
    showScreen("denied");
    const who = agent ? (agent.name || agent.username) : "";
    $("denied-text").textContent = (who ? "You're signed in as " + who + ", an agent. " : "") +
      "The dashboard shows the team's KPIs and QA scorecards, so only supervisors can open it.";
  }

  function start(agent) {
    state.me = agent;
    if (!agent || agent.role !== "supervisor") {
      showDenied(agent);
      return;
    }
    showScreen("app");
    $("me-avatar").textContent = agent.initials || initialsOf(agent.name);
    $("me-name").textContent = agent.name || agent.username;
    state.filters = readUrl();
    writeUrl(false);
    syncControls();
    selectView(state.filters.view, false);
    if (!state.daily) $("range-summary").textContent = "Loading…";
    load();
    $("dash-title").focus({ preventScroll: true });
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = $("login-username").value.trim();
    const password = $("login-password").value;
    const error = $("login-error");
    if (!username || !password) {
      error.textContent = "Enter your username and password.";
      error.hidden = false;
      (username ? $("login-password") : $("login-username")).focus();
      return;
    }
    const submit = $("login-submit");
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      const data = await api("POST", "/api/agent/login", { username, password });
      $("login-password").value = "";
      error.hidden = true;
      start(data.agent);
    } catch (e) {
      error.textContent = e.status === 401 ? (e.message || "Wrong username or password.") : e.message;
      error.hidden = false;
      $("login-password").select();
      $("login-password").focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });

  async function logout() {
    try { await api("POST", "/api/agent/logout"); } catch (e) { /* signed out locally anyway */ }
    showLogin("");
  }

  $("logout").addEventListener("click", logout);
  $("denied-switch").addEventListener("click", logout);

  // ------------------------------------------------------------------ filters, kept in the URL
  function readUrl() {
    const q = new URLSearchParams(location.search);
    let to = validDay(q.get("to")) ? q.get("to") : null;
    let from = validDay(q.get("from")) ? q.get("from") : null;
    to = to || (from ? addDays(from, DEFAULT_DAYS - 1) : todayUtc());
    from = from || addDays(to, -(DEFAULT_DAYS - 1));
    const by = BYS.includes(q.get("by")) ? q.get("by") : "day";
    const metric = METRICS[q.get("metric")] ? q.get("metric") : "episodes";
    const view = VIEWS.includes(q.get("view")) ? q.get("view") : "overview";
    const card = /^\d{1,12}$/.test(q.get("card") || "") ? q.get("card") : null;
    return { from, to, by, metric, view, card };
  }

  function rangeQuery(extra) {
    const f = state.filters;
    const q = new URLSearchParams({ from: f.from, to: f.to });
    Object.keys(extra || {}).forEach((k) => q.set(k, extra[k]));
    return q.toString();
  }

  function writeUrl(push) {
    const f = state.filters;
    const q = new URLSearchParams({ from: f.from, to: f.to, by: f.by });
    if (f.metric !== "episodes") q.set("metric", f.metric);
    if (f.view !== "overview") q.set("view", f.view);
    if (f.view === "qa" && f.card) q.set("card", f.card);
    const url = location.pathname + "?" + q.toString();
    if (url === location.pathname + location.search) return;
    history[push ? "pushState" : "replaceState"](null, "", url);
  }

  function syncControls() {
    const f = state.filters;
    $("f-from").value = f.from;
    $("f-to").value = f.to;
    $("f-by").value = f.by;
    $("filter-error").hidden = true;
    const today = todayUtc();
    document.querySelectorAll(".preset").forEach((button) => {
      const days = Number(button.dataset.days);
      const on = f.to === today && f.from === addDays(today, -(days - 1));
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    $("csv-link").href = "/api/supervisor/kpis.csv?" + rangeQuery({ by: f.by });
    $("csv-link").setAttribute("aria-label", "Export CSV: KPIs by " + BY_LABELS[f.by] + ", " +
      dayLabel(f.from, true) + " to " + dayLabel(f.to, true));
  }

  function changeFilters(changes) {
    Object.assign(state.filters, changes);
    writeUrl(true);
    syncControls();
    load();
  }

  function onDateChange() {
    const from = $("f-from").value;
    const to = $("f-to").value;
    const error = $("filter-error");
    let problem = "";
    if (!validDay(from) || !validDay(to)) problem = "Enter both dates.";
    else if (from > to) problem = "'From' must be on or before 'To'.";
    else if ((Date.parse(to) - Date.parse(from)) / 86400000 + 1 > 366) problem = "Pick a range of at most 366 days.";
    error.textContent = problem;
    error.hidden = !problem;
    if (problem) return;
    if (from !== state.filters.from || to !== state.filters.to) changeFilters({ from, to, card: null });
  }

  $("f-from").addEventListener("change", onDateChange);
  $("f-to").addEventListener("change", onDateChange);
  $("f-by").addEventListener("change", () => changeFilters({ by: $("f-by").value }));
  document.querySelectorAll(".preset").forEach((button) => {
    button.addEventListener("click", () => {
      const to = todayUtc();
      changeFilters({ from: addDays(to, -(Number(button.dataset.days) - 1)), to, card: null });
    });
  });
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("retry").addEventListener("click", () => load());

  window.addEventListener("popstate", () => {
    if (!state.me || state.me.role !== "supervisor") return;
    state.filters = readUrl();
    syncControls();
    selectView(state.filters.view, false);
    load();
  });

  // ------------------------------------------------------------------ views (tabs)
  function selectView(view, push) {
    state.filters.view = view;
    [["overview", "tab-overview", "view-overview"], ["qa", "tab-qa", "view-qa"]].forEach(([name, tab, panel]) => {
      const on = name === view;
      $(tab).setAttribute("aria-selected", on ? "true" : "false");
      $(tab).tabIndex = on ? 0 : -1;
      $(panel).hidden = !on;
    });
    if (push) writeUrl(true);
    if (view === "overview" && state.daily) renderOverview();  // sizes depend on the visible width
  }

  $("tab-overview").addEventListener("click", () => selectView("overview", true));
  $("tab-qa").addEventListener("click", () => selectView("qa", true));
  document.querySelector(".tabs").addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    event.preventDefault();
    const next = document.activeElement === $("tab-overview") ? $("tab-qa") : $("tab-overview");
    const target = event.key === "Home" ? $("tab-overview") : event.key === "End" ? $("tab-qa") : next;
    target.focus();
    target.click();
  });

  // ------------------------------------------------------------------ loading
  async function load() {
    const seq = ++state.seq;
    const f = Object.assign({}, state.filters);
    $("load-error").hidden = true;
    document.querySelector(".dash-main").setAttribute("aria-busy", "true");
    try {
      const [daily, grouped, escalations, qa, surveys] = await Promise.all([
        api("GET", "/api/supervisor/kpis?" + rangeQuery({ by: "day" })),
        f.by === "day" ? null : api("GET", "/api/supervisor/kpis?" + rangeQuery({ by: f.by })),
        api("GET", "/api/supervisor/escalations?" + rangeQuery()),
        api("GET", "/api/supervisor/qa?" + rangeQuery({ limit: QA_LIMIT })),
        api("GET", "/api/supervisor/surveys?" + rangeQuery({ limit: COMMENTS }))
          .catch((e) => { if (e.status === 404) return null; throw e; }),  // a hub without the route
      ]);
      if (seq !== state.seq) return;
      state.daily = daily;
      state.grouped = grouped || daily;
      state.escalations = escalations;
      state.surveys = surveys;
      state.cards = qa.scorecards || [];
      renderSummary();
      renderOverview();
      renderQaList();
      if (f.card) openCard(f.card, false);
      else renderDetailPlaceholder();
    } catch (e) {
      if (seq !== state.seq) return;
      if (sessionProblem(e)) return;
      showLoadError(e.message);
    } finally {
      if (seq === state.seq) document.querySelector(".dash-main").removeAttribute("aria-busy");
    }
  }

  function showLoadError(message) {
    $("load-error-text").textContent = "Couldn't load the dashboard: " + message;
    $("load-error").hidden = false;
  }

  function renderSummary() {
    const t = state.daily.totals;
    const f = state.filters;
    $("range-summary").textContent = t.episodes + (t.episodes === 1 ? " conversation" : " conversations") +
      " closed from " + dayLabel(f.from, true) + " to " + dayLabel(f.to, true) + " (UTC days) · " +
      t.escalations + (t.escalations === 1 ? " escalation" : " escalations");
  }

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

  // ------------------------------------------------------------------ overview: charts
  /** A chart card: title, description, the SVG (role img), a legend, controls, and the numbers as a table. */
  function chartCard(figure, spec) {
    figure.replaceChildren();
    const id = figure.id;
    const caption = el("figcaption", "chart-head");
    const titles = el("div", "chart-titles");
    const title = el("h3", "chart-title", spec.title);
    title.id = id + "-title";
    const desc = el("p", "chart-sub", spec.description);
    desc.id = id + "-desc";
    titles.appendChild(title);
    titles.appendChild(desc);
    caption.appendChild(titles);
    if (spec.controls) caption.appendChild(spec.controls);
    figure.appendChild(caption);

    const body = el("div", "chart-body");
    figure.appendChild(body);
    const width = Math.max(240, Math.floor(body.clientWidth || figure.clientWidth - 32 || 480));
    let chart;
    if (spec.empty) {
      chart = el("p", "chart-empty", spec.empty);
    } else {
      chart = spec.draw(width);
      // Named by the card's title; described by its sentence and a summary of the numbers.
      chart.setAttribute("role", "img");
      chart.setAttribute("aria-labelledby", title.id);
      chart.setAttribute("aria-describedby", desc.id + " " + id + "-summary");
      chart.prepend(svg("desc", { id: id + "-summary" }, spec.summary));
      chart.prepend(svg("title", {}, spec.title));
      chart.classList.add("chart-svg");
    }
    body.appendChild(chart);

    if (spec.legend && !spec.empty) {
      const legend = el("ul", "legend");
      legend.setAttribute("aria-hidden", "true");  // the table says the same
      spec.legend.forEach(([name, color, kind]) => {
        const item = el("li", "legend-item");
        const swatch = el("span", "legend-swatch" + (kind === "line" ? " legend-swatch--line" : ""));
        swatch.style.background = color;
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(name));
        legend.appendChild(item);
      });
      figure.appendChild(legend);
    }

    const details = el("details", "chart-data");
    details.appendChild(el("summary", null, "Show the numbers"));
    const scroll = el("div", "table-scroll");
    const table = el("table", "table table-compact");
    table.appendChild(el("caption", "sr-only", spec.title));
    const thead = el("thead");
    const headRow = el("tr");
    spec.table.head.forEach((h) => {
      const th = el("th", null, h);
      th.scope = "col";
      headRow.appendChild(th);
    });
    thead.appendChild(headRow);
    table.appendChild(thead);
    const tbody = el("tbody");
    spec.table.rows.forEach((row, index) => {
      const tr = el("tr", spec.table.totalRow && index === spec.table.rows.length - 1 ? "row-total" : null);
      row.forEach((cell, i) => {
        const td = el(i === 0 ? "th" : "td", i === 0 ? null : "num", cell);
        if (i === 0) td.scope = "row";
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    scroll.appendChild(table);
    details.appendChild(scroll);
    figure.appendChild(details);
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
    return 10 * power;
  }

  function ticks(min, max, count) {
    const out = [];
    for (let i = 0; i <= count; i++) out.push(min + ((max - min) * i) / count);
    return out;
  }

  /** An axis for counts: whole-number steps, about four of them. */
  function countAxis(value) {
    const step = Math.max(1, niceMax(Math.max(1, value) / 4));
    const steps = Math.max(1, Math.ceil(value / step));
    return { max: step * steps, steps };
  }

  function tickLabel(value) {
    return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 && value > -1 ? 2 : 1);
  }

  /** Vertical axes and grid of a day chart; returns the scales. */
  function dayFrame(root, width, height, days, yMin, yMax, yFormat, yTicks) {
    const m = { top: 12, right: 12, bottom: 28, left: 44 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const band = plotW / Math.max(1, days.length);
    const x = (i) => m.left + band * (i + 0.5);
    const y = (v) => m.top + plotH - ((v - yMin) / (yMax - yMin || 1)) * plotH;
    ticks(yMin, yMax, yTicks || 4).forEach((v) => {
      root.appendChild(svg("line", { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: "grid" }));
      root.appendChild(svg("text", { x: m.left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, yFormat(v)));
    });
    const every = Math.max(1, Math.ceil(days.length / Math.max(2, Math.floor(plotW / 64))));
    days.forEach((day, i) => {
      if (i % every !== 0 && i !== days.length - 1) return;
      if (i === days.length - 1 && i % every !== 0 && (days.length - 1) % every < every / 2) return;  // no overlap
      root.appendChild(svg("text", { x: x(i), y: height - 8, "text-anchor": "middle", class: "axis" }, dayLabel(day)));
    });
    return { x, y, band, m, plotH };
  }

  function lineChart(width, days, series) {
    const height = 220;
    const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height });
    const { x, y } = dayFrame(root, width, height, days, 0, 100, (v) => v + "%");
    series.forEach((s) => {
      // A gap where a day has no data (null), never a drop to 0.
      let path = "";
      let pen = false;
      s.values.forEach((v, i) => {
        if (!isNum(v)) { pen = false; return; }
        path += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1) + " ";
        pen = true;
      });
      if (path) root.appendChild(svg("path", { d: path, fill: "none", stroke: s.color, "stroke-width": 2.5,
        "stroke-linejoin": "round", "stroke-linecap": "round", class: "series" }));
      s.values.forEach((v, i) => {
        if (!isNum(v)) return;
        const dot = svg("circle", { cx: x(i), cy: y(v), r: days.length > 45 ? 2 : 3.5, fill: s.color, class: "dot" });
        dot.appendChild(svg("title", {}, s.name + " " + dayLabel(days[i]) + ": " + fmt.pct(v)));
        root.appendChild(dot);
      });
    });
    return root;
  }

  function columnChart(width, days, stacks) {
    const height = 220;
    const totals = days.map((_, i) => stacks.reduce((sum, s) => sum + (s.values[i] || 0), 0));
    const whole = stacks.every((s) => s.values.every((v) => Number.isInteger(v || 0)));
    const axis = whole ? countAxis(Math.max(...totals)) : { max: niceMax(Math.max(...totals)), steps: 4 };
    const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height });
    const { x, y, band } = dayFrame(root, width, height, days, 0, axis.max, tickLabel, axis.steps);
    const barW = Math.max(2, Math.min(36, band * 0.7));
    days.forEach((day, i) => {
      let base = 0;
      stacks.forEach((s) => {
        const v = s.values[i] || 0;
        if (v <= 0) return;
        const rect = svg("rect", { x: x(i) - barW / 2, y: y(base + v), width: barW, height: y(base) - y(base + v),
          fill: s.color, rx: 2 });
        rect.appendChild(svg("title", {}, dayLabel(day) + ": " + v + " " + s.name.toLowerCase()));
        root.appendChild(rect);
        base += v;
      });
    });
    return root;
  }

  /** Horizontal bars, one per item ({label, value}); negative values go left of a zero line. */
  function barChart(width, items, format, color, range) {
    const row = 30;
    const labelW = Math.min(200, Math.max(90, Math.floor(width * 0.28)));
    const valueW = 70;
    const m = { top: 6, bottom: 6 };
    const height = m.top + m.bottom + items.length * row;
    const values = items.map((i) => (isNum(i.value) ? i.value : 0));
    const lo = Math.min(0, range && isNum(range.min) && Math.min(...values) < 0 ? range.min : Math.min(0, ...values));
    const hi = range && isNum(range.max) ? range.max : niceMax(Math.max(...values, 0));
    const plotX = labelW + 8;
    const plotW = width - plotX - valueW;
    const x = (v) => plotX + ((v - lo) / (hi - lo || 1)) * plotW;
    const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height });
    items.forEach((item, i) => {
      const top = m.top + i * row;
      const short = clip(item.label, Math.floor(labelW / 7));
      const label = svg("text", { x: labelW, y: top + row / 2 + 4, "text-anchor": "end", class: "bar-label" }, short);
      if (short !== item.label) label.setAttribute("data-full", item.label);  // the table has it in full
      root.appendChild(label);
      root.appendChild(svg("rect", { x: plotX, y: top + 5, width: plotW, height: row - 10, class: "bar-track", rx: 3 }));
      if (isNum(item.value)) {
        const a = x(Math.min(0, item.value));
        const b = x(Math.max(0, item.value));
        root.appendChild(svg("rect", { x: a, y: top + 5, width: Math.max(item.value === 0 ? 0 : 2, b - a),
          height: row - 10, fill: item.value < 0 ? COLORS.red : item.color || color, rx: 3 }));
      }
      root.appendChild(svg("text", { x: width - valueW + 8, y: top + row / 2 + 4, class: "bar-value" },
        format(item.value)));
    });
    if (lo < 0) root.appendChild(svg("line", { x1: x(0), x2: x(0), y1: 0, y2: height, class: "zero" }));
    return root;
  }

  function clip(text, max) {
    text = String(text);
    return text.length > max ? text.slice(0, Math.max(1, max - 1)) + "…" : text;
  }

  function renderOverview() {
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

  // ------------------------------------------------------------------ QA: the list
  function weakest(criteria) {
    let worst = null;
    Object.keys(criteria || {}).forEach((name) => {
      const c = criteria[name];
      if (!c || c.applicable === false || !isNum(c.score)) return;
      if (!worst || c.score < worst.score || (c.score === worst.score && (c.weight || 0) > (worst.weight || 0))) {
        worst = { name, score: c.score, weight: c.weight };
      }
    });
    return worst;
  }

  function scoreBadge(value) {
    const level = !isNum(value) ? "none" : value < 50 ? "low" : value < 75 ? "mid" : "high";
    return el("span", "score score--" + level, fmt.score(value));
  }

  function renderQaList() {
    const tbody = $("qa-table").querySelector("tbody");
    tbody.replaceChildren();
    $("qa-empty").hidden = state.cards.length > 0;
    $("qa-table").hidden = state.cards.length === 0;
    state.cards.forEach((card) => {
      const tr = el("tr", "qa-row");
      tr.dataset.id = String(card.id);
      if (String(card.id) === String(state.filters.card)) tr.setAttribute("aria-current", "true");
      const scoreCell = el("td", "nowrap");
      const open = el("button", "qa-open");
      open.type = "button";
      open.appendChild(scoreBadge(card.final_score));
      open.appendChild(el("span", "sr-only", " Open the scorecard"));
      open.addEventListener("click", (event) => { event.stopPropagation(); openCard(card.id, true); });
      scoreCell.appendChild(open);
      if (card.review) scoreCell.appendChild(el("span", "badge badge-reviewed", "Reviewed"));
      tr.appendChild(scoreCell);
      tr.appendChild(el("td", "nowrap", stamp(card.closed_at)));
      tr.appendChild(el("td", null, channelName(card.channel)));
      tr.appendChild(el("td", null, card.agent || "Bot only"));
      const w = weakest(card.criteria);
      tr.appendChild(el("td", "qa-weak", !w ? DASH : w.score >= 100 ? "None" : humanize(w.name) + " · " + fmt.score(w.score)));
      tr.addEventListener("click", () => openCard(card.id, true));
      tbody.appendChild(tr);
    });
  }

  // ------------------------------------------------------------------ QA: one scorecard
  function renderDetailPlaceholder(message) {
    const box = $("qa-detail");
    box.replaceChildren(el("p", "empty", message || "Pick a conversation to see its scorecard and transcript."));
  }

  async function openCard(id, push) {
    state.filters.card = String(id);
    if (push) writeUrl(true);
    document.querySelectorAll(".qa-row").forEach((row) => {
      if (row.dataset.id === String(id)) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    const seq = state.seq;
    try {
      const detail = await api("GET", "/api/supervisor/qa/" + encodeURIComponent(id));
      if (seq !== state.seq || state.filters.card !== String(id)) return;
      state.detail = detail;
      renderDetail();
      if (push) {
        // Beside the list on a desktop; below it on a narrow screen, where it is scrolled into view.
        const box = $("qa-detail");
        box.focus({ preventScroll: true });
        const top = box.getBoundingClientRect().top;
        if (top < 0 || top > window.innerHeight - 120) box.scrollIntoView({ block: "start" });
      }
    } catch (e) {
      if (sessionProblem(e)) return;
      const box = $("qa-detail");
      box.replaceChildren(el("p", "form-error", e.status === 404 ? "This scorecard no longer exists." : e.message));
      if (e.status !== 404) {
        const retry = el("button", "btn btn-small", "Retry");
        retry.type = "button";
        retry.addEventListener("click", () => openCard(id, false));
        box.appendChild(retry);
      }
    }
  }

  function renderDetail() {
    const card = state.detail.scorecard;
    const box = $("qa-detail");
    box.replaceChildren();

    const head = el("div", "sc-head");
    const titles = el("div");
    titles.appendChild(el("h2", "panel-title", "Scorecard"));
    const sub = [channelName(card.channel), card.agent || "Bot only", card.intent ? humanize(card.intent) : null,
      "closed " + stamp(card.closed_at) + " UTC", humanize(card.trigger), card.resolved ? "resolved" : "not resolved"]
      .filter(Boolean).join(" · ");
    titles.appendChild(el("p", "panel-sub", sub));
    head.appendChild(titles);
    const total = el("div", "sc-total");
    total.appendChild(scoreBadge(card.final_score));
    total.appendChild(el("span", "sc-total-note", card.final_score !== card.score
      ? "reviewed; automatic " + fmt.score(card.score) : "automatic score"));
    head.appendChild(total);
    box.appendChild(head);

    // Criteria.
    const table = el("table", "table table-compact sc-criteria");
    table.appendChild(el("caption", "sr-only", "Criteria"));
    const thead = el("thead");
    const hr = el("tr");
    ["Criterion", "Score", "Weight", "Detail"].forEach((h) => { const th = el("th", null, h); th.scope = "col"; hr.appendChild(th); });
    thead.appendChild(hr);
    table.appendChild(thead);
    const tbody = el("tbody");
    Object.keys(card.criteria || {}).forEach((name) => {
      const c = card.criteria[name] || {};
      const tr = el("tr", c.applicable === false ? "sc-na" : null);
      const th = el("th", null, humanize(name));
      th.scope = "row";
      tr.appendChild(th);
      const scoreTd = el("td", "sc-score");
      if (c.applicable === false) scoreTd.textContent = "n/a";
      else {
        const meter = el("span", "meter");
        const fill = el("span", "meter-fill");
        fill.style.width = Math.max(0, Math.min(100, Number(c.score) || 0)) + "%";
        meter.appendChild(fill);
        scoreTd.appendChild(meter);
        scoreTd.appendChild(el("span", "sc-num", fmt.score(c.score)));
      }
      tr.appendChild(scoreTd);
      tr.appendChild(el("td", "num", c.applicable === false ? DASH : fmt.score(c.weight)));
      tr.appendChild(el("td", "sc-detail", c.detail || ""));
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    box.appendChild(table);

    // Reviews, then the form.
    const reviews = card.reviews || (card.review ? [card.review] : []);
    const section = el("section", "sc-reviews");
    section.setAttribute("aria-labelledby", "sc-reviews-title");
    const h = el("h3", "sc-h", "Reviews");
    h.id = "sc-reviews-title";
    section.appendChild(h);
    if (!reviews.length) section.appendChild(el("p", "empty", "Not reviewed yet."));
    const list = el("ul", "review-list");
    reviews.forEach((r) => {
      const li = el("li", "review");
      const meta = el("p", "review-meta");
      meta.appendChild(el("strong", null, r.reviewer || "Supervisor"));
      meta.appendChild(document.createTextNode(" · " + stamp(r.created_at) + " UTC"));
      if (isNum(r.score)) meta.appendChild(el("span", "review-score", "score " + fmt.score(r.score)));
      li.appendChild(meta);
      if (r.comment) li.appendChild(el("p", "review-comment", r.comment));
      list.appendChild(li);
    });
    if (reviews.length) section.appendChild(list);
    section.appendChild(reviewForm(card));
    box.appendChild(section);

    // Transcript.
    const th3 = el("h3", "sc-h", "Transcript");
    th3.id = "sc-transcript-title";
    box.appendChild(th3);
    const log = el("div", "sc-transcript");
    log.setAttribute("role", "log");
    log.setAttribute("aria-labelledby", th3.id);
    log.tabIndex = 0;
    const messages = state.detail.transcript || [];
    if (!messages.length) log.appendChild(el("p", "empty", "No messages."));
    messages.forEach((m) => log.appendChild(message(m)));
    box.appendChild(log);
  }

  function message(m) {
    const kind = ["customer", "bot", "agent", "system"].includes(m.type) ? m.type : "system";
    const node = el("div", "msg msg--" + kind);
    const time = m.created_at ? new Date(m.created_at) : null;
    const when = time && !isNaN(time.getTime())
      ? time.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }) : "";
    if (kind === "system") {
      node.appendChild(el("span", null, m.text || humanize(m.event)));
      if (when) node.appendChild(el("span", "msg-time", when));
      return node;
    }
    const head = el("div", "msg-head");
    const who = kind === "customer" ? "Customer" : kind === "bot" ? "Assistant" : (m.agent && m.agent.name) || "Agent";
    head.appendChild(el("span", "msg-who", who));
    if (m.channel) head.appendChild(el("span", "badge-channel", channelName(m.channel)));
    if (when) head.appendChild(el("span", "msg-time", when));
    node.appendChild(head);
    node.appendChild(el("div", "msg-bubble", m.text || (m.image ? "[image]" : "")));
    const buttons = Array.isArray(m.buttons) ? m.buttons : [];
    if (buttons.length) {
      node.appendChild(el("div", "msg-note", "Buttons: " + buttons.map((b) => (b && b.title) || "").filter(Boolean)
        .join(" · ")));
    }
    return node;
  }

  function reviewForm(card) {
    const form = el("form", "review-form");
    form.noValidate = true;
    form.setAttribute("aria-labelledby", "review-form-title");
    const title = el("h4", "sc-h4", "Add a review");
    title.id = "review-form-title";
    form.appendChild(title);
    const row = el("div", "review-row");
    const scoreField = el("div", "field field-score");
    const scoreLabel = el("label", null, "Score override");
    scoreLabel.htmlFor = "review-score";
    const score = el("input");
    score.id = "review-score";
    score.type = "number";
    score.min = "0";
    score.max = "100";
    score.step = "0.5";
    score.inputMode = "decimal";
    score.placeholder = "0-100";
    scoreField.appendChild(scoreLabel);
    scoreField.appendChild(score);
    const commentField = el("div", "field field-comment");
    const commentLabel = el("label", null, "Comment");
    commentLabel.htmlFor = "review-comment";
    const comment = el("textarea");
    comment.id = "review-comment";
    comment.rows = 2;
    comment.maxLength = 2000;
    commentField.appendChild(commentLabel);
    commentField.appendChild(comment);
    row.appendChild(scoreField);
    row.appendChild(commentField);
    form.appendChild(row);
    const error = el("p", "form-error", "");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    const submit = el("button", "btn btn-primary", "Save review");
    submit.type = "submit";
    form.appendChild(submit);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      const raw = score.value.trim();
      if (raw !== "" || score.validity.badInput) {
        const value = Number(raw);
        if (score.validity.badInput || raw === "" || !isFinite(value) || value < 0 || value > 100) {
          error.textContent = "The score must be a number from 0 to 100.";
          error.hidden = false;
          score.focus();
          return;
        }
        body.score = value;
      }
      if (comment.value.trim()) body.comment = comment.value.trim();
      if (!Object.keys(body).length) {
        error.textContent = "Give a score, a comment, or both.";
        error.hidden = false;
        comment.focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = "Saving…";
      try {
        const data = await api("POST", "/api/supervisor/qa/" + encodeURIComponent(card.id) + "/review", body);
        state.detail = { scorecard: data.scorecard, transcript: state.detail.transcript };
        renderDetail();
        announce("Review saved.");
        refreshQaList();
      } catch (e) {
        if (sessionProblem(e)) return;
        error.textContent = e.message;
        error.hidden = false;
        submit.disabled = false;
        submit.textContent = "Save review";
      }
    });
    return form;
  }

  async function refreshQaList() {
    const seq = state.seq;
    try {
      const qa = await api("GET", "/api/supervisor/qa?" + rangeQuery({ limit: QA_LIMIT }));
      if (seq !== state.seq) return;
      state.cards = qa.scorecards || [];
      renderQaList();
    } catch (e) {
      if (!sessionProblem(e)) showLoadError(e.message);
    }
  }

  // ------------------------------------------------------------------ boot
  (async function boot() {
    try {
      const data = await api("GET", "/api/agent/me");
      start(data.agent);
    } catch (e) {
      showLogin(e.status === 401 || e.status === undefined ? "" : e.message);
    }
  })();
})();
