/*!
 * Supervisor dashboard: the quality review tab (scorecards lowest first, one scorecard with its transcript
 * and the review form).
 */
import { $, announce, el, humanize } from "../staff/dom.js";
import { QA_LIMIT, api, state } from "./core.js";
import { rangeQuery, sessionProblem, showLoadError, writeUrl } from "./dashboard.js";
import { DASH, channelName, fmt, isNum, stamp } from "./format.js";

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

export function renderQaList() {
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
export function renderDetailPlaceholder(message) {
  const box = $("qa-detail");
  box.replaceChildren(el("p", "empty", message || "Pick a conversation to see its scorecard and transcript."));
}

export async function openCard(id, push) {
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
