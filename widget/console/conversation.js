/*!
 * Agent console: the selected conversation (header, transcript, read receipts, customer typing) and its
 * actions (accept, transfer, hand back, close).
 */
import { $, el, humanize } from "../staff/dom.js";
import { fetchSuggestions, sendTyping } from "./composer.js";
import { failed, fetchQueue, renderQueue, selectView } from "./console.js";
import { renderContext } from "./context.js";
import { CUSTOMER_TYPING_TIMEOUT_MS, SKILLS, api, notice, state } from "./core.js";
import { clock, customerBadges, customerName, levelBadge, levelOf, waitClock } from "./render.js";

// ------------------------------------------------------------------ selected conversation
export async function select(id) {
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

export async function loadDetail(id, options) {
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

export function canReply() {
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

export function appendMessage(message, live) {
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

export function messageNode(message, pending) {
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

export function settle(node, message) {
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

export function scrollTranscript(force) {
  const box = $("transcript");
  const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  if (force || nearEnd) box.scrollTop = box.scrollHeight;
}


// -- customer typing
export function setCustomerTyping(on) {
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

// ------------------------------------------------------------------ read receipts
// The agent who has the conversation open (and the tab visible) has read the customer's messages;
// the customer's widget shows "Seen by <name>". The customer's own reads come back as customer_read.
export function markRead() {
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

export function showSeen(upTo) {
  const seen = Array.from($("transcript").querySelectorAll(".msg--agent[data-id], .msg--bot[data-id]"))
    .filter((node) => Number(node.dataset.id) <= upTo);
  $("transcript").querySelectorAll(".msg-seen").forEach((node) => node.remove());
  const last = seen[seen.length - 1];
  if (last) last.querySelector(".msg-head").appendChild(el("span", "msg-seen", "Seen"));
}
