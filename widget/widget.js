/*!
 * Carebot chat widget (first version). Plain JavaScript, no dependencies.
 *
 * Embed:
 *   <script>window.CarebotConfig = {hubUrl: "https://care.example.com", brand: "Acme", color: "#2f5d50",
 *                                   greeting: "Hi! How can I help?"};</script>
 *   <script src="https://care.example.com/widget/widget.js" defer></script>
 *
 * Talks to the care hub over one websocket (/ws): hello -> welcome(history), message -> ack, typing, bot.
 * Messages are kept in an outbox until the hub acknowledges them and are resent with the same id after a
 * reconnect (the hub de-duplicates). All message content is rendered with textContent, never as HTML.
 * Warm handoff (docs/handoff.md): `agent` and `system` messages, the live `queue` status line and the
 * agent's typing; the customer's own typing is sent to the hub so the agent sees it.
 */
(function () {
  "use strict";

  if (window.__carebotWidget) return;
  window.__carebotWidget = true;

  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var userConfig = window.CarebotConfig || {};
  var config = {
    hubUrl: String(userConfig.hubUrl || scriptOrigin).replace(/\/+$/, ""),
    brand: String(userConfig.brand || "Customer care"),
    color: String(userConfig.color || "#2f5d50"),
    greeting: userConfig.greeting ? String(userConfig.greeting) : "",
    placeholder: String(userConfig.placeholder || "Type your message…"),
    open: Boolean(userConfig.open)
  };

  var STORAGE_KEY = "carebot:conversation:" + config.hubUrl;
  var OPEN_KEY = "carebot:open:" + config.hubUrl;
  var MAX_BACKOFF_MS = 30000;
  var TYPING_IDLE_MS = 3000;
  var SVG_NS = "http://www.w3.org/2000/svg";

  // ---------------------------------------------------------------- small helpers
  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }
  function storageSet(store, key, value) {
    try {
      if (value === null) window[store].removeItem(key); else window[store].setItem(key, value);
    } catch (e) { /* private mode: the conversation simply won't survive a reload */ }
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "m-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function icon(paths, size) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", size || 24);
    svg.setAttribute("height", size || 24);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      path.setAttribute("fill-rule", "evenodd");
      svg.appendChild(path);
    });
    return svg;
  }
  // A speech bubble with three dots cut out (even-odd fill).
  var ICON_CHAT = [
    "M12 3.5c-5 0-9 3.4-9 7.6 0 2.3 1.2 4.4 3.1 5.8L5.4 20.3c-.1.4.3.7.7.5l4-2.2c.6.1 1.2.2 1.9.2 5 0 9-3.4 9-7.6S17 3.5 12 3.5z" +
    "M7.4 11.1a1.35 1.35 0 1 0 2.7 0 1.35 1.35 0 1 0-2.7 0z" +
    "M10.65 11.1a1.35 1.35 0 1 0 2.7 0 1.35 1.35 0 1 0-2.7 0z" +
    "M13.9 11.1a1.35 1.35 0 1 0 2.7 0 1.35 1.35 0 1 0-2.7 0z"
  ];
  var ICON_CLOSE = ["M6.7 5.3 12 10.6l5.3-5.3 1.4 1.4L13.4 12l5.3 5.3-1.4 1.4L12 13.4l-5.3 5.3-1.4-1.4L10.6 12 5.3 6.7z"];
  var ICON_SEND = ["M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z"];

  /** Readable text colour (white or near-black) on the brand colour. */
  function onColor(color) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
    if (!m) return "#ffffff";
    var hex = m[1].length === 3 ? m[1].replace(/(.)/g, "$1$1") : m[1];
    var rgb = [0, 2, 4].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    return luminance > 0.45 ? "#1b1f1d" : "#ffffff";
  }

  /** Appends text to `parent`, turning http(s) URLs into links. Never parses HTML. */
  var URL_RE = /https?:\/\/[^\s<>"'`]+/g;
  function appendRichText(parent, text) {
    var last = 0;
    text.replace(URL_RE, function (match, offset) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = el("a", "cb-link", url);
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      parent.appendChild(link);
      last = offset + url.length;
      return match;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function formatTime(iso) {
    var date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) return "";
    return date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  // ---------------------------------------------------------------- DOM
  var host = el("div");
  host.id = "carebot-widget";
  host.style.display = "none"; // shown once the stylesheet has loaded (no flash of unstyled widget)
  host.style.setProperty("--cb-accent", config.color);
  host.style.setProperty("--cb-on-accent", onColor(config.color));
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  var stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = config.hubUrl + "/widget/widget.css";
  stylesheet.addEventListener("load", function () { host.style.display = ""; });
  stylesheet.addEventListener("error", function () { host.style.display = ""; });
  root.appendChild(stylesheet);

  var container = el("div", "cb");
  root.appendChild(container);

  var launcher = el("button", "cb-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "Chat with " + config.brand);
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "cb-panel");
  var launcherOpen = icon(ICON_CHAT, 28);
  launcherOpen.setAttribute("class", "cb-icon-open");
  var launcherClose = icon(ICON_CLOSE, 26);
  launcherClose.setAttribute("class", "cb-icon-close");
  var badge = el("span", "cb-badge");
  badge.hidden = true;
  launcher.appendChild(launcherOpen);
  launcher.appendChild(launcherClose);
  launcher.appendChild(badge);

  var panel = el("section", "cb-panel");
  panel.id = "cb-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Chat with " + config.brand);

  var header = el("header", "cb-header");
  var avatar = el("div", "cb-avatar", config.brand.charAt(0).toUpperCase());
  avatar.setAttribute("aria-hidden", "true");
  var titles = el("div", "cb-titles");
  var title = el("h2", "cb-title", config.brand);
  var status = el("p", "cb-status");
  var statusDot = el("span", "cb-dot");
  var statusText = el("span", "cb-status-text", "Connecting…");
  status.appendChild(statusDot);
  status.appendChild(statusText);
  titles.appendChild(title);
  titles.appendChild(status);
  var closeButton = el("button", "cb-close");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "Close chat");
  closeButton.appendChild(icon(ICON_CLOSE, 22));
  header.appendChild(avatar);
  header.appendChild(titles);
  header.appendChild(closeButton);

  // Live queue position while waiting for a person (hidden otherwise).
  var queueLine = el("p", "cb-queue");
  queueLine.hidden = true;
  queueLine.setAttribute("role", "status");

  var scroller = el("div", "cb-scroll");
  var log = el("div", "cb-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Conversation with " + config.brand);
  log.tabIndex = 0;
  var typing = el("div", "cb-typing");
  typing.hidden = true;
  typing.setAttribute("role", "status");
  var typingLabel = el("span", "cb-sr-only", config.brand + " is typing");
  var typingWho = el("span", "cb-typing-who");
  typingWho.hidden = true;
  var typingDots = el("span", "cb-dots");
  typingDots.setAttribute("aria-hidden", "true");
  for (var d = 0; d < 3; d++) typingDots.appendChild(el("span"));
  typing.appendChild(typingLabel);
  typing.appendChild(typingWho);
  typing.appendChild(typingDots);
  scroller.appendChild(log);
  scroller.appendChild(typing);

  var form = el("form", "cb-composer");
  form.noValidate = true;
  var inputLabel = el("label", "cb-sr-only", "Message " + config.brand);
  inputLabel.htmlFor = "cb-input";
  var input = el("textarea", "cb-input");
  input.id = "cb-input";
  input.rows = 1;
  input.placeholder = config.placeholder;
  input.setAttribute("enterkeyhint", "send");
  input.setAttribute("autocomplete", "off");
  var sendButton = el("button", "cb-send");
  sendButton.type = "submit";
  sendButton.setAttribute("aria-label", "Send message");
  sendButton.appendChild(icon(ICON_SEND, 20));
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendButton);

  var FOOTER_BOT = "Replies may come from an automated assistant.";
  var footer = el("p", "cb-footer", FOOTER_BOT);

  panel.appendChild(header);
  panel.appendChild(queueLine);
  panel.appendChild(scroller);
  panel.appendChild(form);
  panel.appendChild(footer);
  container.appendChild(panel);
  container.appendChild(launcher);

  // ---------------------------------------------------------------- state
  var state = {
    open: false,
    conversationId: storageGet("localStorage", STORAGE_KEY),
    socket: null,
    welcomed: false,
    wantConnection: false,
    attempt: 0,
    reconnectTimer: null,
    outbox: [],          // [{id, text, payload}] not yet acknowledged, in order
    rendered: {},        // server message id -> true (de-duplication)
    pendingNodes: {},    // client id -> row element
    unread: 0,
    status: "connecting",
    agent: null,         // {name, initials} while a person has the conversation
    queued: false,       // waiting for a person
    typingSent: false,   // the hub was told the customer is typing
    typingTimer: null
  };

  // ---------------------------------------------------------------- rendering
  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function clearQuickReplies() {
    var groups = log.querySelectorAll(".cb-quick");
    for (var i = 0; i < groups.length; i++) groups[i].parentNode.removeChild(groups[i]);
  }

  function renderQuickReplies(buttons) {
    var group = el("div", "cb-quick");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    buttons.forEach(function (button) {
      if (!button || typeof button.title !== "string") return;
      var chip = el("button", "cb-chip", button.title);
      chip.type = "button";
      chip.addEventListener("click", function () {
        sendMessage(button.title, typeof button.payload === "string" ? button.payload : null);
      });
      group.appendChild(chip);
    });
    if (group.childNodes.length) log.appendChild(group);
  }

  function agentName(agent) {
    return agent && typeof agent.name === "string" && agent.name.trim() ? agent.name.trim() : "Support agent";
  }
  function firstName(agent) {
    return agentName(agent).split(/\s+/)[0];
  }
  function initials(agent) {
    if (agent && typeof agent.initials === "string" && agent.initials.trim()) return agent.initials.trim().slice(0, 3);
    return agentName(agent).split(/\s+/).map(function (w) { return w.charAt(0); }).join("").slice(0, 2).toUpperCase();
  }

  function renderRow(kind, text, options) {
    options = options || {};
    var row = el("div", "cb-row cb-row--" + kind);
    var speaker = kind === "customer" ? "You" : kind === "agent" ? agentName(options.agent) : config.brand;
    if (kind === "agent") {
      // Name and initials above the first of consecutive messages from the same person.
      var previous = log.lastElementChild;
      row.setAttribute("data-agent", speaker);
      if (previous && previous.getAttribute("data-agent") === speaker) {
        row.classList.add("cb-row--cont");
      } else {
        var label = el("div", "cb-agent");
        label.setAttribute("aria-hidden", "true");
        label.appendChild(el("span", "cb-agent-avatar", initials(options.agent)));
        label.appendChild(el("span", "cb-agent-name", speaker));
        row.appendChild(label);
      }
    }
    var bubble = el("div", "cb-bubble");
    bubble.dir = "auto";
    var who = el("span", "cb-sr-only", speaker + " said: ");
    bubble.appendChild(who);
    if (text) appendRichText(bubble, text);
    if (options.image && /^https?:\/\//i.test(options.image)) {
      var img = el("img", "cb-image");
      img.alt = "Image from " + config.brand;
      img.loading = "lazy";
      img.src = options.image;
      bubble.appendChild(img);
    }
    row.appendChild(bubble);
    var meta = el("div", "cb-meta", options.pending ? "Sending…" : formatTime(options.createdAt));
    if (options.pending) meta.classList.add("cb-meta--pending");
    row.appendChild(meta);
    log.appendChild(row);
    return row;
  }

  function renderSystem(text) {
    var row = el("div", "cb-system");
    row.setAttribute("data-kind", "system");
    row.appendChild(el("span", "", text));
    log.appendChild(row);
  }

  /** Who has the conversation, as told by the handoff's system messages (live or in the history). */
  function followHandoff(message) {
    if (message.type === "agent" && message.agent) {
      setAgent(message.agent);
      setQueue(null);
    } else if (message.type === "system") {
      switch (message.event) {
        case "queued":
          setAgent(null);
          setQueue(message.queue || {});
          break;
        case "agent_joined":
          setAgent(message.agent || {});
          setQueue(null);
          break;
        case "agent_left":
        case "handed_back":
        case "closed":
        case "offline":
          setAgent(null);
          setQueue(null);
          break;
        default:
          break;
      }
    }
  }

  function renderMessage(message, isLive) {
    if (message.id !== undefined && message.id !== null) {
      if (state.rendered[message.id]) return;
      state.rendered[message.id] = true;
    }
    if (message.type === "customer") {
      if (message.text) renderRow("customer", message.text, { createdAt: message.created_at });
      return;
    }
    if (message.type === "system") {
      if (typeof message.text === "string" && message.text) renderSystem(message.text);
      followHandoff(message);
      // e.g. "offline": open a ticket / arrange a call back
      if (isLive && Array.isArray(message.buttons) && message.buttons.length) {
        clearQuickReplies();
        renderQuickReplies(message.buttons);
      }
      return;
    }
    if (message.type === "agent") {
      if (typeof message.text === "string" && message.text) {
        renderRow("agent", message.text, { agent: message.agent, createdAt: message.created_at });
      }
      followHandoff(message);
      return;
    }
    var text = typeof message.text === "string" ? message.text : "";
    if (text || message.image) renderRow("bot", text, { image: message.image, createdAt: message.created_at });
    if (isLive && Array.isArray(message.buttons) && message.buttons.length) {
      clearQuickReplies();
      renderQuickReplies(message.buttons);
    }
  }

  function renderGreeting() {
    if (config.greeting) renderRow("bot", config.greeting, {});
  }

  function renderHistory(history) {
    log.textContent = "";
    state.rendered = {};
    state.pendingNodes = {};
    setAgent(null);
    setQueue(null);
    renderGreeting();
    history.forEach(function (message) { renderMessage(message, false); });
    // A queue position in the history is stale: say we're waiting, the next `queue` frame adds the numbers.
    if (state.queued) setQueue({});
    var last = history[history.length - 1];
    if (last && last.type !== "customer" && Array.isArray(last.buttons) && last.buttons.length) {
      renderQuickReplies(last.buttons);
    }
    state.outbox.forEach(function (entry) {
      state.pendingNodes[entry.id] = renderRow("customer", entry.text, { pending: true });
    });
    scrollToEnd();
  }

  function setTyping(on, agent) {
    typing.hidden = !on;
    var name = agent ? firstName(agent) : "";
    typingWho.hidden = !name;
    typingWho.textContent = name ? name + " is typing…" : "";
    typingLabel.textContent = name ? "" : config.brand + " is typing";
    typing.classList.toggle("cb-typing--agent", Boolean(name));
    if (on) scrollToEnd();
  }

  function setStatus(kind) {
    var labels = { online: "Online", connecting: "Connecting…", offline: "Reconnecting…" };
    state.status = kind;
    statusText.textContent = kind === "online" && state.agent ? "Chatting with " + agentName(state.agent)
      : labels[kind] || kind;
    container.setAttribute("data-status", kind);
  }

  function setAgent(agent) {
    state.agent = agent;
    avatar.textContent = agent ? initials(agent) : config.brand.charAt(0).toUpperCase();
    container.setAttribute("data-agent", agent ? "true" : "false");
    footer.textContent = agent ? "You're chatting with a person from our team." : FOOTER_BOT;
    setStatus(state.status);
  }

  function minutes(seconds) {
    var n = Math.max(1, Math.round(seconds / 60));
    return "~" + n + " min";
  }

  /** queue: {position?, wait_s?} while waiting for a person, null otherwise. */
  function setQueue(queue) {
    state.queued = Boolean(queue);
    queueLine.hidden = !queue;
    if (!queue) return;
    var parts = ["Waiting for an agent"];
    if (typeof queue.position === "number" && queue.position > 0) parts.push("position " + queue.position);
    if (typeof queue.wait_s === "number" && queue.wait_s >= 0) parts.push(minutes(queue.wait_s));
    queueLine.textContent = parts.join(" · ");
    scrollToEnd();
  }

  function setUnread(count) {
    state.unread = count;
    badge.hidden = count === 0;
    badge.textContent = count > 9 ? "9+" : String(count);
    launcher.setAttribute("aria-label", "Chat with " + config.brand + (count ? " (" + count + " new)" : ""));
  }

  // ---------------------------------------------------------------- connection
  function wsUrl() {
    return config.hubUrl.replace(/^http/i, "ws") + "/ws";
  }

  function transmit(frame) {
    if (state.socket && state.socket.readyState === 1 && state.welcomed) {
      state.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function connect() {
    state.wantConnection = true;
    if (state.socket || state.reconnectTimer) return;
    setStatus(state.attempt ? "offline" : "connecting");
    var socket;
    try {
      socket = new WebSocket(wsUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    socket.addEventListener("open", function () {
      var hello = { type: "hello" };
      if (state.conversationId) hello.conversation_id = state.conversationId;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === "object") handleFrame(frame);
    });
    socket.addEventListener("close", function () {
      if (state.socket !== socket) return;
      state.socket = null;
      state.welcomed = false;
      state.typingSent = false;
      setTyping(false);
      setStatus("offline");
      if (state.wantConnection) scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (state.reconnectTimer) return;
    var base = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, state.attempt));
    var delay = base / 2 + Math.random() * base / 2;
    state.attempt += 1;
    state.reconnectTimer = setTimeout(function () {
      state.reconnectTimer = null;
      connect();
    }, delay);
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "welcome":
        state.welcomed = true;
        state.attempt = 0;
        state.conversationId = frame.conversation_id;
        storageSet("localStorage", STORAGE_KEY, frame.conversation_id);
        setStatus("online");
        renderHistory(Array.isArray(frame.history) ? frame.history : []);
        state.outbox.forEach(function (entry) { transmit(messageFrame(entry)); });
        break;
      case "ack":
        acknowledge(frame.id, frame.message_id);
        break;
      case "typing":
        setTyping(Boolean(frame.on), frame.who === "agent" ? (frame.agent || state.agent || {}) : null);
        break;
      case "queue":
        setQueue({ position: frame.position, wait_s: frame.wait_s });
        break;
      case "bot":
      case "agent":
      case "system":
      case "customer":
        if (frame.type !== "customer") setTyping(false);
        renderMessage(frame, true);
        if (frame.type !== "customer" && !state.open) setUnread(state.unread + 1);
        scrollToEnd();
        break;
      case "error":
        handleError(frame);
        break;
      default:
        break;
    }
  }

  function acknowledge(clientId, messageId) {
    state.outbox = state.outbox.filter(function (entry) { return entry.id !== clientId; });
    var row = state.pendingNodes[clientId];
    if (row) {
      var meta = row.querySelector(".cb-meta");
      if (meta) {
        meta.textContent = formatTime();
        meta.classList.remove("cb-meta--pending");
      }
      row.classList.remove("cb-row--failed");
      delete state.pendingNodes[clientId];
    }
    if (messageId !== undefined && messageId !== null) state.rendered[messageId] = true;
  }

  function handleError(frame) {
    if (window.console) console.warn("carebot:", frame.code, frame.message);
    if (frame.id === undefined || frame.code === "store_failed" || frame.code === "hello_required") return;
    // The hub refused this message (e.g. malformed); it will not be retried.
    state.outbox = state.outbox.filter(function (entry) { return entry.id !== frame.id; });
    var row = state.pendingNodes[frame.id];
    if (row) {
      row.classList.add("cb-row--failed");
      var meta = row.querySelector(".cb-meta");
      if (meta) {
        meta.textContent = "Not sent";
        meta.classList.add("cb-meta--pending");
      }
      delete state.pendingNodes[frame.id];
    }
  }

  // ---------------------------------------------------------------- sending
  function messageFrame(entry) {
    var frame = { type: "message", id: entry.id, text: entry.text };
    if (entry.payload) frame.payload = entry.payload;
    return frame;
  }

  /** Tells the hub the customer is typing: on at the first keystroke, off after 3 s idle or on send. */
  function customerTyping(on) {
    clearTimeout(state.typingTimer);
    state.typingTimer = null;
    if (on) state.typingTimer = setTimeout(function () { customerTyping(false); }, TYPING_IDLE_MS);
    if (on === state.typingSent) return;
    if (transmit({ type: "typing", on: on }) || !on) state.typingSent = on;
  }

  function sendMessage(text, payload) {
    if (!text || !text.trim()) return false;
    customerTyping(false);
    var entry = { id: newId(), text: text, payload: payload || null };
    state.outbox.push(entry);
    clearQuickReplies();
    state.pendingNodes[entry.id] = renderRow("customer", text, { pending: true });
    scrollToEnd();
    if (!transmit(messageFrame(entry))) connect();
    return true;
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sendMessage(input.value)) {
      input.value = "";
      autoGrow();
    }
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else sendButton.click();
    }
  });
  input.addEventListener("input", function () {
    autoGrow();
    customerTyping(Boolean(input.value.trim()));
  });

  // ---------------------------------------------------------------- open / close
  function setOpen(open, options) {
    state.open = open;
    panel.hidden = !open;
    container.setAttribute("data-open", open ? "true" : "false");
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    storageSet("sessionStorage", OPEN_KEY, open ? "1" : null);
    if (open) {
      setUnread(0);
      connect();
      scrollToEnd();
      if (!(options && options.silent)) input.focus();
    } else if (!(options && options.silent)) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(!state.open); });
  closeButton.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.stopPropagation();
      setOpen(false);
    }
  });

  // Public API for the host page (e.g. a "Chat with us" link).
  window.Carebot = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    send: function (text) { setOpen(true); return sendMessage(String(text)); }
  };

  function mount() {
    document.body.appendChild(host);
    if (config.open || storageGet("sessionStorage", OPEN_KEY) === "1") setOpen(true, { silent: true });
    else if (state.conversationId) connect(); // resume quietly so replies that arrive are counted as unread
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
