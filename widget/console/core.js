/*!
 * Agent console: settings, the page's state and its API client.
 */
import { createApi } from "../staff/api.js";
import { $ } from "../staff/dom.js";

export const SKILLS = ["billing", "technical", "general"];
export const LEVEL_LABELS = { calm: "Calm", annoyed: "Annoyed", angry: "Angry" };
export const QUEUE_REFRESH_MS = 15000;
export const PING_MS = 25000;
export const MAX_BACKOFF_MS = 30000;
export const TYPING_IDLE_MS = 3000;
export const CUSTOMER_TYPING_TIMEOUT_MS = 12000; // in case the "off" frame is lost

export const state = {
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

export function notice(message) {
  $("notice-text").textContent = message;
  $("notice").hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { $("notice").hidden = true; }, 8000);
}

/** The agent API, with the console's messages for a 403 and a 404 (conversations). */
export const api = createApi({
  403: "You don't have access to this conversation.",
  404: "This conversation no longer exists.",
});
