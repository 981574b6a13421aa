/*!
 * Carebot chat widget. Plain JavaScript, no dependencies, one file.
 *
 * Embed (widget/PROTOCOL.md, "Embedding"):
 *   <script>window.CarebotConfig = {hubUrl: "https://care.example.com", brand: "Acme", color: "#2f5d50",
 *                                   greeting: "Hi! How can I help?", position: "right", language: "en"};</script>
 *   <script src="https://care.example.com/widget/widget.js" defer></script>
 *
 * One websocket to the hub (/ws), protocol in widget/PROTOCOL.md: hello(token) -> welcome(token, history),
 * message -> ack, read -> receipt, bot/agent/system messages, typing, queue, error.
 * Messages stay in an outbox until the hub acknowledges them and are resent with the same id after a
 * reconnect (the hub de-duplicates). Message content only ever reaches the page as text nodes and
 * attributes checked against an allow-list of URL schemes; nothing is parsed as HTML.
 */
(function () {
  "use strict";

  if (window.__carebotWidget) return;
  window.__carebotWidget = true;

  // ---------------------------------------------------------------- configuration
  var STRINGS = {
    en: {
      chatWith: "Chat with {brand}", closeChat: "Close chat", message: "Message {brand}",
      placeholder: "Type your message…", send: "Send message", online: "Online", connecting: "Connecting…",
      reconnecting: "Reconnecting…", chattingWith: "Chatting with {name}", isTyping: "{name} is typing…",
      offlineBanner: "You're offline. We'll send your messages when the connection is back.",
      reconnectBanner: "Connection lost. Reconnecting…", you: "You", said: "{name} said: ",
      sending: "Sending…", sent: "Sent", notSent: "Not sent — retrying", failed: "Not sent", read: "Read",
      seenBy: "Seen by {name}", suggested: "Suggested replies", newCount: "{count} new",
      waiting: "Waiting for an agent", position: "position {n}", minutes: "~{n} min",
      footerBot: "Replies may come from an automated assistant.",
      footerAgent: "You're chatting with a person from our team.", agent: "Support agent",
      imageFrom: "Image from {brand}", cards: "Options", opensNewTab: "(opens in a new tab)",
      newSession: "Your earlier chat could not be resumed, so this is a new conversation.",
      rating: "Your rating", ratingOf: "{n} out of {max}",
      notAllowed: "Chat isn't available on this site."
    },
    es: {
      chatWith: "Chatea con {brand}", closeChat: "Cerrar chat", message: "Mensaje para {brand}",
      placeholder: "Escribe tu mensaje…", send: "Enviar mensaje", online: "En línea", connecting: "Conectando…",
      reconnecting: "Reconectando…", chattingWith: "Hablando con {name}", isTyping: "{name} está escribiendo…",
      offlineBanner: "Sin conexión. Enviaremos tus mensajes cuando vuelva la conexión.",
      reconnectBanner: "Se perdió la conexión. Reconectando…", you: "Tú", said: "{name} dijo: ",
      sending: "Enviando…", sent: "Enviado", notSent: "No enviado — reintentando", failed: "No enviado",
      read: "Leído", seenBy: "Visto por {name}", suggested: "Respuestas sugeridas", newCount: "{count} nuevos",
      waiting: "Esperando a un agente", position: "posición {n}", minutes: "~{n} min",
      footerBot: "Las respuestas pueden venir de un asistente automático.",
      footerAgent: "Estás hablando con una persona de nuestro equipo.", agent: "Agente de soporte",
      imageFrom: "Imagen de {brand}", cards: "Opciones", opensNewTab: "(se abre en una pestaña nueva)",
      newSession: "No se pudo retomar tu chat anterior; esta es una conversación nueva.",
      rating: "Tu valoración", ratingOf: "{n} de {max}",
      notAllowed: "El chat no está disponible en este sitio."
    },
    fr: {
      chatWith: "Discuter avec {brand}", closeChat: "Fermer la discussion", message: "Message à {brand}",
      placeholder: "Écrivez votre message…", send: "Envoyer le message", online: "En ligne",
      connecting: "Connexion…", reconnecting: "Reconnexion…", chattingWith: "En conversation avec {name}",
      isTyping: "{name} écrit…", offlineBanner: "Vous êtes hors ligne. Vos messages partiront dès le retour de la connexion.",
      reconnectBanner: "Connexion perdue. Reconnexion…", you: "Vous", said: "{name} a dit : ",
      sending: "Envoi…", sent: "Envoyé", notSent: "Non envoyé — nouvel essai", failed: "Non envoyé", read: "Lu",
      seenBy: "Vu par {name}", suggested: "Réponses suggérées", newCount: "{count} nouveaux",
      waiting: "En attente d'un conseiller", position: "position {n}", minutes: "~{n} min",
      footerBot: "Les réponses peuvent venir d'un assistant automatique.",
      footerAgent: "Vous discutez avec une personne de notre équipe.", agent: "Conseiller",
      imageFrom: "Image de {brand}", cards: "Options", opensNewTab: "(s'ouvre dans un nouvel onglet)",
      newSession: "Votre discussion précédente n'a pas pu être reprise : voici une nouvelle conversation.",
      rating: "Votre note", ratingOf: "{n} sur {max}",
      notAllowed: "La discussion n'est pas disponible sur ce site."
    },
    de: {
      chatWith: "Chat mit {brand}", closeChat: "Chat schließen", message: "Nachricht an {brand}",
      placeholder: "Nachricht eingeben…", send: "Nachricht senden", online: "Online", connecting: "Verbinde…",
      reconnecting: "Verbinde erneut…", chattingWith: "Im Chat mit {name}", isTyping: "{name} schreibt…",
      offlineBanner: "Sie sind offline. Wir senden Ihre Nachrichten, sobald die Verbindung zurück ist.",
      reconnectBanner: "Verbindung unterbrochen. Verbinde erneut…", you: "Sie", said: "{name} schrieb: ",
      sending: "Wird gesendet…", sent: "Gesendet", notSent: "Nicht gesendet — neuer Versuch",
      failed: "Nicht gesendet", read: "Gelesen", seenBy: "Gesehen von {name}", suggested: "Antwortvorschläge",
      newCount: "{count} neu", waiting: "Warten auf einen Mitarbeiter", position: "Position {n}",
      minutes: "~{n} Min.", footerBot: "Antworten können von einem automatischen Assistenten kommen.",
      footerAgent: "Sie chatten mit einer Person aus unserem Team.", agent: "Support-Mitarbeiter",
      imageFrom: "Bild von {brand}", cards: "Optionen", opensNewTab: "(öffnet in neuem Tab)",
      newSession: "Ihr früherer Chat konnte nicht fortgesetzt werden; dies ist ein neues Gespräch.",
      rating: "Ihre Bewertung", ratingOf: "{n} von {max}",
      notAllowed: "Der Chat ist auf dieser Website nicht verfügbar."
    }
  };

  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var userConfig = window.CarebotConfig || {};
  var language = String(userConfig.language || "en").toLowerCase().split(/[-_]/)[0];
  if (!STRINGS[language]) language = "en";
  var strings = {};
  [STRINGS[language], userConfig.strings || {}].forEach(function (source) {
    for (var key in STRINGS.en) {
      if (typeof source[key] === "string") strings[key] = source[key];
      else if (!strings[key]) strings[key] = STRINGS.en[key];
    }
  });
  var config = {
    hubUrl: String(userConfig.hubUrl || scriptOrigin).replace(/\/+$/, ""),
    brand: String(userConfig.brand || "Customer care"),
    color: String(userConfig.color || "#2f5d50"),
    greeting: userConfig.greeting ? String(userConfig.greeting) : "",
    placeholder: String(userConfig.placeholder || strings.placeholder),
    position: userConfig.position === "left" ? "left" : "right",
    language: language,
    open: Boolean(userConfig.open)
  };

  /** A UI string with {placeholders} filled in. */
  function t(key, values) {
    return strings[key].replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }

  var TOKEN_KEY = "carebot:token:" + config.hubUrl;
  var OPEN_KEY = "carebot:open:" + config.hubUrl;
  var MAX_BACKOFF_MS = 30000;
  var TYPING_IDLE_MS = 3000;
  var READ_THROTTLE_MS = 1000;
  var PING_EVERY_MS = 25000;
  var PONG_TIMEOUT_MS = 10000;
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
  function str(value) {
    return typeof value === "string" ? value : "";
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
  var ICON_EXTERNAL = ["M14 4h6v6h-2V7.4l-7.3 7.3-1.4-1.4L16.6 6H14zM5 6h6v2H7v9h9v-4h2v6H5z"];

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

  /** The URL as an absolute string when its scheme is allowed (default http/https), else null. */
  function safeUrl(value, schemes) {
    if (typeof value !== "string" || !value.trim()) return null;
    var url;
    try { url = new URL(value.trim()); } catch (e) { return null; } // relative URLs are refused too
    return (schemes || ["http:", "https:"]).indexOf(url.protocol) >= 0 ? url.href : null;
  }

  function externalLink(href, className, text) {
    var link = el("a", className, text);
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  // ---------------------------------------------------------------- Markdown subset
  // **bold**, *italic* / _italic_, [text](url), bare URLs, "- " / "* " and "1. " lists, line breaks.
  // Built from text nodes only; a link whose URL is not http(s)/mailto stays plain text.
  var LINK_SCHEMES = ["http:", "https:", "mailto:"];
  var INLINE_RE = /\*\*([^*\n]+?)\*\*|\[([^\]\n]+)\]\(([^()\s]+)\)|(https?:\/\/[^\s<>"'`]+|mailto:[^\s<>"'`]+)|(^|[^\w*])([*_])([^*_\s][^*_\n]*?)\6(?!\w)/;

  function appendInline(parent, text) {
    while (text) {
      var m = INLINE_RE.exec(text);
      if (!m) break;
      var start = m.index, match = m[0];
      if (m[5]) { start += m[5].length; match = match.slice(m[5].length); } // the character before *italic*
      if (start > 0) parent.appendChild(document.createTextNode(text.slice(0, start)));
      if (m[1] !== undefined) {
        appendInline(parent.appendChild(el("strong")), m[1]);
      } else if (m[2] !== undefined) {
        var href = safeUrl(m[3], LINK_SCHEMES);
        if (href) appendInline(parent.appendChild(externalLink(href, "cb-link")), m[2]);
        else parent.appendChild(document.createTextNode(match));
      } else if (m[4] !== undefined) {
        var raw = m[4].replace(/[.,;:!?)\]]+$/, "");
        match = raw;
        var bare = safeUrl(raw, LINK_SCHEMES);
        parent.appendChild(bare ? externalLink(bare, "cb-link", raw) : document.createTextNode(raw));
      } else {
        appendInline(parent.appendChild(el("em")), m[7]);
      }
      text = text.slice(start + match.length);
    }
    if (text) parent.appendChild(document.createTextNode(text));
  }

  var LIST_ITEM_RE = /^\s*(?:([-*•])|(\d{1,3})[.)])\s+(.*)$/;

  /** Renders `text` as the Markdown subset into `parent` (paragraph lines, bullet and numbered lists). */
  function appendMarkdown(parent, text) {
    var lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    var list = null, listKind = null, paragraph = null;
    lines.forEach(function (line) {
      var item = LIST_ITEM_RE.exec(line);
      if (item) {
        var kind = item[1] ? "ul" : "ol";
        if (!list || listKind !== kind) {
          list = parent.appendChild(el(kind, "cb-list"));
          listKind = kind;
          if (kind === "ol" && item[2] !== "1") list.start = parseInt(item[2], 10);
        }
        appendInline(list.appendChild(el("li")), item[3]);
        paragraph = null;
        return;
      }
      list = null;
      if (!line.trim()) { paragraph = null; return; }
      if (paragraph) paragraph.appendChild(el("br"));
      else paragraph = parent.appendChild(el("p", "cb-p"));
      appendInline(paragraph, line);
    });
  }

  function formatTime(iso) {
    var date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) return "";
    return date.toLocaleTimeString([config.language], { hour: "numeric", minute: "2-digit" });
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
  container.lang = config.language;
  container.setAttribute("data-position", config.position);
  root.appendChild(container);

  var launcher = el("button", "cb-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", t("chatWith", { brand: config.brand }));
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "cb-panel");
  var launcherOpen = icon(ICON_CHAT, 28);
  launcherOpen.setAttribute("class", "cb-icon-open");
  var launcherClose = icon(ICON_CLOSE, 26);
  launcherClose.setAttribute("class", "cb-icon-close");
  var badge = el("span", "cb-badge");
  badge.hidden = true;
  badge.setAttribute("aria-hidden", "true");
  launcher.appendChild(launcherOpen);
  launcher.appendChild(launcherClose);
  launcher.appendChild(badge);

  var panel = el("section", "cb-panel");
  panel.id = "cb-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", t("chatWith", { brand: config.brand }));

  var header = el("header", "cb-header");
  var avatar = el("div", "cb-avatar", config.brand.charAt(0).toUpperCase());
  avatar.setAttribute("aria-hidden", "true");
  var titles = el("div", "cb-titles");
  var title = el("h2", "cb-title", config.brand);
  var status = el("p", "cb-status");
  var statusDot = el("span", "cb-dot");
  var statusText = el("span", "cb-status-text", t("connecting"));
  status.appendChild(statusDot);
  status.appendChild(statusText);
  titles.appendChild(title);
  titles.appendChild(status);
  var closeButton = el("button", "cb-close");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", t("closeChat"));
  closeButton.appendChild(icon(ICON_CLOSE, 22));
  header.appendChild(avatar);
  header.appendChild(titles);
  header.appendChild(closeButton);

  // Connection trouble, under the header (hidden while online).
  var banner = el("p", "cb-banner");
  banner.hidden = true;
  banner.setAttribute("role", "status");

  // Live queue position while waiting for a person (hidden otherwise).
  var queueLine = el("p", "cb-queue");
  queueLine.hidden = true;
  queueLine.setAttribute("role", "status");

  var scroller = el("div", "cb-scroll");
  var log = el("div", "cb-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions");
  log.setAttribute("aria-label", t("chatWith", { brand: config.brand }));
  log.tabIndex = 0;
  var typing = el("div", "cb-typing");
  typing.hidden = true;
  typing.setAttribute("role", "status");
  var typingLabel = el("span", "cb-sr-only");
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
  var inputLabel = el("label", "cb-sr-only", t("message", { brand: config.brand }));
  inputLabel.htmlFor = "cb-input";
  var input = el("textarea", "cb-input");
  input.id = "cb-input";
  input.rows = 1;
  input.placeholder = config.placeholder;
  input.setAttribute("enterkeyhint", "send");
  input.setAttribute("autocomplete", "off");
  var sendButton = el("button", "cb-send");
  sendButton.type = "submit";
  sendButton.setAttribute("aria-label", t("send"));
  sendButton.appendChild(icon(ICON_SEND, 20));
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendButton);

  var footer = el("p", "cb-footer", t("footerBot"));

  panel.appendChild(header);
  panel.appendChild(banner);
  panel.appendChild(queueLine);
  panel.appendChild(scroller);
  panel.appendChild(form);
  panel.appendChild(footer);
  container.appendChild(panel);
  container.appendChild(launcher);

  // ---------------------------------------------------------------- state
  var state = {
    open: false,
    token: storageGet("localStorage", TOKEN_KEY),
    conversationId: null,
    socket: null,
    welcomed: false,
    wantConnection: false,
    attempt: 0,
    reconnectTimer: null,
    pingTimer: null,
    pongTimer: null,
    outbox: [],          // [{id, text, payload, inFlight}] not yet acknowledged, in order
    holdUntil: 0,        // the hub asked us to wait (rate_limited) until this time
    retryTimer: null,
    rendered: {},        // server message id -> true (de-duplication)
    pendingNodes: {},    // client id -> row element
    unread: 0,
    status: "connecting",
    agent: null,         // {name, initials} while a person has the conversation
    queued: false,       // waiting for a person
    typingSent: false,   // the hub was told the customer is typing
    typingTimer: null,
    seenUpTo: 0,         // highest server id of a bot/agent/system message rendered
    readSent: 0,         // highest `up_to` sent in a read frame
    readTimer: null,
    lastReadAt: 0,
    receipt: null        // {upTo, by, agent} from the latest receipt frame
  };

  // ---------------------------------------------------------------- rendering
  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function clearQuickReplies() {
    var groups = log.querySelectorAll(".cb-quick, .cb-survey");
    var focused = root.activeElement;
    for (var i = 0; i < groups.length; i++) {
      // A keyboard user who picked a reply keeps their place: focus goes to the message box, not the page.
      if (focused && groups[i].contains(focused)) input.focus();
      groups[i].parentNode.removeChild(groups[i]);
    }
  }

  function isButton(button) {
    return button && typeof button.title === "string" && button.title.trim();
  }

  /** A button object as a chip: a link chip when it carries a URL (http/https only), else a reply. */
  function buttonNode(button, className) {
    if (button.url !== undefined && button.url !== null) {
      var href = safeUrl(button.url);
      if (!href) return null;
      var link = externalLink(href, className + " " + className + "--link", button.title);
      var hint = el("span", "cb-sr-only", " " + t("opensNewTab"));
      link.appendChild(hint);
      link.appendChild(icon(ICON_EXTERNAL, 14));
      return link;
    }
    var chip = el("button", className, button.title);
    chip.type = "button";
    chip.addEventListener("click", function () {
      sendMessage(button.title, typeof button.payload === "string" && button.payload ? button.payload : null);
    });
    return chip;
  }

  function renderQuickReplies(buttons) {
    var group = el("div", "cb-quick");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("suggested"));
    buttons.forEach(function (button) {
      if (!isButton(button)) return;
      var node = buttonNode(button, "cb-chip");
      if (node) group.appendChild(node);
    });
    if (group.childNodes.length) log.appendChild(group);
  }

  /** The score a survey button answers: its title when that is a whole number in the scale; null for
   *  buttons such as "Skip". */
  function surveyScore(button, lo, hi) {
    var title = button.title.trim();
    var n = /^\d+$/.test(title) ? parseInt(title, 10) : NaN;
    return n >= lo && n <= hi ? n : null;
  }

  /** A rating control for `survey` (csat 1-5, ces 1-7, nps 0-10, ...): one button per score that has an
   *  answer button, other buttons (e.g. "Skip") as chips after it. False when nothing maps to a score. */
  function renderSurvey(survey, buttons, question) {
    var scale = Array.isArray(survey.scale) ? survey.scale : [];
    var lo = parseInt(scale[0], 10), hi = parseInt(scale[1], 10);
    if (isNaN(lo) || isNaN(hi) || hi < lo || hi - lo > 10) return false;
    var labels = survey.labels && typeof survey.labels === "object" ? survey.labels : {};
    var scored = {}, others = [];
    buttons.forEach(function (button) {
      if (!isButton(button) || button.url) return;
      var score = surveyScore(button, lo, hi);
      if (score === null || scored[score]) others.push(button); else scored[score] = button;
    });
    if (!Object.keys(scored).length) return false;

    var group = el("div", "cb-survey");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", question ? question.slice(0, 200) : t("rating"));
    group.setAttribute("data-kind", str(survey.kind) || "rating");
    var scaleRow = el("div", "cb-scale");
    var choices = [];
    for (var n = lo; n <= hi; n++) {
      (function (score, button) {
        if (!button) return;
        var choice = el("button", "cb-score", String(score));
        choice.type = "button";
        var label = t("ratingOf", { n: score, max: hi });
        if (typeof labels[score] === "string" && labels[score]) label += ": " + labels[score];
        choice.setAttribute("aria-label", label);
        choice.title = label;
        choice.setAttribute("aria-pressed", "false");
        choice.setAttribute("data-score", String(score));
        choice.addEventListener("click", function () {
          choices.forEach(function (c) {
            c.setAttribute("aria-pressed", c === choice ? "true" : "false");
            c.disabled = true;
          });
          group.classList.add("cb-survey--done");
          sendMessage(button.title, typeof button.payload === "string" && button.payload ? button.payload : null,
                      { keepControls: true });
          input.focus();
        });
        choices.push(choice);
        scaleRow.appendChild(choice);
      })(n, scored[n]);
    }
    group.appendChild(scaleRow);
    var ends = el("div", "cb-scale-ends");
    ends.setAttribute("aria-hidden", "true");
    ends.appendChild(el("span", "", str(labels[lo])));
    ends.appendChild(el("span", "", str(labels[hi])));
    if (labels[lo] || labels[hi]) group.appendChild(ends);
    if (others.length) {
      var rest = el("div", "cb-quick cb-quick--survey");
      others.forEach(function (button) { rest.appendChild(buttonNode(button, "cb-chip")); });
      group.appendChild(rest);
    }
    log.appendChild(group);
    return true;
  }

  /** Quick replies, link buttons or a survey control under the latest message. */
  function renderControls(message) {
    var buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (!buttons.length) return;
    clearQuickReplies();
    if (message.survey && typeof message.survey === "object" && renderSurvey(message.survey, buttons, str(message.text))) return;
    renderQuickReplies(buttons);
  }

  function renderCards(cards) {
    var row = el("div", "cb-cards");
    row.setAttribute("role", "list");
    row.setAttribute("aria-label", t("cards"));
    cards.slice(0, 10).forEach(function (card) {
      if (!card || typeof card !== "object") return;
      var item = el("div", "cb-card");
      item.setAttribute("role", "listitem");
      var image = safeUrl(card.image);
      if (image) {
        var img = el("img", "cb-card-image");
        img.alt = str(card.title);
        img.loading = "lazy";
        img.decoding = "async";
        img.src = image;
        item.appendChild(img);
      }
      var body = el("div", "cb-card-body");
      var href = safeUrl(card.url);
      if (str(card.title)) {
        var heading = el("h3", "cb-card-title");
        heading.appendChild(href ? externalLink(href, "cb-card-link", card.title) : document.createTextNode(card.title));
        body.appendChild(heading);
      }
      if (str(card.subtitle)) body.appendChild(el("p", "cb-card-subtitle", card.subtitle));
      var actions = el("div", "cb-card-actions");
      (Array.isArray(card.buttons) ? card.buttons : []).slice(0, 3).forEach(function (button) {
        if (!isButton(button)) return;
        var node = buttonNode(button, "cb-card-button");
        if (node) actions.appendChild(node);
      });
      if (actions.childNodes.length) body.appendChild(actions);
      item.appendChild(body);
      if (item.childNodes.length) row.appendChild(item);
    });
    if (row.childNodes.length) log.appendChild(row);
  }

  function agentName(agent) {
    return agent && typeof agent.name === "string" && agent.name.trim() ? agent.name.trim() : t("agent");
  }
  function firstName(agent) {
    return agentName(agent).split(/\s+/)[0];
  }
  function initials(agent) {
    if (agent && typeof agent.initials === "string" && agent.initials.trim()) return agent.initials.trim().slice(0, 3);
    return agentName(agent).split(/\s+/).map(function (w) { return w.charAt(0); }).join("").slice(0, 2).toUpperCase();
  }

  function setMeta(row, text, kind) {
    var meta = row.querySelector(".cb-meta");
    meta.textContent = text;
    meta.className = "cb-meta" + (kind ? " cb-meta--" + kind : "");
  }

  /** The meta line of one of the customer's own messages: "Sending…", "10:42 · Sent", "10:42 · Read". */
  function customerState(row, kind, label) {
    row.setAttribute("data-state", kind);
    var time = row.getAttribute("data-time") || "";
    var pending = kind === "sending" || kind === "retrying";
    setMeta(row, pending || !time ? label : time + " · " + label, pending ? "pending" : kind === "failed" ? "failed" : kind);
  }

  function renderRow(kind, text, options) {
    options = options || {};
    var row = el("div", "cb-row cb-row--" + kind);
    var speaker = kind === "customer" ? t("you") : kind === "agent" ? agentName(options.agent) : config.brand;
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
    bubble.appendChild(el("span", "cb-sr-only", t("said", { name: speaker })));
    if (text) {
      if (kind === "customer") bubble.appendChild(el("span", "cb-plain", text));
      else appendMarkdown(bubble, text);
    }
    var image = safeUrl(options.image);
    if (image) {
      var img = el("img", "cb-image");
      img.alt = str(options.alt) || t("imageFrom", { brand: config.brand });
      img.loading = "lazy";
      img.decoding = "async";
      img.src = image;
      bubble.appendChild(img);
    }
    row.appendChild(bubble);
    row.appendChild(el("div", "cb-meta"));
    if (options.serverId !== undefined && options.serverId !== null) row.setAttribute("data-id", options.serverId);
    if (kind === "customer") {
      row.setAttribute("data-time", options.pending ? "" : formatTime(options.createdAt));
      var offline = state.status === "offline";
      if (options.pending) customerState(row, offline ? "retrying" : "sending", t(offline ? "notSent" : "sending"));
      else customerState(row, "sent", t("sent"));
    } else {
      setMeta(row, formatTime(options.createdAt));
    }
    log.appendChild(row);
    return row;
  }

  function renderSystem(text) {
    var row = el("div", "cb-system");
    row.setAttribute("data-kind", "system");
    appendMarkdown(row, text);
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
    var id = message.id;
    if (id !== undefined && id !== null) {
      if (state.rendered[id]) return;
      state.rendered[id] = true;
    }
    var text = str(message.text);
    if (message.type === "customer") {
      if (text) renderRow("customer", text, { createdAt: message.created_at, serverId: id });
      applyReceipt();
      return;
    }
    if (typeof id === "number" && id > state.seenUpTo) state.seenUpTo = id;
    if (message.type === "system") {
      if (text) renderSystem(text);
      followHandoff(message);
    } else {
      var kind = message.type === "agent" ? "agent" : "bot";
      if (text || message.image) {
        renderRow(kind, text, { agent: message.agent, image: message.image, alt: message.alt,
                                createdAt: message.created_at, serverId: id });
      }
      if (Array.isArray(message.cards) && message.cards.length) renderCards(message.cards);
      if (kind === "agent") followHandoff(message);
    }
    // Quick replies and surveys only under the latest message (a reply removes them).
    if (isLive) renderControls(message);
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
    // What the hub already stored is acknowledged, even if the ack was lost with the old connection.
    var stored = {};
    history.forEach(function (message) {
      if (message && message.type === "customer" && message.client_id !== undefined) stored[message.client_id] = true;
    });
    state.outbox = state.outbox.filter(function (entry) { return !stored[entry.id]; });
    history.forEach(function (message) {
      if (message && typeof message === "object") renderMessage(message, false);
    });
    // A queue position in the history is stale: say we're waiting, the next `queue` frame adds the numbers.
    if (state.queued) setQueue({});
    var last = history[history.length - 1];
    if (last && last.type !== "customer") renderControls(last);
    state.outbox.forEach(function (entry) {
      state.pendingNodes[entry.id] = renderRow("customer", entry.text, { pending: true });
    });
    applyReceipt();
    scrollToEnd();
  }

  /** Shows the latest read receipt on the last customer message it covers, and only there. */
  function applyReceipt() {
    var receipt = state.receipt;
    if (!receipt) return;
    var rows = log.querySelectorAll(".cb-row--customer[data-id]");
    var target = null;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (Number(row.getAttribute("data-id")) <= receipt.upTo) target = row;
      if (row.getAttribute("data-state") === "read") customerState(row, "sent", t("sent"));
    }
    if (!target) return;
    var who = receipt.by === "agent" ? receipt.agent || state.agent : null;
    customerState(target, "read", who ? t("seenBy", { name: firstName(who) }) : t("read"));
  }

  function setTyping(on, agent) {
    typing.hidden = !on;
    var name = agent ? firstName(agent) : "";
    typingWho.hidden = !name;
    typingWho.textContent = name ? t("isTyping", { name: name }) : "";
    typingLabel.textContent = name ? "" : t("isTyping", { name: config.brand });
    typing.classList.toggle("cb-typing--agent", Boolean(name));
    if (on) scrollToEnd();
  }

  function setStatus(kind) {
    var labels = { online: t("online"), connecting: t("connecting"), offline: t("reconnecting") };
    state.status = kind;
    statusText.textContent = kind === "online" && state.agent ? t("chattingWith", { name: agentName(state.agent) })
      : labels[kind] || kind;
    container.setAttribute("data-status", kind);
    var showBanner = kind === "offline";
    banner.hidden = !showBanner;
    if (showBanner) banner.textContent = navigator.onLine === false ? t("offlineBanner") : t("reconnectBanner");
  }

  function setAgent(agent) {
    state.agent = agent;
    avatar.textContent = agent ? initials(agent) : config.brand.charAt(0).toUpperCase();
    container.setAttribute("data-agent", agent ? "true" : "false");
    footer.textContent = agent ? t("footerAgent") : t("footerBot");
    setStatus(state.status);
  }

  /** queue: {position?, wait_s?} while waiting for a person, null otherwise. */
  function setQueue(queue) {
    state.queued = Boolean(queue);
    queueLine.hidden = !queue;
    if (!queue) return;
    var parts = [t("waiting")];
    if (typeof queue.position === "number" && queue.position > 0) parts.push(t("position", { n: queue.position }));
    if (typeof queue.wait_s === "number" && queue.wait_s >= 0) {
      parts.push(t("minutes", { n: Math.max(1, Math.round(queue.wait_s / 60)) }));
    }
    queueLine.textContent = parts.join(" · ");
    scrollToEnd();
  }

  function setUnread(count) {
    state.unread = count;
    badge.hidden = count === 0;
    badge.textContent = count > 9 ? "9+" : String(count);
    var label = t("chatWith", { brand: config.brand });
    launcher.setAttribute("aria-label", count ? label + " (" + t("newCount", { count: count }) + ")" : label);
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
      var hello = { type: "hello", language: config.language };
      if (state.token) hello.token = state.token;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", function (event) {
      if (state.socket !== socket) return;
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === "object") handleFrame(frame);
    });
    socket.addEventListener("close", function (event) {
      if (state.socket !== socket) return;
      if (event.code === 4403) {  // the hub does not serve the widget on this site: retrying won't help
        state.wantConnection = false;
        dropped();
        banner.textContent = t("notAllowed");
        return;
      }
      dropped();
    });
  }

  /** The connection is gone (closed, or declared dead): show it and try again with back-off. */
  function dropped() {
    var socket = state.socket;
    state.socket = null;
    state.welcomed = false;
    state.typingSent = false;
    clearTimeout(state.pingTimer);
    clearTimeout(state.pongTimer);
    if (socket) { try { socket.close(); } catch (e) { /* already closing */ } }
    setTyping(false);
    setStatus("offline");
    markOutbox("retrying", t("notSent"));
    if (state.wantConnection) scheduleReconnect();
  }

  /** Exponential back-off with full jitter between half and all of 1 s, 2 s, 4 s ... 30 s. */
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

  /** Try now (the browser says the network is back, or the page became visible again). */
  function reconnectNow() {
    if (!state.wantConnection || state.socket) return;
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    connect();
  }

  /** A ping every 25 s; no pong within 10 s means the connection is dead even if the browser hasn't noticed. */
  function heartbeat() {
    clearTimeout(state.pingTimer);
    clearTimeout(state.pongTimer);
    state.pingTimer = setTimeout(function () {
      if (!transmit({ type: "ping" })) return;
      state.pongTimer = setTimeout(dropped, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  function markOutbox(kind, label) {
    state.outbox.forEach(function (entry) {
      var row = state.pendingNodes[entry.id];
      if (row) customerState(row, kind, label);
    });
  }

  function handleFrame(frame) {
    if (state.welcomed) heartbeat(); // any frame shows the connection is alive
    switch (frame.type) {
      case "welcome":
        state.welcomed = true;
        state.attempt = 0;
        state.conversationId = frame.conversation_id;
        if (typeof frame.token === "string" && frame.token) {
          state.token = frame.token;
          storageSet("localStorage", TOKEN_KEY, frame.token);
        }
        if (!frame.resumed) { state.receipt = null; state.readSent = 0; }
        state.outbox.forEach(function (entry) { entry.inFlight = false; });
        state.seenUpTo = 0;
        setStatus("online");
        renderHistory(Array.isArray(frame.history) ? frame.history : []);
        // The stored token was expired or unknown: say why the earlier messages are gone.
        if (typeof frame.session === "string" && frame.session && !frame.resumed) renderSystem(t("newSession"));
        markOutbox("sending", t("sending"));
        flushOutbox();
        heartbeat();
        scheduleRead();
        break;
      case "ack":
        acknowledge(frame.id, frame.message_id);
        break;
      case "receipt":
        if (frame.status === "read" && typeof frame.up_to === "number") {
          if (!state.receipt || frame.up_to >= state.receipt.upTo || frame.by !== state.receipt.by) {
            state.receipt = { upTo: frame.up_to, by: frame.by,
                              agent: typeof frame.name === "string" && frame.name ? { name: frame.name } : null };
          }
          applyReceipt();
        }
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
        var before = state.seenUpTo;
        renderMessage(frame, true);
        if (frame.type !== "customer" && !state.open && state.seenUpTo > before) setUnread(state.unread + 1);
        scrollToEnd();
        scheduleRead();
        break;
      case "pong":
        clearTimeout(state.pongTimer);
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
      row.classList.remove("cb-row--failed");
      row.setAttribute("data-time", formatTime());
      if (messageId !== undefined && messageId !== null) row.setAttribute("data-id", messageId);
      customerState(row, "sent", t("sent"));
      delete state.pendingNodes[clientId];
    }
    if (messageId !== undefined && messageId !== null) state.rendered[messageId] = true;
    applyReceipt();
  }

  /** Sends, in order, every outbox message not already on its way (held while the hub asks us to slow down). */
  function flushOutbox() {
    if (Date.now() < state.holdUntil) return;
    state.outbox.forEach(function (entry) {
      if (!entry.inFlight && transmit(messageFrame(entry))) entry.inFlight = true;
    });
  }

  function retryLater(seconds) {
    state.holdUntil = Math.max(state.holdUntil, Date.now() + seconds * 1000);
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(flushOutbox, state.holdUntil - Date.now() + 50);
  }

  var RETRYABLE = { store_failed: 3, internal_error: 3, rate_limited: 1, hello_required: 0 };

  function handleError(frame) {
    if (window.console) console.warn("carebot:", frame.code, frame.message);
    if (frame.id === undefined) return;
    if (RETRYABLE[frame.code] !== undefined) {
      // Not stored: kept in the outbox and sent again (same id) after the wait the hub asked for.
      state.outbox.forEach(function (entry) { if (entry.id === frame.id) entry.inFlight = false; });
      retryLater(typeof frame.retry_after_s === "number" ? Math.min(frame.retry_after_s, 60) : RETRYABLE[frame.code]);
      return;
    }
    // The hub refused this message (e.g. too long); it will not be retried.
    state.outbox = state.outbox.filter(function (entry) { return entry.id !== frame.id; });
    var row = state.pendingNodes[frame.id];
    if (row) {
      row.classList.add("cb-row--failed");
      customerState(row, "failed", t("failed"));
      delete state.pendingNodes[frame.id];
    }
  }

  // ---------------------------------------------------------------- read receipts (customer side)
  /** Tells the hub the customer has seen the latest messages: panel open, page visible, throttled. */
  function scheduleRead() {
    if (state.readTimer || !state.open || document.visibilityState === "hidden") return;
    if (state.seenUpTo <= state.readSent) return;
    var wait = Math.max(0, state.lastReadAt + READ_THROTTLE_MS - Date.now());
    state.readTimer = setTimeout(function () {
      state.readTimer = null;
      if (!state.open || document.visibilityState === "hidden" || state.seenUpTo <= state.readSent) return;
      var upTo = state.seenUpTo;
      if (transmit({ type: "read", up_to: upTo })) {
        state.readSent = upTo;
        state.lastReadAt = Date.now();
      }
    }, wait);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      reconnectNow();
      scheduleRead();
    }
  });
  window.addEventListener("online", function () {
    setStatus(state.status);
    reconnectNow();
  });
  window.addEventListener("offline", function () {
    // The socket may take minutes to notice; retry (and say so) as soon as the network is back.
    if (state.socket) dropped(); else setStatus(state.status);
  });

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

  function sendMessage(text, payload, options) {
    if (!text || !text.trim()) return false;
    customerTyping(false);
    var entry = { id: newId(), text: text, payload: payload || null };
    state.outbox.push(entry);
    if (!(options && options.keepControls)) clearQuickReplies();
    state.pendingNodes[entry.id] = renderRow("customer", text, { pending: true });
    scrollToEnd();
    if (state.welcomed) flushOutbox(); else connect();
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
      scheduleRead();
      if (!(options && options.silent)) input.focus();
    } else if (!(options && options.silent)) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(!state.open); });
  closeButton.addEventListener("click", function () { setOpen(false); });
  container.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.open) {
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
    else if (state.token) connect(); // resume quietly so replies that arrive are counted as unread
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
