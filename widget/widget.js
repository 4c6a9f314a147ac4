/*! Chat widget for the Northwind assistant. One script tag, no framework, MIT licensed.
 *
 *   <script>window.chatWidgetConfig = { title: "Northwind help", position: "right" };</script>
 *   <script src="https://chat.example.com/widget/widget.js" defer></script>
 *
 * Every option may also be given as a data attribute of the script tag
 * (data-server-url, data-title, data-subtitle, data-greeting, data-position,
 * data-primary-color, data-open, data-attachments, data-max-message-chars). The widget lives in a shadow DOM: the page's CSS does
 * not reach it and its CSS does not reach the page. Every piece of text from the
 * customer, the bot or an agent is inserted as text (textContent), never as HTML.
 * Protocol: docs/protocol.md (Rasa's socketio channel plus the gateway's additions).
 */
(function () {
  "use strict";
  if (window.ChatWidget && window.ChatWidget.version) return; // included twice

  var VERSION = "1.0.0";
  var STORAGE_KEY = "chat_session"; // same key as rasa-webchat
  var script = document.currentScript;
  var scriptUrl = new URL(script && script.src ? script.src : "widget.js", location.href);

  var DEFAULTS = {
    serverUrl: scriptUrl.origin,          // where the gateway runs
    socketPath: "/socket.io",
    socketioSrc: new URL("vendor/socket.io.min.js", scriptUrl).href,
    title: "Customer support",
    subtitle: "",
    greeting: "Hi! Ask me anything about orders, delivery, returns or payment.",
    position: "right",                   // "right" | "left"
    open: false,                          // open the panel on page load
    colors: {
      primary: "#1d4ed8", primaryText: "#ffffff", background: "#ffffff", text: "#111827",
      muted: "#6b7280", bot: "#f1f5f9", agent: "#ecfdf5", agentAccent: "#047857",
    },
    zIndex: 2147483000,
    attachments: true,                    // the attach button (screenshots and PDFs)
    maxAttachmentBytes: 5 * 1024 * 1024,  // checked here for a quick answer; the gateway decides
    maxMessageChars: 2000,                // counted as you type, until the gateway tells its own
  };
  var ATTACH_ACCEPT = "image/png,image/jpeg,image/webp,image/gif,application/pdf,.png,.jpg,.jpeg,.webp,.gif,.pdf";

  // ---- configuration ---------------------------------------------------------------
  function readConfig(extra) {
    var data = (script && script.dataset) || {};
    var fromTag = {};
    ["serverUrl", "socketPath", "socketioSrc", "title", "subtitle", "greeting", "position"]
      .forEach(function (key) { if (data[key]) fromTag[key] = data[key]; });
    if (data.open) fromTag.open = data.open !== "false";
    if (data.attachments) fromTag.attachments = data.attachments !== "false";
    if (data.primaryColor) fromTag.colors = { primary: data.primaryColor };
    if (data.maxMessageChars) fromTag.maxMessageChars = Number(data.maxMessageChars);
    var global = window.chatWidgetConfig || {};
    var config = Object.assign({}, DEFAULTS, fromTag, global, extra || {});
    config.colors = Object.assign({}, DEFAULTS.colors, fromTag.colors, global.colors,
      (extra || {}).colors);
    return config;
  }

  // ---- small helpers ---------------------------------------------------------------
  /** Element with attributes; string children become text nodes (never parsed as HTML). */
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(pathData, size) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", size || 22);
    svg.setAttribute("height", size || 22);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathData);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }
  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z",
    close: "M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z",
    send: "M2 21 23 12 2 3v7l15 2-15 2z",
    download: "M11 3h2v9.2l3.3-3.3 1.4 1.4L12 16l-5.7-5.7 1.4-1.4 3.3 3.3zM4 18h16v2H4z",
    attach: "M16.5 6v11.5a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6H9v9.5a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v12.5a6 6 0 0 0 12 0V6z",
    mail: "M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2.4V17h16V7.4l-8 5.3z",
    person: "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4 0-8 2-8 5v2h16v-2c0-3-4-5-8-5z",
  };

  // The offline form's words: [no email set up on the gateway, email answers]. The notice in
  // the conversation already says that no one is online; the form does not say it again.
  var CONTACT_ASK = ["Leave your email so the team can contact you:",
    "Leave your email: the answer reaches you even if you leave."];

  function loadStore() {
    try { return JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}") || {}; }
    catch (e) { return {}; }
  }
  function saveStore(store) {
    try { localStorage.setItem(STORAGE_KEY, JSON.stringify(store)); } catch (e) { /* private mode */ }
  }

  /** Redis stream ids ("<ms>-<seq>") in order; false when either is missing. */
  function idAfter(a, b) {
    if (!a || !b) return false;
    var x = String(a).split("-"), y = String(b).split("-");
    var dx = Number(x[0]) - Number(y[0]);
    return dx > 0 || (dx === 0 && Number(x[1] || 0) > Number(y[1] || 0));
  }

  /** "Today", "Yesterday" or the date: the log's day separators. */
  function dayLabel(ts) {
    var date = new Date(ts * 1000), today = new Date();
    var days = Math.round((new Date(today.toDateString()) - new Date(date.toDateString())) / 864e5);
    if (days === 0) return "Today";
    if (days === 1) return "Yesterday";
    return date.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long",
      year: date.getFullYear() === today.getFullYear() ? undefined : "numeric" });
  }

  /** Characters as the gateway counts them (code points, not UTF-16 units). */
  function charCount(text) { return text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "_").length; }
  /** The panel fills a phone's screen (the CSS's breakpoint): a modal dialog there. */
  function isPhone() { return !!(window.matchMedia && matchMedia("(max-width:480px)").matches); }

  function clock(ts) {
    var date = ts ? new Date(ts * 1000) : new Date();
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function fileSize(bytes) {
    bytes = Number(bytes) || 0;
    var mb = bytes / (1024 * 1024);
    if (mb >= 1) return (mb % 1 === 0 ? String(mb) : mb.toFixed(1)) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " kB";
  }

  function minutes(seconds) {
    var m = Math.max(1, Math.round((seconds || 0) / 60));
    return m === 1 ? "about 1 minute" : "about " + m + " minutes";
  }

  /** Appends `text` to `parent`, turning http(s) URLs into links; all as text nodes. */
  function appendLinkified(parent, text) {
    var pattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    var last = 0, match;
    while ((match = pattern.exec(text))) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(h("a", { href: match[0], target: "_blank", rel: "noopener noreferrer", text: match[0] }));
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /** Where the customer is, for the agent (docs/protocol.md: metadata.context); `visitorId`
   *  lets the agent see this browser's earlier chats, closed ones included. */
  function pageContext(visitorId) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
    return { page_url: location.href, page_title: document.title, referrer: document.referrer,
      language: navigator.language || "", time_zone: zone, utc_offset_min: -new Date().getTimezoneOffset(),
      visitor_id: visitorId || "" };
  }

  /** A random, anonymous id for this browser (32 hex digits); "" without Web Crypto. */
  function newVisitorId() {
    if (!window.crypto || !window.crypto.getRandomValues) return "";
    return Array.prototype.map.call(window.crypto.getRandomValues(new Uint8Array(16)), function (byte) {
      return (byte + 256).toString(16).slice(1);
    }).join("");
  }

  function safeUrl(value) {
    try {
      var url = new URL(String(value), location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  // ---- styles (static; colours come in as CSS custom properties) --------------------
  var CSS = [
    ":host{all:initial;}",
    "*{box-sizing:border-box;}",
    "[hidden]{display:none !important;}",
    ".root{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:var(--text);}",
    ".sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;}",
    "button{font:inherit;cursor:pointer;}",
    ":focus-visible{outline:3px solid var(--primary);outline-offset:2px;}",
    ".launcher{position:fixed;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;",
    " background:var(--primary);color:var(--primary-text);box-shadow:0 6px 20px rgba(0,0,0,.25);",
    " display:flex;align-items:center;justify-content:center;z-index:var(--z);}",
    ".launcher:focus-visible{outline-color:var(--text);}",
    ".right .launcher{right:20px;} .left .launcher{left:20px;}",
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;",
    " background:#dc2626;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;}",
    ".badge[hidden]{display:none;}",
    ".preview{position:fixed;bottom:92px;width:280px;max-width:calc(100vw - 40px);background:var(--bg);border-radius:14px;",
    " box-shadow:0 8px 28px rgba(0,0,0,.22);z-index:var(--z);display:flex;align-items:flex-start;}",
    ".right .preview{right:20px;} .left .preview{left:20px;}",
    ".preview .open{flex:1;min-width:0;border:0;background:transparent;color:var(--text);text-align:left;padding:10px 4px 10px 14px;border-radius:14px;}",
    ".preview .open b{display:block;font-size:12px;color:var(--muted);}",
    ".preview .open span{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere;}",
    ".preview .icon-btn{color:var(--muted);margin:4px 4px 0 0;}",
    ".panel{position:fixed;bottom:92px;width:370px;max-width:calc(100vw - 24px);height:600px;",
    " max-height:calc(100vh - 112px);background:var(--bg);border-radius:14px;display:flex;flex-direction:column;",
    " box-shadow:0 12px 40px rgba(0,0,0,.28);overflow:hidden;z-index:var(--z);}",
    ".panel[hidden]{display:none;}",
    ".right .panel{right:20px;} .left .panel{left:20px;}",
    ".head{background:var(--primary);color:var(--primary-text);padding:12px 10px 10px 16px;display:flex;align-items:flex-start;gap:6px;}",
    ".head .titles{flex:1;min-width:0;}",
    "h2{margin:0;font-size:16px;font-weight:650;line-height:1.3;}",
    ".status{margin:2px 0 0;font-size:12.5px;opacity:.92;}",
    ".status .dot{display:inline-block;width:8px;height:8px;border-radius:50%;background:#4ade80;margin-right:6px;vertical-align:1px;}",
    ".status.queued .dot{background:#facc15;} .status.offline .dot,.status.nobody .dot{background:#f87171;}",
    ".status.resolved .dot{background:#cbd5e1;} .status.away .dot{background:#fb923c;}",
    ".icon-btn{background:transparent;border:0;color:inherit;width:34px;height:34px;border-radius:8px;display:flex;align-items:center;justify-content:center;flex:none;}",
    ".head .icon-btn:hover{background:rgba(255,255,255,.18);}",
    ".head .icon-btn:focus-visible{outline-color:var(--primary-text);outline-offset:-3px;}",
    ".bar{display:flex;gap:8px;align-items:center;padding:8px 12px;border-bottom:1px solid #e5e7eb;background:var(--bg);}",
    ".human{display:inline-flex;align-items:center;gap:6px;border:1px solid var(--primary);color:var(--primary);background:var(--bg);",
    " border-radius:999px;padding:5px 12px;font-size:13px;font-weight:600;}",
    ".human:hover:not([disabled]){background:var(--primary);color:var(--primary-text);}",
    ".human[disabled]{opacity:.6;cursor:default;}",
    ".bar .hint{font-size:12px;color:var(--muted);flex:1;text-align:right;}",
    ".log{flex:1;overflow-y:auto;padding:14px 12px 6px;display:flex;flex-direction:column;gap:4px;overscroll-behavior:contain;}",
    ".msg{display:flex;flex-direction:column;max-width:85%;align-self:flex-start;}",
    ".msg .who{font-size:11.5px;color:var(--muted);margin:8px 0 2px 4px;font-weight:600;}",
    ".msg.agent .who{color:var(--agent-accent);}",
    ".bubble{padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;}",
    ".bubble a{color:inherit;text-decoration:underline;}",
    ".bubble img{display:block;max-width:100%;max-height:240px;border-radius:8px;margin-top:4px;background:#fff;}",
    ".msg.bot .bubble{background:var(--bot);border-top-left-radius:4px;}",
    ".msg.agent .bubble{background:var(--agent);border:1px solid var(--agent-accent);border-top-left-radius:4px;}",
    ".msg.customer{align-self:flex-end;align-items:flex-end;}",
    ".msg.customer .bubble{background:var(--primary);color:var(--primary-text);border-top-right-radius:4px;}",
    ".msg .meta{font-size:11px;color:var(--muted);margin:2px 6px 0;}",
    ".msg.pending .bubble{opacity:.85;}",
    ".day{align-self:center;margin:10px 0 2px;font-size:12px;font-weight:600;color:var(--muted);}",
    ".msg.system{align-self:center;max-width:92%;text-align:center;margin:8px 0;}",
    ".msg.system .bubble{background:transparent;color:var(--muted);font-size:12.5px;padding:2px 8px;}",
    ".msg.system.error .bubble{color:#b91c1c;}",
    ".quick{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 4px;}",
    ".quick button{border:1px solid var(--primary);background:var(--bg);color:var(--primary);border-radius:999px;padding:5px 12px;font-size:13px;}",
    ".quick button:hover{background:var(--primary);color:var(--primary-text);}",
    ".typing{padding:0 16px 6px;font-size:12px;color:var(--muted);min-height:0;}",
    ".typing[hidden]{display:none;}",
    ".dots span{display:inline-block;width:5px;height:5px;border-radius:50%;background:var(--muted);margin-left:3px;animation:blink 1.2s infinite;}",
    ".dots span:nth-child(2){animation-delay:.2s;} .dots span:nth-child(3){animation-delay:.4s;}",
    "@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}",
    ".card{margin:6px 12px;padding:10px 12px;border:1px solid #e5e7eb;border-radius:12px;background:var(--bg);}",
    ".card[hidden]{display:none;}",
    ".card p{margin:0 0 6px;font-size:13px;}",
    ".card form{display:flex;flex-wrap:wrap;gap:6px;}",
    ".card input{flex:1 1 0;min-width:0;font:inherit;padding:6px 8px;border:1px solid #94a3b8;border-radius:8px;color:var(--text);background:var(--bg);}",
    ".card input[type=email]{flex-grow:1.6;}",
    ".card .go{align-self:flex-start;border:0;border-radius:8px;padding:6px 14px;background:var(--primary);color:var(--primary-text);font-weight:600;}",
    ".rating-comment{display:block;width:100%;margin:0 0 6px;padding:6px 8px;border:1px solid #94a3b8;border-radius:8px;font:inherit;}",
    ".stars{display:flex;gap:4px;}",
    ".stars button{border:1px solid #cbd5e1;background:var(--bg);border-radius:8px;width:40px;height:38px;font-size:20px;line-height:1;color:#f59e0b;}",
    ".stars button:hover,.stars button:focus-visible{background:#fef3c7;}",
    ".composer{display:flex;align-items:flex-end;gap:8px;padding:10px 12px 12px;border-top:1px solid #e5e7eb;}",
    ".count{font-size:11.5px;color:var(--muted);text-align:right;padding:2px 14px 0;}",
    ".limit{margin:0 12px;font-size:12.5px;color:#b91c1c;font-weight:600;}",
    ".count.over{color:#b91c1c;font-weight:600;}",
    "textarea{flex:1;resize:none;font:inherit;color:var(--text);background:var(--bg);border:1px solid #cbd5e1;border-radius:12px;",
    " padding:9px 12px;max-height:120px;min-height:40px;}",
    ".send{border:0;border-radius:50%;width:40px;height:40px;background:var(--primary);color:var(--primary-text);display:flex;align-items:center;justify-content:center;flex:none;}",
    ".send[disabled]{opacity:.5;cursor:default;}",
    ".attach{border:0;border-radius:50%;width:40px;height:40px;background:transparent;color:var(--muted);display:flex;align-items:center;justify-content:center;flex:none;}",
    ".attach:hover:not([disabled]){color:var(--primary);background:#f1f5f9;}",
    ".attach[disabled]{opacity:.5;cursor:default;}",
    ".bubble .file{display:inline-flex;align-items:center;gap:6px;font-weight:600;}",
    ".bubble .file .size{font-weight:400;opacity:.85;}",
    "@media (max-width:480px){",
    " .panel{left:0 !important;right:0 !important;bottom:0;top:0;width:100%;max-width:100%;height:100%;max-height:100%;border-radius:0;}",
    " .root.is-open .launcher{display:none;}",
    " textarea,.card input{font-size:16px;}",
    "}",
    "@media (prefers-reduced-motion:reduce){.dots span{animation:none;opacity:.6;}}",
  ].join("\n");

  // ---- the widget --------------------------------------------------------------------
  function Widget(config) {
    this.config = config;
    this.store = loadStore();          // {session_id, visitor_id, last_seen, outbox, rated}
    this.store.outbox = this.store.outbox || [];
    if (!this.store.visitor_id) {      // kept across chats: a new one after a closed chat
      this.store.visitor_id = newVisitorId(); // is still "the same browser" for the agent
      saveStore(this.store);
    }
    this.emailAvailable = false;       // the gateway can answer by email (its `history` says)
    this.resumeFromLink();
    this.socket = null;
    this.confirmed = false;
    this.isOpen = false;
    this.unread = 0;
    this.lastId = null;                // last server entry id rendered on this page
    this.seen = {};                    // entry ids rendered
    this.entries = [];                 // what the transcript download contains
    this.pending = [];                 // own messages without a server id yet
    this.payloadTitles = {};           // quick-reply payload -> title, to show "/intent" nicely
    this.state = { state: "bot" };
    this.lastSender = null;
    this.lastResolved = null;
    this.typingTimer = null;
    this.peerTypingTimer = null;
    this.build();
    // Returning visitors reconnect at once (agent replies, unread badge); new ones when
    // they first open the panel, so a page view alone does not start a conversation.
    if (this.store.session_id || config.open) this.connect();
    if (config.open || this.resumed || sessionStorage_get("chat_open") === "1") this.open(false);
  }

  /** `?resume=<token>` from an email's link: continue that conversation here, and take the
   * token out of the address bar (it would open the chat for anyone the URL is shared with). */
  Widget.prototype.resumeFromLink = function () {
    var match = /[?&]resume=([^&#]+)/.exec(location.search);
    if (!match) return;
    this.store.session_id = decodeURIComponent(match[1]);
    this.resumed = true;
    try {
      var rest = location.search.replace(match[0], match[0][0] === "?" ? "?" : "").replace(/^\?&/, "?");
      history.replaceState(null, "", location.pathname + (rest === "?" ? "" : rest) + location.hash);
    } catch (e) { /* sandboxed pages keep the address */ }
  };

  function sessionStorage_get(key) {
    try { return sessionStorage.getItem(key); } catch (e) { return null; }
  }
  function sessionStorage_set(key, value) {
    try { sessionStorage.setItem(key, value); } catch (e) { /* ignore */ }
  }

  Widget.prototype.build = function () {
    var self = this, c = this.config;
    this.host = h("div", { id: "chat-widget", "data-chat-widget": VERSION });
    var shadow = this.host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = CSS;
    shadow.appendChild(style);

    this.badge = h("span", { class: "badge", hidden: true, "aria-hidden": "true" });
    this.launcher = h("button", {
      class: "launcher", type: "button", "aria-label": "Open chat: " + c.title,
      "aria-expanded": "false", "aria-controls": "cw-panel", onclick: function () { self.toggle(); },
    }, [icon(ICONS.chat, 28), this.badge]);

    this.previewText = h("span");
    this.previewWho = h("b");
    // Read out politely too: with the panel closed, the conversation's live region is hidden.
    this.preview = h("div", { class: "preview", hidden: true, "aria-live": "polite" }, [
      h("button", { class: "open", type: "button", "data-action": "open-preview",
        onclick: function () { self.open(); } }, [this.previewWho, this.previewText]),
      h("button", { class: "icon-btn", type: "button", "aria-label": "Dismiss message preview",
        onclick: function () { self.preview.hidden = true; self.launcher.focus(); } }, [icon(ICONS.close, 16)]),
    ]);

    this.statusText = h("span", { class: "status-text" });
    this.status = h("p", { class: "status", role: "status", "aria-live": "polite" },
      [h("span", { class: "dot", "aria-hidden": "true" }), this.statusText]);

    this.humanButton = h("button", {
      class: "human", type: "button", "data-action": "request-human",
      onclick: function () { self.requestHuman(); },
    }, [icon(ICONS.person, 16), "Talk to a person"]);
    this.endButton = h("button", {
      class: "human", type: "button", "data-action": "end-chat", hidden: true, text: "End chat",
      onclick: function () { self.endChat(); },
    });
    this.barHint = h("span", { class: "hint" });

    this.log = h("div", {
      class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": "Conversation", tabindex: "0",
    });
    this.typing = h("div", { class: "typing", hidden: true, "aria-live": "polite" });
    // A smaller window (a phone's keyboard, a rotation) keeps the newest message in view.
    var log = this.log, atEnd = true;
    log.addEventListener("scroll", function () { atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40; });
    window.addEventListener("resize", function () {
      if (atEnd) self.scrollToEnd();
      self.panel.setAttribute("aria-modal", String(isPhone()));
    });

    this.contactCard = this.buildContactCard();
    this.ratingCard = this.buildRatingCard();

    this.input = h("textarea", {
      id: "cw-input", rows: "1", placeholder: "Type your message\u2026",
      autocomplete: "off", "aria-label": "Message", "aria-describedby": "cw-limit",
    });
    // Past the limit nothing is cut: the counter turns red and sending is refused, in words.
    this.counter = h("div", { class: "count", hidden: true, "aria-hidden": "true" });
    this.limitNote = h("p", { id: "cw-limit", class: "limit", role: "alert", hidden: true });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    this.input.addEventListener("input", function () { self.onInput(); });
    this.sendButton = h("button", { class: "send", type: "submit", "aria-label": "Send message" },
      [icon(ICONS.send, 20)]);
    // Attach: a real button (keyboard and screen readers) opening a hidden file picker.
    this.fileInput = h("input", { type: "file", accept: ATTACH_ACCEPT, hidden: true, tabindex: "-1",
      "aria-hidden": "true", "data-role": "attachment-input" });
    this.fileInput.addEventListener("change", function () {
      var file = self.fileInput.files && self.fileInput.files[0];
      self.fileInput.value = "";
      if (file) self.attach(file);
    });
    this.attachButton = c.attachments ? h("button", {
      class: "attach", type: "button", "aria-label": "Attach a screenshot or PDF",
      title: "Attach a screenshot or PDF", "data-action": "attach",
      onclick: function () { self.fileInput.click(); },
    }, [icon(ICONS.attach, 20)]) : null;
    var composer = h("form", {
      class: "composer", onsubmit: function (event) { event.preventDefault(); self.submit(); },
    }, [h("label", { class: "sr-only", for: "cw-input", text: "Message" }), this.attachButton,
      c.attachments ? this.fileInput : null, this.input, this.sendButton]);

    this.panel = h("section", {
      id: "cw-panel", class: "panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "cw-title", hidden: true,
    }, [
      h("div", { class: "head" }, [
        h("div", { class: "titles" }, [h("h2", { id: "cw-title", text: c.title }), this.status]),
        this.mailButton = h("button", {
          class: "icon-btn", type: "button", "aria-label": "Email me this conversation",
          title: "Email me this conversation", "data-action": "email", hidden: true,
          onclick: function () { self.emailTranscript(); },
        }, [icon(ICONS.mail, 20)]),
        h("button", {
          class: "icon-btn", type: "button", "aria-label": "Download transcript",
          title: "Download transcript", "data-action": "download",
          onclick: function () { self.downloadTranscript(); },
        }, [icon(ICONS.download, 20)]),
        h("button", {
          class: "icon-btn", type: "button", "aria-label": "Close chat", title: "Close",
          onclick: function () { self.close(); },
        }, [icon(ICONS.close, 20)]),
      ]),
      h("div", { class: "bar" }, [this.humanButton, this.endButton, this.barHint]),
      this.log, this.typing, this.contactCard, this.ratingCard, this.counter, this.limitNote, composer,
      h("p", { id: "cw-keys", class: "sr-only", text: "Escape closes the chat." }),
    ]);
    this.panel.setAttribute("aria-describedby", "cw-keys");
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.stopPropagation(); self.close(); }
      if (event.key === "Tab" && isPhone()) self.keepFocusInside(event);
      else if (event.key === "Tab") self.tabRoundOnce(event);
    });
    this.panel.addEventListener("focusin", function (event) {
      if (!self.panel.contains(event.relatedTarget)) self.tabRoundFrom = event.target;
    });
    this.shadow = shadow;

    this.root = h("div", { class: "root " + (c.position === "left" ? "left" : "right") },
      [this.preview, this.launcher, this.panel]);
    var vars = {
      "--primary": c.colors.primary, "--primary-text": c.colors.primaryText,
      "--bg": c.colors.background, "--text": c.colors.text, "--muted": c.colors.muted,
      "--bot": c.colors.bot, "--agent": c.colors.agent, "--agent-accent": c.colors.agentAccent,
      "--z": String(c.zIndex),
    };
    Object.keys(vars).forEach(function (key) { self.root.style.setProperty(key, vars[key]); });
    shadow.appendChild(this.root);

    if (c.greeting) this.greeting = this.renderBubble({ role: "bot", text: c.greeting }, "greeting");
    this.setStatus("Assistant \u00b7 replies instantly", "bot");
    (document.body || document.documentElement).appendChild(this.host);
    this.renderOutbox();
    this.updateBadge();
  };

  Widget.prototype.buildContactCard = function () {
    var self = this;
    var email = h("input", { type: "email", required: true, placeholder: "you@example.com",
      autocomplete: "email", "aria-label": "Your email" });
    var name = h("input", { type: "text", placeholder: "Your name (optional)",
      autocomplete: "name", "aria-label": "Your name" });
    var text = h("p", { text: CONTACT_ASK[0] });
    this.contactText = text;
    var form = h("form", {
      onsubmit: function (event) {
        event.preventDefault();
        if (!email.value.trim()) return;
        self.emit("contact_details", { email: email.value.trim(), name: name.value.trim() });
        self.store.contact_left = true;
        saveStore(self.store);
        self.showMailButton();
        self.contactCard.hidden = true; // the gateway's notice in the conversation thanks them
        self.input.focus();
      },
    }, [email, name, h("button", { class: "go", type: "submit", text: "Send" })]);
    return h("div", { class: "card contact", hidden: true, role: "region", "aria-label": "Leave your email" },
      [text, form]);
  };

  Widget.prototype.buildRatingCard = function () {
    var self = this;
    var question = h("p", { id: "cw-rate-q", text: "How did we do? Rate this conversation:" });
    var stars = h("div", { class: "stars", role: "group", "aria-labelledby": "cw-rate-q" });
    var labels = ["very poor", "poor", "okay", "good", "excellent"];
    labels.forEach(function (label, index) {
      stars.appendChild(h("button", {
        type: "button", "aria-label": "Rate " + (index + 1) + " of 5: " + label, title: label,
        "data-score": String(index + 1), text: "\u2605",
        onclick: function () { self.rate(index + 1); },
      }));
    });
    this.ratingQuestion = question;
    this.ratingComment = h("input", { type: "text", class: "rating-comment", maxlength: "1000",
      "aria-label": "Comment for the team (optional)", placeholder: "Add a comment (optional), then pick the stars" });
    return h("div", { class: "card rating", hidden: true, role: "region", "aria-label": "Rate this conversation" },
      [question, this.ratingComment, stars]);
  };

  // ---- open / close / badge ----------------------------------------------------------
  Widget.prototype.open = function (focus) {
    this.isOpen = true;
    this.panel.hidden = false;
    this.root.classList.add("is-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", "Close chat: " + this.config.title);
    this.preview.hidden = true;
    // Full screen on a phone: a modal dialog (Tab stays inside it there only).
    this.panel.setAttribute("aria-modal", String(isPhone()));
    sessionStorage_set("chat_open", "1");
    this.markRead();
    this.scrollToEnd();
    if (!this.socket) this.connect();
    if (focus !== false) this.input.focus();
  };

  Widget.prototype.close = function () {
    this.isOpen = false;
    this.panel.hidden = true;
    this.root.classList.remove("is-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", "Open chat: " + this.config.title);
    sessionStorage_set("chat_open", "0");
    this.launcher.focus();
  };

  Widget.prototype.toggle = function () { this.isOpen ? this.close() : this.open(); };

  /** The panel's controls Tab stops at, in the page's order. */
  Widget.prototype.panelControls = function () {
    return [].filter.call(this.panel.querySelectorAll("button,textarea,input,a[href],[tabindex]"),
      function (el) { return !el.disabled && el.tabIndex >= 0 && el.getClientRects().length; });
  };

  /** On a phone (a modal): Tab and Shift+Tab go round the panel's controls, Escape leaves
   * it; the header's buttons come after the message box instead of the page's links. */
  Widget.prototype.keepFocusInside = function (event) {
    var controls = this.panelControls();
    var first = controls[0], last = controls[controls.length - 1];
    var active = this.shadow.activeElement;
    if (event.shiftKey ? active === first || active === this.panel : active === last) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  };

  /** On a desktop the panel sits beside the page (not modal, no trap): Tab from its last
   * control goes once round to the header (Download, Close...) when focus came in below
   * it, as it does when the panel opens on the message box; then Tab goes on to the page. */
  Widget.prototype.tabRoundOnce = function (event) {
    var controls = this.panelControls();
    var first = controls[0], last = controls[controls.length - 1];
    if (event.shiftKey || this.shadow.activeElement !== last || this.tabRoundFrom === first) return;
    event.preventDefault();
    this.tabRoundFrom = first;
    first.focus();
  };

  /** The newest agent or bot message, on the launcher while the panel is closed. */
  Widget.prototype.showPreview = function (entry) {
    var text = entry.text || (entry.attachment ? "Sent an attachment" : "");
    if (this.isOpen || !text) return;
    this.previewWho.textContent = entry.role === "agent" ? (entry.name || "Agent") : "Assistant";
    this.previewText.textContent = String(text).slice(0, 300);
    this.preview.hidden = false;
  };

  Widget.prototype.markRead = function () {
    this.unread = 0;
    if (this.lastId) { this.store.last_seen = this.lastId; saveStore(this.store); }
    this.updateBadge();
  };

  Widget.prototype.updateBadge = function () {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
    this.launcher.setAttribute("aria-label", (this.isOpen ? "Close chat: " : "Open chat: ") +
      this.config.title + (this.unread ? ", " + this.badge.textContent + " unread" : "")); // as the badge shows it
  };

  // ---- connection --------------------------------------------------------------------
  Widget.prototype.loadIo = function () {
    var src = this.config.socketioSrc;
    if (typeof this.config.io === "function") return Promise.resolve(this.config.io);
    if (window.io && window.io.protocol === 5) return Promise.resolve(window.io);
    if (Widget.ioPromise) return Widget.ioPromise;
    Widget.ioPromise = new Promise(function (resolve, reject) {
      var previous = window.io;
      var tag = document.createElement("script");
      tag.src = src;
      tag.async = true;
      tag.onload = function () {
        var io = window.io;
        // Leave the page's own global `io` (if any) as it was.
        if (previous !== undefined) window.io = previous;
        if (typeof io === "function") resolve(io); else reject(new Error("no io"));
      };
      tag.onerror = function () { Widget.ioPromise = null; reject(new Error("socket.io client did not load")); };
      document.head.appendChild(tag);
    });
    return Widget.ioPromise;
  };

  Widget.prototype.connect = function () {
    var self = this;
    if (this.socket || this.connecting) return;
    this.connecting = true;
    this.loadIo().then(function (io) {
      self.connecting = false;
      var socket = io(self.config.serverUrl, {
        path: self.config.socketPath, reconnectionDelayMax: 5000, transports: ["websocket", "polling"],
        tryAllTransports: true,
      });
      self.socket = socket;
      socket.on("connect", function () { self.onConnect(); });
      socket.on("disconnect", function () { self.onOffline(); });
      socket.on("connect_error", function () { self.onOffline(); });
      socket.on("session_confirm", function (data) { self.onSessionConfirm(data); });
      socket.on("history", function (data) { self.onHistory(data); });
      socket.on("bot_uttered", function (data) { self.onUttered(data); });
      socket.on("status", function (data) { self.onStatus(data || {}); });
      socket.on("typing", function (data) { self.onPeerTyping(data || {}); });
      socket.on("error", function (data) { self.onError(data || {}); });
    }, function () {
      self.connecting = false;
      self.onOffline();
      setTimeout(function () { self.connect(); }, 5000);
    });
  };

  Widget.prototype.emit = function (event, data, ack) {
    if (!this.socket || !this.socket.connected) return false;
    if (ack) this.socket.timeout(20000).emit(event, data, ack);
    else this.socket.emit(event, data);
    return true;
  };

  Widget.prototype.onConnect = function () {
    this.confirmed = false;
    // `extended`: ids, roles, history and status (stock Rasa clients get Rasa's shapes).
    var request = { session_id: this.store.session_id || null, extended: true, metadata: { context: pageContext(this.store.visitor_id) } };
    // Within one page we ask only for what we missed; after a reload, for everything.
    if (this.lastId) request.last_id = this.lastId;
    this.socket.emit("session_request", request);
  };

  Widget.prototype.onSessionConfirm = function (data) {
    var token = typeof data === "string" ? data : data && data.session_id;
    if (!token) return;
    var known = this.store.session_id || this.token;
    if (known && token !== known) this.resetConversation();
    this.token = token;
    this.store.session_id = token;
    saveStore(this.store);
    this.confirmed = true;
    this.applyStatus(this.state); // clears "offline" until the gateway's own status arrives
    // The history comes right after session_confirm; send queued messages after it, so
    // it cannot already contain them. (Fallback in case a gateway sends no history.)
    var self = this;
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(function () { self.flushOutbox(); }, 1500);
  };

  Widget.prototype.resetConversation = function () {
    // The old session is gone (expired or unknown to the server): start a fresh log.
    var greeting = this.greeting;
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    if (greeting) this.log.appendChild(greeting);
    this.seen = {};
    this.entries = [];
    this.pending = [];
    this.lastId = null;
    this.lastSender = null;
    this.lastResolved = null;
    delete this.store.last_seen;
    delete this.store.rated;
    delete this.store.contact_left;
    this.state = { state: "bot" };
    this.ratingCard.hidden = true;
    this.contactCard.hidden = true;
    this.mailButton.hidden = true;
    this.renderOutbox();
  };

  Widget.prototype.onHistory = function (data) {
    var self = this;
    if (data && typeof data.email === "boolean") {
      this.emailAvailable = data.email;
      this.contactText.textContent = CONTACT_ASK[+data.email];
      this.showMailButton();
    }
    if (data && data.max_message_chars > 0) { // the gateway's own MAX_MESSAGE_CHARS
      this.config.maxMessageChars = data.max_message_chars;
      this.updateCounter(false);
    }
    var firstLoad = !this.lastId;
    (data && data.messages || []).forEach(function (entry) {
      var unread = firstLoad ? idAfter(entry.id, self.store.last_seen) && !!self.store.last_seen : true;
      self.addEntry(entry, unread);
    });
    clearTimeout(this.flushTimer);
    this.flushOutbox();
    if (this.isOpen) this.markRead();
    // After a reload the state is "bot" again; the history tells whether a resolved chat
    // still waits for its rating.
    if (this.lastResolved && this.ratedFor !== this.lastResolved && this.state.state === "bot") {
      this.offerRating(null);
    }
  };

  Widget.prototype.showMailButton = function () {
    this.mailButton.hidden = !(this.emailAvailable && this.store.contact_left);
  };

  Widget.prototype.emailTranscript = function () {
    var self = this;
    this.mailButton.disabled = true;
    this.emit("email_transcript", {}, function (err, reply) {
      self.mailButton.disabled = false;
      var ok = !err && reply && reply.ok;
      self.mailButton.title = ok ? "Sent: check your inbox" : (reply && reply.message) || "Could not send it; try again.";
    });
  };

  Widget.prototype.onUttered = function (data) {
    if (!data || typeof data !== "object") return;
    var entry = Object.assign({ role: "bot" }, data);
    this.hidePeerTyping();
    this.addEntry(entry, true);
    if (this.isOpen && document.visibilityState !== "hidden") this.markRead();
  };

  Widget.prototype.onOffline = function () {
    this.confirmed = false;
    this.hidePeerTyping();
    this.setStatus("Offline \u00b7 reconnecting\u2026", "offline");
    this.state.offline = true;
  };

  Widget.prototype.onError = function (error) {
    if (!error.code && !error.message) return;
    var text = error.message || ("Something went wrong (" + error.code + ").");
    // Handled where they happen (the message is kept and sent in a new conversation).
    if (error.code === "invalid_session" || error.code === "conversation_closed" ||
      (error.code === "unavailable" && this.sending)) return; // the send is retried
    this.renderBubble({ role: "system", text: text }, "error");
  };

  // ---- status ------------------------------------------------------------------------
  Widget.prototype.onStatus = function (status) {
    status.known = true;
    this.state = status;
    this.applyStatus(status);
  };

  Widget.prototype.setStatus = function (text, kind) {
    this.statusText.textContent = text;
    this.status.className = "status " + kind;
  };

  Widget.prototype.applyStatus = function (s) {
    var state = s.state || "bot";
    var nobody = state === "queued" && s.agents_online === 0;
    // The agent lost their last socket: they may come back, or the customer may ask for
    // someone else right away (docs/protocol.md, agent_connected).
    var away = state === "with_agent" && s.agent_connected === false;
    var requeued = state === "queued" && (this.shownState === "with_agent" || this.requeuedNotice);
    this.requeuedNotice = requeued;
    this.shownState = state;
    this.state.offline = false;
    if (state === "queued") {
      var back = requeued ? "Back in the queue \u00b7 " : "";
      // The conversation's notice says no one is online; the status line does not repeat it.
      if (nobody) this.setStatus(back + "Waiting for the team", "nobody");
      else {
        var text = requeued ? "Back in the queue" : "Waiting for a person";
        if (s.position) text += " \u00b7 you are number " + s.position + " in line";
        if (s.estimated_wait_s) text += " \u00b7 " + minutes(s.estimated_wait_s);
        this.setStatus(text, "queued");
      }
    } else if (away) {
      this.setStatus((s.agent || "The person helping you") + " lost connection, reconnecting\u2026", "away");
    } else if (state === "with_agent") {
      this.setStatus(s.agent ? "You're chatting with " + s.agent : "A person from our team joined", "agent");
    } else if (state === "resolved") {
      this.setStatus("Resolved \u00b7 write again any time", "resolved");
    } else if (state === "closed") {
      this.setStatus("Conversation closed \u00b7 writing starts a new one", "resolved");
    } else {
      this.setStatus("Assistant \u00b7 replies instantly", "bot");
    }
    var withPerson = state === "queued" || state === "with_agent";
    // With a person involved the bar offers to end the chat (or, with the agent away, to
    // ask for someone else); the status line says who is there.
    this.humanButton.hidden = withPerson && !away;
    this.humanButton.disabled = false;
    this.humanButton.lastChild.textContent = away ? "Talk to someone else" : "Talk to a person";
    this.endButton.hidden = !withPerson;
    this.endButton.disabled = false;
    this.barHint.textContent = withPerson ? "" : "or ask the assistant";
    var cardWasHidden = this.contactCard.hidden;
    this.contactCard.hidden = !nobody || !!this.store.contact_left;
    // The card takes room from the log: keep the newest notice (why they are queued) in view.
    if (cardWasHidden && !this.contactCard.hidden) this.scrollToEnd();
    if (withPerson) this.ratingCard.hidden = true;
    if (state === "resolved") {
      if (this.lastSystemId) this.lastResolved = this.lastSystemId; // the "resolved" notice
      this.offerRating(s.agent);
    }
    if (state === "closed") {
      // Ended for good: the next message starts a new conversation.
      this.closedSession = true;
    }
  };

  Widget.prototype.requestHuman = function () {
    if (!this.emit("request_human", {})) {
      this.renderBubble({ role: "system", text: "You're offline; we'll ask for a person as soon as you're back." }, "error");
      this.store.want_human = true;
      saveStore(this.store);
      if (!this.socket) this.connect();
      return;
    }
    this.humanButton.disabled = true;
    this.input.focus(); // the button goes away: keep the focus in the chat
  };

  /** "End chat": a held chat is resolved, a queued one leaves the queue (`end_chat`). */
  Widget.prototype.endChat = function () {
    var self = this;
    this.input.focus(); // the button goes away with the person
    // The gateway's `status` events tell what happened; a failure lets the customer retry.
    if (!this.emit("end_chat", {}, function (err, reply) {
      if (err || (reply && reply.ok === false)) self.endButton.disabled = false;
    })) {
      return this.renderBubble({ role: "system", text: "You're offline; end the chat again when you're back." }, "error");
    }
    this.endButton.disabled = true;
  };

  // ---- rating ------------------------------------------------------------------------
  Widget.prototype.offerRating = function (agent) {
    var key = this.lastResolved || "resolved";
    if (this.store.rated === key || this.ratedFor === key) return;
    this.ratingKey = key;
    this.ratingQuestion.textContent = agent ? "How was your chat with " + agent + "? One click to rate:"
      : "How did we do? One click to rate:";
    this.ratingComment.value = "";
    this.ratingCard.hidden = false;
    this.scrollToEnd(); // the card takes room from the log: keep the newest notice in view
  };

  Widget.prototype.rate = function (score) {
    var comment = this.ratingComment.value.trim();
    if (!this.emit("rating", comment ? { score: score, comment: comment } : { score: score })) return;
    this.store.rated = this.ratingKey;
    saveStore(this.store);
    this.ratingCard.hidden = true; // the gateway's "Thanks for your feedback!" is in the log
    this.input.focus();
  };

  // ---- typing ------------------------------------------------------------------------
  Widget.prototype.onInput = function () {
    var self = this;
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight + 2, 120) + "px";
    this.updateCounter(false);
    if (!this.typingSent) { this.typingSent = this.emit("typing", { typing: true }); }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.stopTyping(); }, 2500);
  };

  Widget.prototype.stopTyping = function () {
    clearTimeout(this.typingTimer);
    if (this.typingSent) this.emit("typing", { typing: false });
    this.typingSent = false;
  };

  Widget.prototype.onPeerTyping = function (data) {
    var self = this;
    if (!data.typing) { this.hidePeerTyping(); return; }
    var who = data.role === "agent" ? (data.name || "Agent") : "Assistant";
    while (this.typing.firstChild) this.typing.removeChild(this.typing.firstChild);
    this.typing.appendChild(document.createTextNode(who + " is typing"));
    this.typing.appendChild(h("span", { class: "dots", "aria-hidden": "true" },
      [h("span"), h("span"), h("span")]));
    this.typing.hidden = false;
    clearTimeout(this.peerTypingTimer);
    this.peerTypingTimer = setTimeout(function () { self.hidePeerTyping(); }, 15000);
  };

  Widget.prototype.hidePeerTyping = function () {
    clearTimeout(this.peerTypingTimer);
    this.typing.hidden = true;
  };

  // ---- sending -----------------------------------------------------------------------
  /** Shown from 80% of the limit; `refuse`: say why the message was not sent. */
  Widget.prototype.updateCounter = function (refuse) {
    var max = this.config.maxMessageChars, count = charCount(this.input.value.trim());
    var over = count > max;
    this.counter.hidden = count < max * 0.8;
    this.counter.textContent = count.toLocaleString() + " / " + max.toLocaleString();
    this.counter.classList.toggle("over", over);
    this.input.setAttribute("aria-invalid", String(over));
    if (refuse && over) {
      this.limitNote.textContent = "Not sent: your message has " + count.toLocaleString() + " characters; the limit is " +
        max.toLocaleString() + ". Shorten it by " + (count - max).toLocaleString() + " or send it in parts.";
    }
    if (!over) this.limitNote.textContent = "";
    this.limitNote.hidden = !this.limitNote.textContent;
    return !over;
  };

  Widget.prototype.submit = function () {
    var text = this.input.value.trim();
    if (!text || !this.updateCounter(true)) return;
    this.input.value = "";
    this.input.style.height = "";
    this.updateCounter(false);
    this.stopTyping();
    this.send(text, text);
  };

  Widget.prototype.send = function (message, display) {
    var item = { cid: Date.now().toString(36) + Math.random().toString(36).slice(2, 7),
      text: message, display: display || message, ts: Date.now() / 1000 };
    this.removeQuickReplies();
    this.ratingCard.hidden = true;
    if (this.shownState === "resolved") this.applyStatus({ state: "bot" });
    this.store.outbox.push(item);
    saveStore(this.store);
    this.renderPending(item);
    this.flushOutbox();
    if (!this.socket) this.connect();
  };

  /** Sends queued messages in order, each once the previous one was acknowledged. */
  Widget.prototype.flushOutbox = function () {
    var self = this;
    if (!this.confirmed || this.sending || !this.store.outbox.length) return;
    var item = this.store.outbox[0];
    this.sending = item.cid;
    var node = this.pendingNode(item.cid);
    if (node) node.setMeta("Sending\u2026");
    var sent = this.emit("user_uttered", {
      message: item.text, session_id: this.store.session_id, metadata: { context: pageContext(this.store.visitor_id) },
    }, function (err, reply) {
      self.sending = null;
      if (err && !(self.socket && self.socket.connected)) { // dropped: keep it queued
        if (node) node.setMeta("Not sent yet \u00b7 will retry when you're back online");
        return;
      }
      if (reply && reply.ok === false) {
        if (reply.error === "conversation_closed" || reply.error === "invalid_session") {
          // The conversation ended: start a new one; the message stays queued for it.
          if (node) node.setMeta("Starting a new conversation\u2026");
          self.newSession();
          return;
        }
        if (reply.error === "unavailable") { // nothing was recorded: try again shortly
          if (node) node.setMeta("Not sent yet \u00b7 retrying\u2026");
          clearTimeout(self.retryTimer);
          self.retryTimer = setTimeout(function () { self.flushOutbox(); }, 3000);
          return;
        }
        self.store.outbox = self.store.outbox.filter(function (x) { return x.cid !== item.cid; });
        saveStore(self.store);
        if (node) {
          node.setMeta("Not sent: " + (reply.message || reply.error));
          node.classList.add("failed");
          self.pending = self.pending.filter(function (x) { return x !== node; });
        }
        self.flushOutbox();
        return;
      }
      // Acknowledged (or slow but the socket stayed up: the gateway has it).
      self.store.outbox = self.store.outbox.filter(function (x) { return x.cid !== item.cid; });
      saveStore(self.store);
      if (node) { node.setMeta(clock(item.ts)); node.classList.remove("pending"); }
      self.flushOutbox();
    });
    if (!sent) this.sending = null;
    if (this.store.want_human && this.confirmed) {
      delete this.store.want_human;
      saveStore(this.store);
      this.emit("request_human", {});
    }
  };

  // ---- attachments ---------------------------------------------------------------------
  /** Uploads a screenshot or PDF (POST /api/attachments); the gateway checks its type and
   * size and answers with the transcript entry, or with a message that says what is wrong. */
  Widget.prototype.attach = function (file) {
    var self = this, token = this.store.session_id;
    var fail = function (message) {
      self.renderBubble({ role: "system", text: message }, "error");
      self.attachButton.focus();
    };
    if (file.size > this.config.maxAttachmentBytes) {
      return fail("\u201c" + file.name + "\u201d is too large: attachments are limited to " +
        fileSize(this.config.maxAttachmentBytes) + ".");
    }
    if (!token || !this.confirmed || !window.fetch || !window.FormData) {
      if (!this.socket) this.connect();
      return fail("You're offline; attach the file again when you're back online.");
    }
    var node = this.renderBubble({ role: "customer", text: "Uploading " + file.name + "\u2026" }, "pending uploading");
    node.setMeta("Uploading\u2026");
    this.attachButton.disabled = true;
    var form = new FormData();
    form.append("file", file, file.name);
    fetch(this.config.serverUrl.replace(/\/+$/, "") + "/api/attachments?session=" + encodeURIComponent(token),
      { method: "POST", body: form })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok || !body.entry) {
            throw new Error(body.message || (response.status === 413
              ? "The file is too large." : "The file could not be sent (" + response.status + ")."));
          }
          return body.entry;
        });
      })
      .then(function (entry) {
        if (node.parentNode) node.parentNode.removeChild(node);
        self.addEntry(entry, false);
        self.attachButton.disabled = false;
      }, function (error) {
        if (node.parentNode) node.parentNode.removeChild(node);
        self.attachButton.disabled = false;
        fail("Not sent: " + (error.message === "Failed to fetch"
          ? "the server cannot be reached; try again." : error.message));
      });
  };

  Widget.prototype.newSession = function () {
    delete this.store.session_id;
    saveStore(this.store);
    this.closedSession = false;
    this.confirmed = false;
    if (this.socket && this.socket.connected) {
      this.socket.emit("session_request",
        { session_id: null, extended: true, metadata: { context: pageContext(this.store.visitor_id) } });
    }
  };

  Widget.prototype.pendingNode = function (cid) {
    for (var i = 0; i < this.pending.length; i++) if (this.pending[i].cid === cid) return this.pending[i];
    return null;
  };

  Widget.prototype.renderOutbox = function () {
    var self = this;
    this.store.outbox.forEach(function (item) {
      if (!self.pendingNode(item.cid)) self.renderPending(item);
    });
  };

  Widget.prototype.renderPending = function (item) {
    var node = this.renderBubble({ role: "customer", text: item.display, ts: item.ts }, "pending");
    node.cid = item.cid;
    node.text = item.text;
    node.entry = { role: "customer", text: item.display, ts: item.ts };
    this.entries.push(node.entry);
    node.setMeta(this.confirmed ? "Sending\u2026" : "Queued \u00b7 will be sent when you're back online");
    this.pending.push(node);
    this.scrollToEnd();
  };

  // ---- rendering ---------------------------------------------------------------------
  /** One transcript entry from the server (history or live); ignores ids already shown. */
  Widget.prototype.addEntry = function (entry, countUnread) {
    if (!entry || (!entry.text && !entry.attachment && !entry.quick_replies && !entry.custom)) {
      if (entry && entry.id) this.noteId(entry.id);
      return;
    }
    if (entry.id && this.seen[entry.id]) return;
    if (entry.id) this.noteId(entry.id);
    if (entry.role === "system") {
      // Live system entries carry no `event` (Rasa's shape); history entries do.
      this.lastSystemId = entry.id || this.lastSystemId;
      if (entry.event === "resolved") { this.lastResolved = entry.id; this.ratedFor = null; }
      if (entry.event === "rating") this.ratedFor = this.lastResolved;
      if (entry.event === "contact") { this.store.contact_left = true; this.showMailButton(); }
    }
    if (entry.role === "customer") {
      // Our own optimistic copy gets the server id instead of a second bubble.
      var text = String(entry.text || "");
      for (var i = 0; i < this.pending.length; i++) {
        var node = this.pending[i];
        if (node.text === text) {
          this.pending.splice(i, 1);
          node.classList.remove("pending");
          node.dataset.id = entry.id || "";
          node.setMeta(clock(entry.ts));
          node.entry.id = entry.id;
          if (this.sending !== node.cid) {
            this.store.outbox = this.store.outbox.filter(function (x) { return x.cid !== node.cid; });
            saveStore(this.store);
          }
          return;
        }
      }
    }
    var shown = Object.assign({}, entry);
    if (entry.role === "customer" && this.payloadTitles[entry.text]) shown.text = this.payloadTitles[entry.text];
    var el = this.renderBubble(shown);
    this.entries.push(shown);
    if (countUnread && entry.role !== "customer" && !this.isOpen) {
      this.unread += 1;
      this.updateBadge();
      if (entry.role === "agent" || entry.role === "bot") this.showPreview(shown);
    }
    if (entry.role === "bot" && this.shownState === "resolved") this.applyStatus({ state: "bot" });
    return el;
  };

  Widget.prototype.noteId = function (id) {
    this.seen[id] = true;
    if (!this.lastId || idAfter(id, this.lastId)) this.lastId = id;
  };

  Widget.prototype.renderBubble = function (entry, extraClass) {
    var self = this;
    var role = ["customer", "bot", "agent", "system"].indexOf(entry.role) >= 0 ? entry.role : "bot";
    var node = h("div", { class: "msg " + role + (extraClass ? " " + extraClass : ""),
      "data-role": role, "data-id": entry.id || null });
    var sender = role + ":" + (entry.name || "");
    if ((role === "bot" || role === "agent") && sender !== this.lastSender) {
      var label = role === "agent" ? (entry.name || "Agent") + " \u00b7 Customer service" : "Assistant";
      node.appendChild(h("div", { class: "who", text: label }));
    } else if (role === "customer" || role === "system") {
      node.appendChild(h("span", { class: "sr-only", text: role === "customer" ? "You said:" : "Notice:" }));
    }
    this.lastSender = role === "system" ? null : sender;
    var bubble = h("div", { class: "bubble" });
    if (entry.text) appendLinkified(bubble, String(entry.text));
    var att = entry.attachment;
    var attUrl = att && att.payload ? this.attachmentUrl(att.payload.src || att.payload.url) : null;
    var attName = att && att.payload ? String(att.payload.title || att.payload.name || "") : "";
    if (attUrl && att.type === "image") {
      var img = h("img", { src: attUrl, alt: attName || "Image", loading: "lazy" });
      bubble.appendChild(attName && role === "customer"
        ? h("a", { href: attUrl, target: "_blank", rel: "noopener noreferrer", "aria-label": "Open " + attName }, [img])
        : img);
    } else if (attUrl) {
      bubble.appendChild(h("a", { class: "file", href: attUrl, target: "_blank", rel: "noopener noreferrer" }, [
        icon(ICONS.attach, 16), attName || "Open attachment",
        att.payload.size ? h("span", { class: "size", text: "(" + fileSize(att.payload.size) + ")" }) : null]));
    }
    if (!entry.text && entry.custom && typeof entry.custom.text === "string") {
      bubble.appendChild(document.createTextNode(entry.custom.text));
    }
    if (bubble.firstChild) node.appendChild(bubble);
    var meta = h("div", { class: "meta" });
    if (role !== "system") node.appendChild(meta);
    meta.textContent = entry.ts ? clock(entry.ts) : "";
    node.setMeta = function (text) { meta.textContent = text; };
    if (entry.quick_replies && entry.quick_replies.length) {
      this.removeQuickReplies();
      var group = h("div", { class: "quick", role: "group", "aria-label": "Suggested replies" });
      entry.quick_replies.forEach(function (reply) {
        var title = String(reply.title || reply.payload || "");
        var payload = String(reply.payload || reply.title || "");
        self.payloadTitles[payload] = title;
        group.appendChild(h("button", { type: "button", text: title,
          onclick: function () { self.send(payload, title); self.input.focus(); } }));
      });
      node.appendChild(group);
    } else if (role !== "system") {
      this.removeQuickReplies();
    }
    // In id order: a live entry can overtake the history replay by an instant.
    var before = null;
    if (entry.id) {
      for (var child = this.log.lastChild; child && child.dataset && child.dataset.id &&
        idAfter(child.dataset.id, entry.id); child = child.previousSibling) before = child;
    }
    this.log.insertBefore(node, before);
    if (extraClass !== "greeting") {
      node.dataset.day = dayLabel(entry.ts || Date.now() / 1000);
      this.placeDay(node);
      if (before) this.placeDay(before);
    }
    this.scrollToEnd();
    return node;
  };

  /** Where an attachment is: the gateway's own files (relative `/api/attachments/<id>`) need
   * the gateway's origin and this conversation's session; other URLs must be http(s). */
  Widget.prototype.attachmentUrl = function (src) {
    if (typeof src !== "string") return null;
    if (/^\/api\/attachments\/[A-Za-z0-9_-]+$/.test(src)) {
      var token = this.store.session_id;
      return safeUrl(this.config.serverUrl.replace(/\/+$/, "") + src +
        (token ? "?session=" + encodeURIComponent(token) : ""));
    }
    return safeUrl(src);
  };

  /** A "Today" / "Yesterday" / date line before the first message of each day. */
  Widget.prototype.placeDay = function (node) {
    var prev = node.previousSibling;
    while (prev && !(prev.dataset && prev.dataset.day)) prev = prev.previousSibling;
    if (!prev || prev.dataset.day !== node.dataset.day) {
      this.log.insertBefore(h("div", { class: "day", "data-day": node.dataset.day, text: node.dataset.day }), node);
    }
  };

  Widget.prototype.removeQuickReplies = function () {
    var groups = this.log.querySelectorAll(".quick");
    for (var i = 0; i < groups.length; i++) groups[i].parentNode.removeChild(groups[i]);
  };

  Widget.prototype.scrollToEnd = function () {
    var log = this.log;
    requestAnimationFrame(function () { log.scrollTop = log.scrollHeight; });
  };

  // ---- transcript download -------------------------------------------------------------
  Widget.prototype.transcriptText = function (entries) {
    var titles = this.payloadTitles;
    var lines = [this.config.title + " \u00b7 conversation transcript",
      "Downloaded " + new Date().toLocaleString(), ""];
    (entries || this.entries).forEach(function (e) {
      var who = e.role === "customer" ? "You" : e.role === "agent" ? (e.name || "Agent")
        : e.role === "system" ? "Notice" : "Assistant";
      var when = e.ts ? new Date(e.ts * 1000).toLocaleString() : "";
      var text = e.role === "customer" && titles[e.text] ? titles[e.text]
        : e.text || (e.attachment ? "[attachment: " + ((e.attachment.payload || {}).name || "file") + "]" : "");
      lines.push("[" + when + "] " + who + ": " + text);
    });
    return lines.join("\n") + "\n";
  };

  /** The server's copy of the transcript (GET /api/transcript), else what this page shows. */
  Widget.prototype.downloadTranscript = function () {
    var self = this, token = this.store.session_id;
    var local = function () { self.saveFile(self.transcriptText()); };
    if (!token || !window.fetch) return local();
    fetch(this.config.serverUrl + "/api/transcript?session=" + encodeURIComponent(token))
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        var entries = (data.messages || []).filter(function (e) { return e.text || e.attachment; });
        // Messages still waiting in the outbox are not on the server yet.
        self.store.outbox.forEach(function (x) { entries.push({ role: "customer", text: x.display, ts: x.ts }); });
        self.saveFile(self.transcriptText(entries));
      })
      .catch(local);
  };

  Widget.prototype.saveFile = function (text) {
    var blob = new Blob([text], { type: "text/plain;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var link = h("a", { href: url, download: "chat-transcript-" + new Date().toISOString().slice(0, 10) + ".txt" });
    this.root.appendChild(link);
    link.click();
    this.root.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  };

  // ---- public API ----------------------------------------------------------------------
  var instance = null;
  function init(extra) {
    if (instance) return api;
    instance = new Widget(readConfig(extra));
    return api;
  }
  var api = {
    version: VERSION,
    init: init,
    open: function () { init(); instance.open(); },
    close: function () { if (instance) instance.close(); },
    toggle: function () { init(); instance.toggle(); },
    send: function (text) { init(); instance.send(String(text)); },
    transcript: function () { return instance ? instance.transcriptText() : ""; },
  };
  window.ChatWidget = api;

  var manual = (window.chatWidgetConfig && window.chatWidgetConfig.autoInit === false) ||
    (script && script.dataset && script.dataset.autoInit === "false");
  if (!manual) {
    if (document.body) init();
    else document.addEventListener("DOMContentLoaded", function () { init(); });
  }
})();
