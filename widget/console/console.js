/*!
 * Carebot agent console. Native ES modules, no dependencies, no build step: this module (sign-in, the
 * queue, the agent websocket) imports the rest of widget/console/ and the staff pages' shared modules in
 * widget/staff/ (served at /staff/).
 *
 * Talks to the care hub's agent API (/api/agent/..., session cookie) and the agent websocket
 * (/ws/agent) as described in docs/handoff.md. Every piece of data is rendered as text nodes
 * (textContent / createElement); nothing from the server is ever parsed as HTML.
 *
 * The modules import each other (the queue opens a conversation, a conversation refreshes the queue):
 * at load they only declare functions and add event listeners; nothing runs until the boot at the end.
 */
import { $, announce, el, humanize, initialsOf } from "../staff/dom.js";
import { bindLoginForm, resumeSession, showLogin, showScreen, signOut } from "../staff/session.js";
import { bindTabKeys, selectTab } from "../staff/tabs.js";
import { fetchCanned, refreshSuggestionsSoon, sendTyping } from "./composer.js";
import {
  appendMessage, loadDetail, markRead, scrollTranscript, select, setCustomerTyping, showSeen,
} from "./conversation.js";
import { MAX_BACKOFF_MS, PING_MS, QUEUE_REFRESH_MS, api, notice, state } from "./core.js";
import { renderOverview } from "./overview.js";
import { customerBadges, customerName, levelBadge, levelOf, tick, waitClock } from "./render.js";

/** Errors of background calls: a lost session shows the login; the rest a notice. */
export function failed(error) {
  if (error && error.status === 401 && state.me) {
    signedOut("Your session has ended. Please sign in again.");
    return;
  }
  notice(error && error.message ? error.message : "Something went wrong.");
}

// ------------------------------------------------------------------ sign in, sign out
bindLoginForm(api, start);

$("logout").addEventListener("click", async () => {
  await signOut(api);
  signedOut();
});

function signedOut(message) {
  setCustomerTyping(false);
  sendTyping(false);
  state.me = null;
  clearInterval(state.refreshTimer);
  clearTimeout(state.wsTimer);
  state.wsTimer = null;
  if (state.ws) state.ws.close();
  state.ws = null;
  state.selectedId = null;
  state.detail = null;
  state.unread = {};
  state.knownQueued = null;
  $("conv").hidden = true;
  $("conv-placeholder").hidden = false;
  showLogin(message);
}

function start(agent) {
  state.me = agent;
  showScreen("app");
  renderMe();
  selectView("inbox");
  fetchQueue();
  fetchCanned();
  connect();
  clearInterval(state.refreshTimer);
  state.refreshTimer = setInterval(() => fetchQueue(), QUEUE_REFRESH_MS);
  $("queued-heading").focus({ preventScroll: true });
}

function renderMe() {
  const me = state.me;
  $("me-avatar").textContent = me.initials || initialsOf(me.name);
  $("me-name").textContent = me.name || me.username;
  $("me-role").textContent = me.role === "supervisor" ? "Supervisor" : (me.skills || []).map(humanize).join(", ");
  $("tab-overview").hidden = me.role !== "supervisor";
  $("dashboard-link").hidden = me.role !== "supervisor";
}

// ------------------------------------------------------------------ views (tabs)
export function selectView(view) {
  if (view === "overview" && (!state.me || state.me.role !== "supervisor")) view = "inbox";
  state.view = view;
  selectTab([["inbox", "tab-inbox", "view-inbox"], ["overview", "tab-overview", "view-overview"]], view);
  if (view === "overview") renderOverview();
}

$("tab-inbox").addEventListener("click", () => selectView("inbox"));
$("tab-overview").addEventListener("click", () => selectView("overview"));
bindTabKeys(document.querySelector(".tabs"));

// ------------------------------------------------------------------ queue
export async function fetchQueue() {
  if (!state.me) return;
  if (state.queueFetch) { state.queueFetch.again = true; return; }
  state.queueFetch = { again: false };
  try {
    const data = await api("GET", "/api/agent/queue");
    state.queue = {
      queued: (data.queued || []).slice().sort((a, b) => (b.priority || 0) - (a.priority || 0)),
      mine: data.mine || [],
      live: data.live || [],
      agents: data.agents || [],
    };
    state.fetchedAt = Date.now();
    announceNewcomers();
    renderQueue();
    if (state.view === "overview") renderOverview();
    syncSelected();
  } catch (e) {
    failed(e);
  } finally {
    const again = state.queueFetch.again;
    state.queueFetch = null;
    if (again) fetchQueue();
  }
}

function announceNewcomers() {
  const ids = state.queue.queued.map((h) => h.id);
  if (state.knownQueued) {
    const fresh = state.queue.queued.filter((h) => !state.knownQueued.has(h.id));
    if (fresh.length === 1) announce("New in the queue: " + customerName(fresh[0]) + ", " + humanize(fresh[0].skill));
    else if (fresh.length > 1) announce(fresh.length + " new conversations in the queue");
  }
  state.knownQueued = new Set(ids);
  document.title = (ids.length ? "(" + ids.length + ") " : "") + "Agent console · Carebot";
}

/** The selected conversation changed status elsewhere (transfer, taken by someone): reload it. */
function syncSelected() {
  if (!state.detail) return;
  const current = state.detail.handoff;
  const all = state.queue.queued.concat(state.queue.mine, state.queue.live);
  const fresh = all.find((h) => h.id === current.id);
  const mine = current.agent && state.me && current.agent.id === state.me.id;
  const changed = fresh ? (fresh.status !== current.status || (fresh.agent && fresh.agent.id) !== (current.agent && current.agent.id))
    : (current.status === "queued" || (current.status === "active" && mine));
  if (changed) loadDetail(current.id, { keepScroll: true });
}

export function renderQueue() {
  renderList($("queued-list"), $("queued-empty"), $("queued-count"), state.queue.queued, true);
  renderList($("mine-list"), $("mine-empty"), $("mine-count"), state.queue.mine, false);
}

function renderList(list, empty, count, handoffs, queued) {
  const focusedId = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.handoffId : undefined;
  list.textContent = "";
  handoffs.forEach((handoff) => list.appendChild(listItem(handoff, queued)));
  empty.hidden = handoffs.length > 0;
  count.textContent = String(handoffs.length);
  if (focusedId !== undefined) {
    const again = list.querySelector('[data-handoff-id="' + CSS.escape(focusedId) + '"]');
    if (again) again.focus();
  }
}

function listItem(handoff, queued) {
  const level = levelOf(handoff);
  const li = el("li");
  const item = el("button", "hitem hitem--" + level);
  item.type = "button";
  item.dataset.handoffId = String(handoff.id);
  if (handoff.id === state.selectedId) item.setAttribute("aria-current", "true");

  const top = el("span", "hitem-top");
  top.appendChild(el("span", "hitem-name", customerName(handoff)));
  top.appendChild(customerBadges(handoff.customer));
  const unread = state.unread[handoff.id];
  if (unread) top.appendChild(el("span", "unread", unread + " new"));
  if (queued) top.appendChild(waitClock(handoff.waiting_s, state.fetchedAt, "wait hitem-wait"));
  item.appendChild(top);

  const tags = el("span", "hitem-tags");
  if (typeof handoff.priority === "number") {
    const prio = el("span", "badge badge-prio", "P " + handoff.priority.toFixed(1));
    prio.title = "Priority";
    tags.appendChild(prio);
  }
  if (handoff.skill) tags.appendChild(el("span", "badge badge-skill", humanize(handoff.skill)));
  tags.appendChild(levelBadge(level, handoff.frustration));
  item.appendChild(tags);

  const reasons = (handoff.reasons || []).map((r) => humanize(r.name)).filter(Boolean);
  if (reasons.length) item.appendChild(el("span", "hitem-reasons", reasons.join(" · ")));
  if (handoff.last_message && handoff.last_message.text) {
    item.appendChild(el("span", "hitem-last", handoff.last_message.text));
  }
  if (!queued && handoff.status !== "active") item.appendChild(el("span", "hitem-status", humanize(handoff.status)));
  item.addEventListener("click", () => select(handoff.id));
  li.appendChild(item);
  return li;
}

// ------------------------------------------------------------------ websocket
function setConnection(kind, text) {
  $("conn").dataset.state = kind;
  $("conn-text").textContent = text;
}

export function wsSend(frame) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function connect() {
  if (!state.me || state.ws || state.wsTimer) return;
  setConnection("connecting", state.wsAttempt ? "Reconnecting…" : "Connecting…");
  let ws;
  try {
    ws = new WebSocket(location.origin.replace(/^http/i, "ws") + "/ws/agent");
  } catch (e) {
    scheduleReconnect();
    return;
  }
  state.ws = ws;
  ws.addEventListener("open", () => {
    clearInterval(state.pingTimer);
    state.pingTimer = setInterval(() => wsSend({ type: "ping" }), PING_MS);
  });
  ws.addEventListener("message", (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame && typeof frame === "object") onFrame(frame);
  });
  ws.addEventListener("close", (event) => {
    if (state.ws !== ws) return;
    clearInterval(state.pingTimer);
    state.ws = null;
    state.typingOn = false;
    if (!state.me) return;
    if (event.code === 4401) { signedOut("Your session has ended. Please sign in again."); return; }
    scheduleReconnect();
  });
}

function scheduleReconnect() {
  const delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, state.wsAttempt));
  state.wsAttempt += 1;
  setConnection("offline", "Offline · retrying in " + Math.round(delay / 1000) + " s");
  state.wsTimer = setTimeout(async () => {
    state.wsTimer = null;
    if (!state.me) return;
    try {
      await api("GET", "/api/agent/me");  // the websocket may have closed because the session ended
    } catch (e) {
      if (e.status === 401) { signedOut("Your session has ended. Please sign in again."); return; }
    }
    connect();
  }, delay);
}

function onFrame(frame) {
  switch (frame.type) {
    case "hello":
      state.wsAttempt = 0;
      if (frame.agent) { state.me = frame.agent; renderMe(); }
      setConnection("online", "Online");
      fetchQueue();  // anything missed while disconnected
      if (state.selectedId !== null && state.detail) loadDetail(state.selectedId, { keepScroll: true });
      break;
    case "queue_changed":
      fetchQueue();
      break;
    case "message":
      onMessage(frame);
      break;
    case "typing":
      if (state.detail && frame.conversation_id === state.detail.handoff.conversation_id) setCustomerTyping(Boolean(frame.on));
      break;
    case "customer_read":
      if (state.detail && frame.conversation_id === state.detail.handoff.conversation_id) showSeen(frame.up_to);
      break;
    default:
      break;
  }
}

function onMessage(frame) {
  const message = frame.message;
  if (!message) return;
  const selected = state.detail && (frame.handoff_id === state.detail.handoff.id ||
    frame.conversation_id === state.detail.handoff.conversation_id);
  if (selected) {
    const node = appendMessage(message, true);
    if (message.type === "customer") {
      setCustomerTyping(false);
      refreshSuggestionsSoon();
      markRead();
    }
    if (node) scrollTranscript(message.type !== "customer");
    if (message.type === "system") fetchQueue();
    return;
  }
  if (message.type === "customer" && state.queue.mine.some((h) => h.id === frame.handoff_id)) {
    state.unread[frame.handoff_id] = (state.unread[frame.handoff_id] || 0) + 1;
    const handoff = state.queue.mine.find((h) => h.id === frame.handoff_id);
    handoff.last_message = { text: message.text, at: message.created_at };
    renderQueue();
    announce("New message from " + customerName(handoff));
  }
}

// ------------------------------------------------------------------ boot
setInterval(tick, 1000);

resumeSession(api, start, showLogin);
