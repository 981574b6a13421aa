/*!
 * Agent console: the reply composer, typing indicator, canned replies and suggested answers.
 */
import { $, button, el } from "../staff/dom.js";
import { failed, wsSend } from "./console.js";
import { canReply, messageNode, scrollTranscript, settle } from "./conversation.js";
import { TYPING_IDLE_MS, api, state } from "./core.js";
import { newId } from "./render.js";

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
export function sendTyping(on) {
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
export async function fetchCanned() {
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
export async function fetchSuggestions() {
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

export function refreshSuggestionsSoon() {
  clearTimeout(state.suggestionsTimer);
  state.suggestionsTimer = setTimeout(fetchSuggestions, 400);
}
