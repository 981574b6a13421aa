/*!
 * Carebot supervisor dashboard. Native ES modules, no dependencies, no build step: this module (sign-in,
 * the filters kept in the URL, the tabs, loading) imports the rest of widget/dashboard/ and the staff pages'
 * shared modules in widget/staff/ (served at /staff/).
 *
 * Reads the supervisors' API (docs/kpis.md: /api/supervisor/kpis, /kpis.csv, /escalations, /qa, /qa/{id},
 * /qa/{id}/review) with the agent console's session cookie. Charts are inline SVG drawn here; every chart
 * has a title, a description and a table of its numbers. Every piece of data is rendered as text nodes
 * (textContent / createElement); nothing from the server is ever parsed as HTML.
 *
 * The overview and QA modules import this one (to update the URL, to report a lost session) and this one
 * them: at load they only declare functions and add event listeners; nothing runs until the boot at the end.
 */
import { $, initialsOf } from "../staff/dom.js";
import { bindLoginForm, resumeSession, showLogin as showSignIn, showScreen, signOut } from "../staff/session.js";
import { bindTabKeys, selectTab } from "../staff/tabs.js";
import { BYS, BY_LABELS, COMMENTS, DEFAULT_DAYS, METRICS, QA_LIMIT, VIEWS, api, state } from "./core.js";
import { addDays, dayLabel, todayUtc, validDay } from "./format.js";
import { renderOverview } from "./overview.js";
import { openCard, renderDetailPlaceholder, renderQaList } from "./qa.js";

/** A 401 signs out, a 403 shows "Supervisors only"; true when handled so. */
export function sessionProblem(error) {
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
function showLogin(message) {
  state.me = null;
  state.seq++;
  showSignIn(message);
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

bindLoginForm(api, start);

async function logout() {
  await signOut(api);
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

export function rangeQuery(extra) {
  const f = state.filters;
  const q = new URLSearchParams({ from: f.from, to: f.to });
  Object.keys(extra || {}).forEach((k) => q.set(k, extra[k]));
  return q.toString();
}

export function writeUrl(push) {
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
  selectTab([["overview", "tab-overview", "view-overview"], ["qa", "tab-qa", "view-qa"]], view);
  if (push) writeUrl(true);
  if (view === "overview" && state.daily) renderOverview();  // sizes depend on the visible width
}

$("tab-overview").addEventListener("click", () => selectView("overview", true));
$("tab-qa").addEventListener("click", () => selectView("qa", true));
bindTabKeys(document.querySelector(".tabs"));

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

export function showLoadError(message) {
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

// ------------------------------------------------------------------ boot
resumeSession(api, start, showLogin);
