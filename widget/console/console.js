/*!
 * Carebot agent console. Plain JavaScript, no dependencies, no build step.
 *
 * Talks to the care hub's agent API (/api/agent/..., session cookie) and the agent websocket
 * (/ws/agent) as described in docs/handoff.md. Every piece of data is rendered as text nodes
 * (textContent / createElement); nothing from the server is ever parsed as HTML.
 */
(function () {
  "use strict";

  const SKILLS = ["billing", "technical", "general"];
  const LEVEL_LABELS = { calm: "Calm", annoyed: "Annoyed", angry: "Angry" };
  const QUEUE_REFRESH_MS = 15000;
  const PING_MS = 25000;
  const MAX_BACKOFF_MS = 30000;
  const TYPING_IDLE_MS = 3000;
  const CUSTOMER_TYPING_TIMEOUT_MS = 12000; // in case the "off" frame is lost
  const SVG_NS = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);

  const state = {
    me: null,
    queue: { queued: [], mine: [], live: [], agents: [] },
    fetchedAt: Date.now(),       // when `waiting_s` values were measured
    selectedId: null,
    detail: null,                // {handoff, context} of the selected conversation
    detailAt: Date.now(),
    rendered: {},                // message id -> node, selected conversation
    pending: {},                 // client_message_id -> {node, text, adopted}
    unread: {},                  // handoff id -> count of customer messages not yet seen
    knownQueued: null,           // ids seen in the queue (announces newcomers)
    canned: [],
    view: "inbox",
    ws: null,
    wsAttempt: 0,
    wsTimer: null,
    pingTimer: null,
    refreshTimer: null,
    queueFetch: null,
    typingOn: false,
    typingFor: null,
    typingTimer: null,
    customerTypingTimer: null,
    suggestionsTimer: null,
  };

  // ------------------------------------------------------------------ helpers
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(label, className, onClick) {
    const node = el("button", className || "btn", label);
    node.type = "button";
    if (onClick) node.addEventListener("click", onClick);
    return node;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "a-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  function humanize(name) {
    const text = String(name || "").replace(/[_-]+/g, " ").trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  function isPrimitive(value) {
    return value === null || ["string", "number", "boolean"].includes(typeof value);
  }

  const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

  function show(value) {
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

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
  }

  function clock(iso) {
    const date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) return "";
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function levelOf(handoff) {
    return LEVEL_LABELS[handoff && handoff.level] ? handoff.level : "calm";
  }

  function customerName(handoff) {
    const customer = handoff && handoff.customer;
    return customer && customer.name ? customer.name : "Website visitor";
  }

  function initialsOf(name) {
    return String(name || "?").split(/\s+/).filter(Boolean).map((w) => w.charAt(0)).join("").slice(0, 2).toUpperCase();
  }

  /** The tier badge, plus "At risk" (many open tickets) when the hub says so. */
  function customerBadges(customer) {
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

  function levelBadge(level, score) {
    const badge = el("span", "level level--" + level);
    badge.appendChild(el("span", "level-dot"));
    badge.appendChild(document.createTextNode(LEVEL_LABELS[level] || humanize(level)));
    if (typeof score === "number") badge.appendChild(el("span", "level-score", score.toFixed(2)));
    return badge;
  }

  /** A live-ticking waiting time: `seconds` was measured at `since` (ms). */
  function waitClock(seconds, since, className) {
    const node = el("span", className || "wait");
    node.dataset.waitBase = String(seconds || 0);
    node.dataset.waitSince = String(since);
    node.textContent = duration(seconds);
    return node;
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-wait-base]").forEach((node) => {
      const secs = Number(node.dataset.waitBase) + (now - Number(node.dataset.waitSince)) / 1000;
      node.textContent = duration(secs);
    });
  }

  function notice(message) {
    $("notice-text").textContent = message;
    $("notice").hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => { $("notice").hidden = true; }, 8000);
  }

  function announce(message) {
    const region = $("announcer");
    region.textContent = "";
    setTimeout(() => { region.textContent = message; }, 50);
  }

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
      403: "You don't have access to this conversation.",
      404: "This conversation no longer exists.",
      429: "Too many attempts. Please wait a moment and try again.",
    };
    throw new ApiError(response.status, error.code || "http_" + response.status,
      error.message || fallback[response.status] || "Something went wrong (" + response.status + ").");
  }

  /** Errors of background calls: a lost session shows the login; the rest a notice. */
  function failed(error) {
    if (error && error.status === 401 && state.me) {
      signedOut("Your session has ended. Please sign in again.");
      return;
    }
    notice(error && error.message ? error.message : "Something went wrong.");
  }

  // ------------------------------------------------------------------ login
  function showLogin(message) {
    $("app").hidden = true;
    $("login-screen").hidden = false;
    const error = $("login-error");
    error.hidden = !message;
    error.textContent = message || "";
    $("login-username").focus();
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

  $("logout").addEventListener("click", async () => {
    try { await api("POST", "/api/agent/logout"); } catch (e) { /* signed out locally anyway */ }
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
    $("login-screen").hidden = true;
    $("app").hidden = false;
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
  function selectView(view) {
    if (view === "overview" && (!state.me || state.me.role !== "supervisor")) view = "inbox";
    state.view = view;
    [["inbox", "tab-inbox", "view-inbox"], ["overview", "tab-overview", "view-overview"]].forEach(([name, tab, panel]) => {
      const on = name === view;
      $(tab).setAttribute("aria-selected", on ? "true" : "false");
      $(tab).tabIndex = on ? 0 : -1;
      $(panel).hidden = !on;
    });
    if (view === "overview") renderOverview();
  }

  $("tab-inbox").addEventListener("click", () => selectView("inbox"));
  $("tab-overview").addEventListener("click", () => selectView("overview"));
  document.querySelector(".tabs").addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const tabs = Array.from(document.querySelectorAll(".tab")).filter((t) => !t.hidden);
    let index = tabs.indexOf(document.activeElement);
    if (event.key === "ArrowRight") index = (index + 1) % tabs.length;
    else if (event.key === "ArrowLeft") index = (index - 1 + tabs.length) % tabs.length;
    else index = event.key === "Home" ? 0 : tabs.length - 1;
    event.preventDefault();
    tabs[index].focus();
    tabs[index].click();
  });

  // ------------------------------------------------------------------ queue
  async function fetchQueue() {
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

  function renderQueue() {
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

  // ------------------------------------------------------------------ selected conversation
  async function select(id) {
    if (state.selectedId !== id) {
      sendTyping(false);
      setCustomerTyping(false);
      $("reply").value = "";
    }
    state.selectedId = id;
    delete state.unread[id];
    selectView("inbox");
    renderQueue();
    await loadDetail(id);
  }

  async function loadDetail(id, options) {
    try {
      const data = await api("GET", "/api/agent/handoffs/" + encodeURIComponent(id));
      if (state.selectedId !== id) return;
      const sameConversation = state.detail && state.detail.handoff.id === id;
      state.detail = data;
      state.detailAt = Date.now();
      renderConversation(!(options && options.keepScroll && sameConversation));
      renderContext();
      fetchSuggestions();
      markRead();
    } catch (e) {
      if (e.status === 403 || e.status === 404) {
        notice(e.message);
        if (state.selectedId === id) clearSelection();
        fetchQueue();
      } else {
        failed(e);
      }
    }
  }

  function clearSelection() {
    state.selectedId = null;
    state.detail = null;
    $("conv").hidden = true;
    $("conv-placeholder").hidden = false;
    $("context").textContent = "";
    $("context").appendChild(el("p", "empty", "The customer's context appears here."));
    renderQueue();
  }

  function isMine(handoff) {
    return Boolean(handoff && handoff.agent && state.me && handoff.agent.id === state.me.id);
  }

  function canReply() {
    const handoff = state.detail && state.detail.handoff;
    return Boolean(handoff && handoff.status === "active" && isMine(handoff));
  }

  function renderConversation(rebuildTranscript) {
    const { handoff, context } = state.detail;
    $("conv-placeholder").hidden = true;
    $("conv").hidden = false;
    renderHeader(handoff);
    if (rebuildTranscript) {
      state.rendered = {};
      state.pending = {};
      $("transcript").textContent = "";
    }
    ((context && context.transcript) || []).forEach((message) => appendMessage(message));
    scrollTranscript(true);
  }

  function renderHeader(handoff) {
    $("conv-title").textContent = customerName(handoff);
    $("conv-title").appendChild(customerBadges(handoff.customer));

    const sub = $("conv-sub");
    sub.textContent = "";
    const bits = ["#" + handoff.id, humanize(handoff.skill), humanize(handoff.channel), humanize(handoff.status)].filter(Boolean);
    sub.appendChild(document.createTextNode(bits.join(" · ")));
    sub.appendChild(document.createTextNode(" · "));
    sub.appendChild(levelBadge(levelOf(handoff), handoff.frustration));

    const queued = handoff.status === "queued";
    const mine = isMine(handoff);
    $("act-accept").hidden = !queued;
    $("act-transfer").hidden = !(handoff.status === "active" && mine);
    $("act-handback").hidden = !(handoff.status === "active" && mine);
    $("act-close").hidden = !(handoff.status === "active" && mine);

    const banner = $("conv-banner");
    banner.textContent = "";
    banner.className = "banner";
    if (queued) {
      banner.appendChild(document.createTextNode("Waiting "));
      banner.appendChild(waitClock(handoff.waiting_s, state.detailAt));
      if (handoff.position) banner.appendChild(document.createTextNode(" · position " + handoff.position));
      banner.appendChild(document.createTextNode(". Read the context, then accept to reply."));
      banner.classList.add("banner--queued");
    } else if (handoff.status === "active" && !mine) {
      const who = handoff.agent && handoff.agent.name ? handoff.agent.name : "Another agent";
      banner.textContent = "Read-only: " + who + " is handling this conversation.";
    } else if (handoff.status === "returned") {
      banner.textContent = "Handed back to the assistant.";
    } else if (handoff.status === "closed") {
      banner.textContent = "Closed" + (handoff.disposition ? " · " + humanize(handoff.disposition) : "") + ".";
    } else if (handoff.status === "offline") {
      banner.textContent = "No agent was available: the customer was offered a ticket or a callback.";
    }
    banner.hidden = !banner.textContent;

    const reply = canReply();
    $("reply").disabled = !reply;
    $("send").disabled = !reply;
    $("canned").disabled = !reply;
    $("reply").placeholder = reply ? "Write a reply…" : queued ? "Accept the conversation to reply" : "You can't reply to this conversation";
    $("composer").classList.toggle("composer--disabled", !reply);
    document.querySelectorAll(".sugg-insert").forEach((b) => { b.disabled = !reply; });
  }

  // -- transcript
  const WHO = { customer: "Customer", bot: "Assistant", agent: "Agent", system: "" };
  const CHANNEL_LABELS = { telegram: "Telegram", whatsapp: "WhatsApp", slack: "Slack", web: "Web chat" };

  function appendMessage(message, live) {
    if (!message || typeof message !== "object") return null;
    if (message.id !== undefined && message.id !== null && state.rendered[message.id]) return null;
    if (live && message.type === "agent") {
      // Our own reply coming back over the websocket before the POST answered: adopt the pending bubble.
      const key = Object.keys(state.pending).find((k) => !state.pending[k].adopted && state.pending[k].text === message.text);
      if (key) {
        const entry = state.pending[key];
        entry.adopted = true;
        settle(entry.node, message);
        return entry.node;
      }
    }
    const node = messageNode(message);
    if (message.id !== undefined && message.id !== null) node.dataset.id = String(message.id);
    $("transcript").appendChild(node);
    if (message.id !== undefined && message.id !== null) state.rendered[message.id] = node;
    return node;
  }

  function messageNode(message, pending) {
    const type = ["customer", "bot", "agent", "system"].includes(message.type) ? message.type : "bot";
    if (type === "system") {
      const row = el("div", "msg msg--system");
      row.appendChild(el("span", "msg-system-text", message.text || humanize(message.event)));
      row.appendChild(el("time", "msg-time", clock(message.created_at)));
      if (Array.isArray(message.buttons) && message.buttons.length) {
        const offered = el("span", "msg-buttons");
        offered.appendChild(el("span", "msg-buttons-label", "Offered:"));
        message.buttons.forEach((b) => { if (b && b.title) offered.appendChild(el("span", "chip", b.title)); });
        row.appendChild(offered);
      }
      return row;
    }
    const row = el("div", "msg msg--" + type);
    const head = el("div", "msg-head");
    let who = WHO[type];
    if (type === "customer") who = customerName(state.detail && state.detail.handoff);
    if (type === "agent") who = (message.agent && message.agent.name) || "Agent";
    head.appendChild(el("span", "msg-who", who));
    // Written on Telegram, WhatsApp or Slack (no badge: the web widget).
    if (type === "customer" && typeof message.channel === "string" && message.channel) {
      head.appendChild(el("span", "badge badge-channel", CHANNEL_LABELS[message.channel] || humanize(message.channel)));
    }
    const time = el("time", "msg-time", pending ? "Sending…" : clock(message.created_at));
    if (message.created_at) time.dateTime = message.created_at;
    head.appendChild(time);
    row.appendChild(head);
    const bubble = el("div", "msg-bubble", message.text || "");
    bubble.dir = "auto";
    row.appendChild(bubble);
    if (Array.isArray(message.buttons) && message.buttons.length) {
      const offered = el("div", "msg-buttons");
      offered.appendChild(el("span", "msg-buttons-label", "Offered:"));
      message.buttons.forEach((b) => { if (b && b.title) offered.appendChild(el("span", "chip", b.title)); });
      row.appendChild(offered);
    }
    if (message.image) row.appendChild(el("div", "msg-note", "Image: " + message.image));
    return row;
  }

  function settle(node, message) {
    node.classList.remove("msg--pending", "msg--failed");
    const time = node.querySelector(".msg-time");
    if (time) time.textContent = clock(message.created_at);
    const retry = node.querySelector(".msg-retry");
    if (retry) retry.remove();
    if (message.id !== undefined && message.id !== null) {
      state.rendered[message.id] = node;
      node.dataset.id = String(message.id);
    }
  }

  function scrollTranscript(force) {
    const box = $("transcript");
    const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    if (force || nearEnd) box.scrollTop = box.scrollHeight;
  }

  // -- composer
  async function sendReply(text, existing) {
    const handoff = state.detail && state.detail.handoff;
    if (!handoff || !canReply() || !text.trim()) return;
    sendTyping(false);
    const clientId = newId();
    let node = existing;
    if (node) {
      node.classList.remove("msg--failed");
      node.classList.add("msg--pending");
      node.querySelector(".msg-time").textContent = "Sending…";
      const retry = node.querySelector(".msg-retry");
      if (retry) retry.remove();
    } else {
      node = messageNode({ type: "agent", text, agent: { name: state.me.name } }, true);
      node.classList.add("msg--pending");
      $("transcript").appendChild(node);
      scrollTranscript(true);
    }
    const entry = { node, text, adopted: false };
    state.pending[clientId] = entry;
    try {
      const data = await api("POST", "/api/agent/handoffs/" + encodeURIComponent(handoff.id) + "/messages",
        { text, client_message_id: clientId });
      const message = data && data.message;
      if (!entry.adopted && message) {
        const other = message.id !== undefined ? state.rendered[message.id] : null;
        if (other && other !== node) node.remove(); else settle(node, message);
      }
    } catch (e) {
      node.classList.remove("msg--pending");
      node.classList.add("msg--failed");
      node.querySelector(".msg-time").textContent = "Not sent";
      const retry = button("Retry", "btn btn-link msg-retry", () => sendReply(text, node));
      node.appendChild(retry);
      scrollTranscript(true);
      failed(e);
    } finally {
      delete state.pending[clientId];
    }
  }

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("reply").value;
    if (!text.trim()) return;
    $("reply").value = "";
    sendReply(text);
    $("reply").focus();
  });

  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  $("reply").addEventListener("input", () => {
    if ($("reply").value.trim()) sendTyping(true); else sendTyping(false);
  });

  /** Tells the customer the agent is typing: on at the first keystroke, off after 3 s idle or on send. */
  function sendTyping(on) {
    clearTimeout(state.typingTimer);
    state.typingTimer = null;
    const handoffId = state.selectedId;
    if (on) state.typingTimer = setTimeout(() => sendTyping(false), TYPING_IDLE_MS);
    if (on && state.typingOn && state.typingFor === handoffId) return;
    if (!on && !state.typingOn) return;
    const target = on ? handoffId : state.typingFor;
    if (wsSend({ type: "typing", handoff_id: target, on })) {
      state.typingOn = on;
      state.typingFor = on ? handoffId : null;
    } else if (!on) {
      state.typingOn = false;
      state.typingFor = null;
    }
  }

  function insertIntoComposer(text) {
    const box = $("reply");
    if (box.disabled) return;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.setRangeText(text, start, end, "end");
    box.focus();
    box.dispatchEvent(new Event("input"));
  }

  // -- canned replies
  async function fetchCanned() {
    try {
      const data = await api("GET", "/api/agent/canned");
      state.canned = (data && data.replies) || [];
    } catch (e) {
      state.canned = [];
      if (e.status === 401) return failed(e);
    }
    const select = $("canned");
    select.textContent = "";
    const first = el("option", "", state.canned.length ? "Canned replies…" : "No canned replies");
    first.value = "";
    select.appendChild(first);
    state.canned.forEach((reply, index) => {
      const option = el("option", "", reply.title || "Reply " + (index + 1));
      option.value = String(index);
      select.appendChild(option);
    });
  }

  $("canned").addEventListener("change", () => {
    const reply = state.canned[Number($("canned").value)];
    $("canned").value = "";
    if (reply && reply.text) insertIntoComposer(reply.text);
  });

  // -- suggestions
  async function fetchSuggestions() {
    const id = state.selectedId;
    if (id === null) return;
    let data;
    try {
      data = await api("GET", "/api/agent/handoffs/" + encodeURIComponent(id) + "/suggestions");
    } catch (e) {
      if (e.status === 401) failed(e);
      data = { query: "", suggestions: [] };
    }
    if (state.selectedId !== id) return;
    renderSuggestions(data || {});
  }

  function renderSuggestions(data) {
    const list = $("sugg-list");
    list.textContent = "";
    const query = String(data.query || "");
    $("sugg-query").textContent = query ? "for “" + (query.length > 60 ? query.slice(0, 59) + "…" : query) + "”" : "";
    $("sugg-query").title = query;
    const suggestions = Array.isArray(data.suggestions) ? data.suggestions : [];
    if (!suggestions.length) {
      list.appendChild(el("li", "empty", "No matching knowledge-base articles."));
      return;
    }
    const reply = canReply();
    suggestions.forEach((s) => {
      const item = el("li", "sugg");
      const head = el("div", "sugg-head");
      const title = s.url && /^https?:\/\//i.test(s.url) ? el("a", "sugg-title", s.title || s.article) : el("span", "sugg-title", s.title || s.article);
      if (title.tagName === "A") {
        title.href = s.url;
        title.target = "_blank";
        title.rel = "noopener noreferrer";
      }
      head.appendChild(title);
      if (typeof s.score === "number") head.appendChild(el("span", "sugg-score", Math.round(s.score * 100) + "%"));
      const insert = button("Insert", "btn btn-small sugg-insert", () => insertIntoComposer(s.text || ""));
      insert.setAttribute("aria-label", "Insert “" + (s.title || s.article || "suggestion") + "” into the reply");
      insert.disabled = !reply;
      head.appendChild(insert);
      item.appendChild(head);
      const text = el("p", "sugg-text", s.text || "");
      text.title = s.text || "";
      item.appendChild(text);
      list.appendChild(item);
    });
  }

  function refreshSuggestionsSoon() {
    clearTimeout(state.suggestionsTimer);
    state.suggestionsTimer = setTimeout(fetchSuggestions, 400);
  }

  // -- customer typing
  function setCustomerTyping(on) {
    clearTimeout(state.customerTypingTimer);
    const line = $("cust-typing");
    line.hidden = !on;
    line.textContent = on ? customerName(state.detail && state.detail.handoff) + " is typing…" : "";
    if (on) state.customerTypingTimer = setTimeout(() => setCustomerTyping(false), CUSTOMER_TYPING_TIMEOUT_MS);
  }

  // ------------------------------------------------------------------ actions
  $("act-accept").addEventListener("click", async () => {
    const handoff = state.detail && state.detail.handoff;
    if (!handoff) return;
    const accept = $("act-accept");
    accept.disabled = true;
    try {
      await api("POST", "/api/agent/handoffs/" + encodeURIComponent(handoff.id) + "/accept");
      await loadDetail(handoff.id, { keepScroll: true });
      fetchQueue();
      if (canReply()) $("reply").focus();
    } catch (e) {
      failed(e);
      fetchQueue();
      loadDetail(handoff.id, { keepScroll: true });
    } finally {
      accept.disabled = false;
    }
  });

  function openDialog(id, prepare) {
    const dialog = $(id);
    const form = dialog.querySelector("form");
    form.reset();
    const error = form.querySelector(".form-error");
    error.hidden = true;
    error.textContent = "";
    if (prepare) prepare(dialog);
    dialog.showModal();
  }

  document.querySelectorAll("dialog [data-cancel]").forEach((b) => {
    b.addEventListener("click", () => b.closest("dialog").close());
  });

  /** Submits a dialog's action; errors stay in the dialog. */
  function dialogAction(formId, buildRequest, after) {
    const form = $(formId);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const handoff = state.detail && state.detail.handoff;
      if (!handoff) return;
      const [path, body] = buildRequest(handoff);
      const submit = form.querySelector('button[type="submit"]');
      const error = form.querySelector(".form-error");
      submit.disabled = true;
      try {
        const data = await api("POST", "/api/agent/handoffs/" + encodeURIComponent(handoff.id) + "/" + path, body);
        form.closest("dialog").close();
        sendTyping(false);
        if (after) after(data);
        await loadDetail(handoff.id, { keepScroll: true });
        fetchQueue();
        $("transcript").focus();
      } catch (e) {
        if (e.status === 401) { form.closest("dialog").close(); failed(e); return; }
        error.textContent = e.message;
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
  }

  $("act-transfer").addEventListener("click", () => openDialog("dlg-transfer", () => {
    const select = $("transfer-target");
    select.textContent = "";
    const handoff = state.detail.handoff;
    const skills = el("optgroup");
    skills.label = "Queue (skill)";
    SKILLS.forEach((skill) => {
      const option = el("option", "", humanize(skill) + (skill === handoff.skill ? " (current)" : ""));
      option.value = "skill:" + skill;
      skills.appendChild(option);
    });
    select.appendChild(skills);
    const agents = (state.queue.agents || []).filter((a) => !state.me || a.id !== state.me.id);
    if (agents.length) {
      const group = el("optgroup");
      group.label = "Agent";
      agents.forEach((a) => {
        const load = typeof a.active === "number" && a.capacity ? " · " + a.active + "/" + a.capacity : "";
        const option = el("option", "", a.name + (a.online ? "" : " (offline)") + load);
        option.value = "agent:" + a.id;
        option.disabled = !a.online;
        group.appendChild(option);
      });
      select.appendChild(group);
    }
    const other = SKILLS.find((s) => s !== handoff.skill);
    if (other) select.value = "skill:" + other;
  }));

  dialogAction("form-transfer", () => {
    const [kind, value] = $("transfer-target").value.split(/:(.*)/s);
    const body = kind === "agent" ? { agent_id: isNaN(Number(value)) ? value : Number(value) } : { skill: value };
    const note = $("transfer-note").value.trim();
    if (note) body.note = note;
    return ["transfer", body];
  });

  $("act-handback").addEventListener("click", () => openDialog("dlg-handback"));
  dialogAction("form-handback", () => {
    const note = $("handback-note").value.trim();
    return ["handback", note ? { note } : {}];
  }, (data) => {
    ((data && data.messages) || []).forEach((m) => appendMessage(m, true));
    scrollTranscript(true);
  });

  $("act-close").addEventListener("click", () => openDialog("dlg-close"));
  dialogAction("form-close", () => {
    const checked = document.querySelector('#form-close input[name="disposition"]:checked');
    const body = { disposition: checked ? checked.value : "resolved" };
    const note = $("close-note").value.trim();
    if (note) body.note = note;
    return ["close", body];
  });

  $("notice-close").addEventListener("click", () => { $("notice").hidden = true; });

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

  function renderContext() {
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
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "sparkline");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("role", "img");
    const scores = points.map((p) => Math.max(0, Math.min(1, p.score)));
    svg.setAttribute("aria-label", "Frustration per message, 0 to 1: " + scores.map((s) => s.toFixed(2)).join(", "));
    const x = (i) => points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1);
    const y = (s) => height - pad - s * (height - 2 * pad);
    const add = (tag, attrs) => {
      const node = document.createElementNS(SVG_NS, tag);
      Object.keys(attrs).forEach((k) => node.setAttribute(k, attrs[k]));
      svg.appendChild(node);
      return node;
    };
    [0.5, 1].forEach((s) => add("line", { x1: pad, x2: width - pad, y1: y(s), y2: y(s), class: "spark-grid" }));
    if (points.length > 1) {
      add("polyline", { points: scores.map((s, i) => x(i) + "," + y(s)).join(" "), class: "spark-line" });
    }
    points.forEach((p, i) => {
      const level = LEVEL_LABELS[p.level] ? p.level : "calm";
      const dot = add("circle", { cx: x(i), cy: y(scores[i]), r: 4, class: "spark-dot spark-dot--" + level });
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = scores[i].toFixed(2) + " · " + (LEVEL_LABELS[level]) + (p.text ? " · “" + p.text + "”" : "");
      dot.appendChild(title);
    });
    return svg;
  }

  // ------------------------------------------------------------------ supervisor overview
  function renderOverview() {
    if (!state.me || state.me.role !== "supervisor") return;
    const { queued, live, agents } = state.queue;
    const skills = SKILLS.slice();
    queued.concat(live).forEach((h) => { if (h.skill && !skills.includes(h.skill)) skills.push(h.skill); });
    const cards = $("ov-skills");
    cards.textContent = "";
    skills.forEach((skill) => {
      const waiting = queued.filter((h) => h.skill === skill);
      const active = live.filter((h) => h.skill === skill && h.status === "active");
      const longest = waiting.reduce((m, h) => Math.max(m, h.waiting_s || 0), 0);
      const card = el("div", "ov-card" + (waiting.length ? " ov-card--busy" : ""));
      card.appendChild(el("h3", "ov-card-title", humanize(skill)));
      const stats = el("dl", "ov-stats");
      stats.appendChild(el("dt", "", "Waiting"));
      stats.appendChild(el("dd", "ov-num", String(waiting.length)));
      stats.appendChild(el("dt", "", "Longest wait"));
      const dd = el("dd", "ov-num");
      dd.appendChild(waiting.length ? waitClock(longest, state.fetchedAt) : document.createTextNode("—"));
      stats.appendChild(dd);
      stats.appendChild(el("dt", "", "In progress"));
      stats.appendChild(el("dd", "ov-num", String(active.length)));
      card.appendChild(stats);
      cards.appendChild(card);
    });

    const agentRows = $("ov-agents").tBodies[0];
    agentRows.textContent = "";
    agents.forEach((a) => {
      const tr = el("tr");
      const name = el("td");
      name.appendChild(el("span", "avatar avatar-small", a.initials || initialsOf(a.name)));
      name.appendChild(document.createTextNode(a.name + (a.role === "supervisor" ? " (supervisor)" : "")));
      tr.appendChild(name);
      const online = el("td", "nowrap");
      online.appendChild(el("span", "presence presence--" + (a.online ? "on" : "off"), a.online ? "Online" : "Offline"));
      tr.appendChild(online);
      tr.appendChild(el("td", "", (a.skills || []).map(humanize).join(", ")));
      const load = el("td", "nowrap");
      const activeN = a.active || 0;
      const capacity = a.capacity || 0;
      const meter = el("span", "meter meter--load");
      const fill = el("span", "meter-fill" + (capacity && activeN >= capacity ? " meter-fill--full" : ""));
      fill.style.width = (capacity ? Math.min(100, (activeN / capacity) * 100) : 0) + "%";
      meter.appendChild(fill);
      load.appendChild(meter);
      load.appendChild(el("span", "load-text", activeN + " / " + capacity));
      tr.appendChild(load);
      agentRows.appendChild(tr);
    });
    if (!agents.length) {
      const tr = el("tr");
      const td = el("td", "empty", "No agents.");
      td.colSpan = 4;
      tr.appendChild(td);
      agentRows.appendChild(tr);
    }

    const liveRows = $("ov-live").tBodies[0];
    liveRows.textContent = "";
    const seen = new Set();
    const conversations = live.concat(queued).filter((h) => (seen.has(h.id) ? false : seen.add(h.id)));
    conversations.forEach((h) => {
      const tr = el("tr");
      const who = el("td");
      who.appendChild(document.createTextNode(customerName(h)));
      who.appendChild(customerBadges(h.customer));
      tr.appendChild(who);
      tr.appendChild(el("td", "", humanize(h.skill)));
      tr.appendChild(el("td", "", humanize(h.status)));
      tr.appendChild(el("td", "", h.agent && h.agent.name ? h.agent.name : "—"));
      const mood = el("td");
      mood.appendChild(levelBadge(levelOf(h), h.frustration));
      tr.appendChild(mood);
      const time = el("td");
      time.appendChild(h.status === "queued" ? waitClock(h.waiting_s, state.fetchedAt) : document.createTextNode(duration(h.waiting_s)));
      tr.appendChild(time);
      const actions = el("td", "row-actions");
      const open = button("Open", "btn btn-small", () => select(h.id));
      open.setAttribute("aria-label", "Open conversation with " + customerName(h));
      actions.appendChild(open);
      if (h.status === "queued") {
        const accept = button("Accept", "btn btn-small btn-primary", async () => {
          try {
            await api("POST", "/api/agent/handoffs/" + encodeURIComponent(h.id) + "/accept");
            await select(h.id);
            fetchQueue();
          } catch (e) {
            failed(e);
            fetchQueue();
          }
        });
        accept.setAttribute("aria-label", "Accept conversation with " + customerName(h));
        actions.appendChild(accept);
      }
      tr.appendChild(actions);
      liveRows.appendChild(tr);
    });
    if (!conversations.length) {
      const tr = el("tr");
      const td = el("td", "empty", "No live conversations.");
      td.colSpan = 7;
      tr.appendChild(td);
      liveRows.appendChild(tr);
    }
  }

  // ------------------------------------------------------------------ websocket
  function setConnection(kind, text) {
    $("conn").dataset.state = kind;
    $("conn-text").textContent = text;
  }

  function wsSend(frame) {
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

  // ------------------------------------------------------------------ read receipts
  // The agent who has the conversation open (and the tab visible) has read the customer's messages;
  // the customer's widget shows "Seen by <name>". The customer's own reads come back as customer_read.
  function markRead() {
    if (!canReply() || document.visibilityState !== "visible" || !state.ws) return;
    const ids = Array.from($("transcript").querySelectorAll(".msg--customer[data-id]"))
      .map((node) => Number(node.dataset.id)).filter((id) => id > 0);
    if (!ids.length) return;
    const upTo = Math.max.apply(null, ids);
    if (state.readSent && state.readSent.handoff === state.detail.handoff.id && state.readSent.upTo >= upTo) return;
    state.readSent = { handoff: state.detail.handoff.id, upTo: upTo };
    state.ws.send(JSON.stringify({ type: "read", handoff_id: state.detail.handoff.id, up_to: upTo }));
  }
  document.addEventListener("visibilitychange", markRead);

  function showSeen(upTo) {
    const seen = Array.from($("transcript").querySelectorAll(".msg--agent[data-id], .msg--bot[data-id]"))
      .filter((node) => Number(node.dataset.id) <= upTo);
    $("transcript").querySelectorAll(".msg-seen").forEach((node) => node.remove());
    const last = seen[seen.length - 1];
    if (last) last.querySelector(".msg-head").appendChild(el("span", "msg-seen", "Seen"));
  }

  // ------------------------------------------------------------------ boot
  setInterval(tick, 1000);

  (async function boot() {
    try {
      const data = await api("GET", "/api/agent/me");
      start(data.agent);
    } catch (e) {
      showLogin(e.status === 401 || e.status === undefined ? "" : e.message);
    }
  })();
})();
