/* Agent console: sign in, presence, the live queue, several chats at once.
 *
 * Talks to the gateway's "/agents" Socket.IO namespace (docs/protocol.md). Plain JS, no
 * framework; every piece of text from customers, the bot or agents goes in with
 * textContent, never as HTML.
 */
(function () {
  "use strict";

  var config = Object.assign({ serverUrl: location.origin, socketPath: "/socket.io" },
    window.consoleConfig || {});
  var SESSION_KEY = "agent_session";
  var BASE_TITLE = document.title;

  var REASONS = {
    low_confidence: "low confidence",
    customer_request: "customer asked for a person",
    repeated_fallback: "the bot did not understand, twice",
    faq_rejected: "the FAQ answer missed",
    bot_unavailable: "the bot was unavailable",
    agent_transfer: "sent back to the queue by an agent",
    agent_disconnected: "the agent was disconnected",
  };
  var ROLE_LABELS = { customer: "Customer", bot: "Bot", agent: "Agent", system: "System", note: "Note" };
  var BUILT_IN_CANNED = [
    { title: "Greeting", answer: "Hi, thanks for waiting! I'm looking at your question now." },
    { title: "Need order number", answer: "Could you send me your order number? It starts with NW and is in your confirmation email." },
    { title: "One moment", answer: "Thanks, one moment please while I check this for you." },
    { title: "Anything else?", answer: "Is there anything else I can help you with today?" },
    { title: "Closing", answer: "Glad I could help. Have a great day!" },
  ];

  // ---- tiny DOM helpers ----------------------------------------------------------------
  function $(id) { return document.getElementById(id); }
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
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function clock(ts) {
    return new Date((ts || Date.now() / 1000) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m >= 60 ? Math.floor(m / 60) + " h " + (m % 60) + " min" : m + ":" + (s < 10 ? "0" : "") + s;
  }
  function quote(text, max) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    if (max && text.length > max) text = text.slice(0, max - 1) + "…";
    return "\u2018" + text + "\u2019";
  }
  function safeUrl(value) {
    try {
      var url = new URL(String(value), location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  function fileSize(bytes) {
    bytes = Number(bytes) || 0;
    return bytes >= 1024 * 1024 ? (bytes / (1024 * 1024)).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " kB";
  }

  // ---- attachments: customers' screenshots inline, PDFs as downloads ----------------------
  /** The gateway's own attachments (`/api/attachments/<id>`) are fetched with the agent's
   * token in the Authorization header (never in a URL) and shown from blob: URLs. */
  function isGatewayAttachment(src) {
    return typeof src === "string" && /^\/api\/attachments\/[A-Za-z0-9_-]+$/.test(src);
  }
  function fetchAttachment(src) {
    return fetch(config.serverUrl.replace(/\/+$/, "") + src, {
      headers: { Authorization: "Bearer " + (state.session && state.session.token) },
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status === 404 ? "The file no longer exists." : "The file could not be loaded (" + response.status + ").");
      return response.blob();
    });
  }
  function attachmentNode(att) {
    var p = att && att.payload;
    if (!p) return null;
    var src = p.src || p.url;
    var name = String(p.name || p.title || (att.type === "image" ? "Image" : "Attachment"));
    var label = name + (p.size ? " (" + fileSize(p.size) + ")" : "");
    if (!isGatewayAttachment(src)) {          // e.g. an image the bot sent by URL
      var url = safeUrl(src);
      if (!url) return null;
      return att.type === "image" ? h("img", { src: url, alt: name })
        : h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: name });
    }
    if (att.type === "image") {
      var img = h("img", { class: "att-image", alt: "Customer's image: " + name });
      var open = h("a", { class: "att-open", target: "_blank", rel: "noopener noreferrer", title: "Open full size" }, [img]);
      var figure = h("figure", { class: "att", "data-kind": "image" }, [open, h("figcaption", { class: "muted", text: label })]);
      fetchAttachment(src).then(function (blob) {
        var blobUrl = URL.createObjectURL(blob);
        img.src = blobUrl;
        open.href = blobUrl;
        figure.setAttribute("data-loaded", "true");
      }, function (error) {
        figure.replaceChild(h("p", { class: "muted", text: "Image not available: " + error.message }), open);
      });
      return figure;
    }
    var link = h("a", { class: "att-file", href: "#", "data-kind": "file", download: name,
      "aria-label": "Download " + label, onclick: function (event) {
        event.preventDefault();
        fetchAttachment(src).then(function (blob) {
          var blobUrl = URL.createObjectURL(blob);
          var save = h("a", { href: blobUrl, download: name, hidden: true });
          document.body.appendChild(save);
          save.click();
          document.body.removeChild(save);
          setTimeout(function () { URL.revokeObjectURL(blobUrl); }, 10000);
        }, function (error) { toast(error.message, true); });
      } }, [h("span", { class: "att-kind", text: p.content_type === "application/pdf" ? "PDF" : "File" }), label]);
    return h("div", { class: "att" }, [link]);
  }

  /** "low confidence 0.31 on 'can I pay with crypto'" and friends. */
  function reasonText(item) {
    var reason = item.reason || "";
    var text = REASONS[reason] || reason.replace(/_/g, " ") || "waiting";
    if (reason === "low_confidence" && typeof item.confidence === "number") {
      text += " " + item.confidence.toFixed(2);
    }
    if (item.text && reason !== "agent_transfer" && reason !== "agent_disconnected") {
      text += (reason === "low_confidence" ? " on " : ": ") + quote(item.text, 120);
    }
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function toast(message, bad) {
    var node = h("div", { class: "toast" + (bad ? " bad" : ""), text: message });
    $("toasts").appendChild(node);
    setTimeout(function () { if (node.parentNode) node.parentNode.removeChild(node); }, bad ? 6000 : 3500);
  }

  // ---- alerts: a beep and a flashing title on new handoffs ------------------------------
  var alerts = {
    audio: null, soundOn: true, flashing: null, count: 0,
    unlock: function () {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!this.audio && Ctx) { try { this.audio = new Ctx(); } catch (e) { this.audio = null; } }
      if (this.audio && this.audio.state === "suspended") this.audio.resume();
    },
    beep: function () {
      if (!this.soundOn || !this.audio) return;
      var ctx = this.audio, now = ctx.currentTime;
      [0, 0.18].forEach(function (offset, i) {
        var osc = ctx.createOscillator(), gain = ctx.createGain();
        osc.type = "sine";
        osc.frequency.value = i ? 1175 : 880;
        gain.gain.setValueAtTime(0.0001, now + offset);
        gain.gain.exponentialRampToValueAtTime(0.25, now + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.16);
        osc.connect(gain).connect(ctx.destination);
        osc.start(now + offset);
        osc.stop(now + offset + 0.17);
      });
    },
    notify: function (message) {
      this.count += 1;
      document.body.setAttribute("data-alerts", String(this.count)); // visible to tests
      this.beep();
      this.flash(message);
    },
    flash: function (message) {
      var self = this, on = false, rounds = 0;
      clearInterval(this.flashing);
      this.flashing = setInterval(function () {
        on = !on;
        rounds += 1;
        document.title = on ? "\u2709 " + message : titleWithCount();
        // Keep flashing while the tab is in the background; a few times when it is seen.
        if (rounds >= 6 && document.hasFocus() && document.visibilityState === "visible") self.stopFlash();
      }, 900);
    },
    stopFlash: function () {
      clearInterval(this.flashing);
      this.flashing = null;
      document.title = titleWithCount();
    },
  };
  function titleWithCount() {
    return (state.queue.length ? "(" + state.queue.length + ") " : "") + BASE_TITLE;
  }
  window.addEventListener("focus", function () { if (alerts.flashing) setTimeout(function () { alerts.stopFlash(); }, 2500); });

  // ---- state ------------------------------------------------------------------------------
  var state = {
    session: null,        // {token, name, username, role}
    socket: null,
    queue: [],            // items of the last `queue` event
    queueReceivedAt: 0,
    queueIds: null,       // ids seen so far (null before the first queue event)
    agents: [],
    chats: {},            // conversation_id -> Chat
    order: [],            // tab order
    active: null,
    faq: null,            // [{title, answer, source}]
    faqFromServer: false,
  };

  function loadSession() {
    try { return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null"); } catch (e) { return null; }
  }
  function saveSession(session) {
    try {
      if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
      else sessionStorage.removeItem(SESSION_KEY);
    } catch (e) { /* ignore */ }
  }

  // ---- sign in / out ------------------------------------------------------------------------
  function showLogin(message) {
    $("app-view").hidden = true;
    $("login-view").hidden = false;
    $("login-error").textContent = message || "";
    $("login-username").focus();
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    alerts.unlock(); // a user gesture: the browser lets us play sounds from now on
    var username = $("login-username").value.trim(), password = $("login-password").value;
    if (!username || !password) { $("login-error").textContent = "Enter your username and password."; return; }
    var button = event.target.querySelector("button");
    button.disabled = true;
    $("login-error").textContent = "";
    fetch(config.serverUrl + "/api/agents/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: username, password: password }),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok || !body.token) throw new Error(body.message || "Sign-in failed (" + response.status + ").");
        return body;
      });
    }).then(function (body) {
      $("login-password").value = "";
      var session = { token: body.token, name: body.name || username, username: body.username || username, role: body.role || "agent" };
      saveSession(session);
      start(session);
    }, function (error) {
      $("login-error").textContent = error.message === "Failed to fetch" ? "The server cannot be reached." : error.message;
    }).then(function () { button.disabled = false; });
  });

  $("sign-out").addEventListener("click", function () {
    // The server revokes the token at once (on every gateway process), whatever happens here.
    if (state.session) {
      fetch(config.serverUrl + "/api/agents/logout", {
        method: "POST", headers: { Authorization: "Bearer " + state.session.token },
      }).catch(function () { /* offline: the token still expires */ });
    }
    accounts.close();
    if (state.socket) state.socket.disconnect();
    state.socket = null;
    saveSession(null);
    Object.keys(state.chats).forEach(function (id) { removeChat(id); });
    state.queueIds = null;
    showLogin("You signed out.");
  });

  $("presence").addEventListener("change", function (event) {
    var status = event.target.value;
    emit("presence", { status: status }, function (reply) {
      toast(status === "available" ? "You're available for new chats." : "You're away; the queue still shows here.");
      if (!reply.ok) toast(reply.message || "Could not change your status.", true);
    });
  });

  $("sound-toggle").addEventListener("click", function (event) {
    alerts.soundOn = !alerts.soundOn;
    alerts.unlock();
    event.target.setAttribute("aria-pressed", String(alerts.soundOn));
    event.target.textContent = alerts.soundOn ? "Sound on" : "Sound off";
  });

  // ---- accounts (admins only; the server checks the role of every call) ---------------------------
  var accounts = {
    open: function () {
      $("accounts-view").hidden = false;
      $("accounts-error").textContent = "";
      accounts.load();
    },
    close: function () { $("accounts-view").hidden = true; },
    /** Call /api/admin/...; resolves with the JSON body, rejects with the server's message. */
    call: function (method, path, body) {
      var headers = { Authorization: "Bearer " + state.session.token };
      if (body) headers["Content-Type"] = "application/json";
      return fetch(config.serverUrl + "/api/admin" + path, {
        method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) throw new Error(answer.message || "Refused (" + response.status + ").");
          return answer;
        });
      });
    },
    load: function () {
      accounts.call("GET", "/agents").then(function (answer) {
        var rows = $("accounts-rows");
        clear(rows);
        (answer.agents || []).forEach(function (agent) { rows.appendChild(accounts.row(agent)); });
      }, accounts.failed);
    },
    change: function (username, changes, done) {
      accounts.call("PATCH", "/agents/" + encodeURIComponent(username), changes)
        .then(function () { toast(done); accounts.load(); }, accounts.failed);
    },
    row: function (agent) {
      var me = agent.username === state.session.username;
      var other = agent.role === "admin" ? "agent" : "admin";
      return h("tr", { "data-username": agent.username }, [
        h("td", { text: agent.username }),
        h("td", { text: agent.name }),
        h("td", { text: agent.role }),
        h("td", { text: agent.disabled ? "disabled" : "active" }),
        h("td", {}, [
          h("button", { type: "button", disabled: me, text: "Make " + other, onclick: function () {
            accounts.change(agent.username, { role: other }, agent.username + " is now " + other + ".");
          } }),
          h("button", { type: "button", disabled: me, text: agent.disabled ? "Enable" : "Disable", onclick: function () {
            accounts.change(agent.username, { disabled: !agent.disabled },
              agent.username + (agent.disabled ? " may sign in again." : " is signed out and may not sign in."));
          } }),
          h("button", { type: "button", text: "New password", onclick: function () {
            var password = window.prompt("New password for " + agent.username + " (at least 8 characters); it signs them out everywhere:");
            if (password) accounts.change(agent.username, { password: password }, agent.username + " has a new password.");
          } }),
          h("button", { type: "button", class: "danger", disabled: me, text: "Remove", onclick: function () {
            if (!window.confirm("Remove " + agent.username + "? They are signed out at once.")) return;
            accounts.call("DELETE", "/agents/" + encodeURIComponent(agent.username))
              .then(function () { toast(agent.username + " was removed."); accounts.load(); }, accounts.failed);
          } }),
        ]),
      ]);
    },
    failed: function (error) { $("accounts-error").textContent = error.message; },
  };
  $("accounts-open").addEventListener("click", accounts.open);
  $("accounts-close").addEventListener("click", accounts.close);
  $("account-add").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    accounts.call("POST", "/agents", {
      username: form.elements.username.value.trim(), name: form.elements.name.value.trim(),
      password: form.elements.password.value, role: form.elements.role.value,
    }).then(function (agent) {
      form.reset();
      $("accounts-error").textContent = "";
      toast(agent.username + " can sign in now.");
      accounts.load();
    }, accounts.failed);
  });

  // ---- connection -----------------------------------------------------------------------------
  function start(session) {
    state.session = session;
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("me-name").textContent = session.name;
    $("accounts-open").hidden = session.role !== "admin";
    setConnection("Connecting…", true);
    var socket = io(config.serverUrl + "/agents", {
      path: config.socketPath, auth: { token: session.token }, reconnectionDelayMax: 5000,
      transports: ["websocket", "polling"], tryAllTransports: true,
    });
    state.socket = socket;
    socket.on("connect", function () { setConnection("Connected", false); });
    socket.on("disconnect", function (reason) {
      setConnection(reason === "io client disconnect" ? "" : "Connection lost · reconnecting…", true);
    });
    socket.on("connect_error", function (error) {
      var data = error && error.data;
      if (data && data.code === "unauthorized") {
        socket.disconnect();
        saveSession(null);
        showLogin("Your session ended; please sign in again.");
        return;
      }
      setConnection("Cannot reach the server · retrying…", true);
    });
    socket.on("queue", function (data) { onQueue((data && data.items) || []); });
    socket.on("agents", function (data) { onAgents((data && data.agents) || []); });
    socket.on("chats", function (data) {
      ((data && data.items) || []).forEach(function (item) {
        openChat(item.conversation_id, item, item.transcript || [], false);
      });
    });
    socket.on("entry", function (data) {
      if (!data || !data.conversation_id) return;
      var chat = state.chats[data.conversation_id];
      if (chat) chat.add(data.entry, true);
      else reopenChat(data.conversation_id, data.entry);
    });
    socket.on("assigned", function (data) {
      if (!data || !data.conversation_id) return;
      openChat(data.conversation_id, data.conversation || {}, data.transcript || [], true);
      alerts.notify("Chat transferred to you");
      toast("A chat was transferred to you" + (data.from ? " by " + agentName(data.from) : "") + ".");
    });
    socket.on("taken", function (data) {
      var chat = data && state.chats[data.conversation_id];
      if (chat && data.by !== state.session.username) chat.takenBy(agentName(data.by));
    });
    socket.on("typing", function (data) {
      var chat = data && state.chats[data.conversation_id];
      if (chat) chat.customerTyping(!!data.typing);
    });
    socket.on("closed", function (data) {
      var chat = data && state.chats[data.conversation_id];
      if (chat) chat.ended(data.state);
    });
    socket.on("error", function (data) { if (data && data.message) console.warn("gateway:", data.code, data.message); });
    loadCanned();
  }

  function setConnection(text, down) {
    var node = $("connection");
    node.textContent = text;
    node.classList.toggle("down", !!down);
  }

  /** Emit with an ack; `done` always gets an object ({ok: false, ...} when offline/slow). */
  function emit(event, data, done) {
    var socket = state.socket;
    if (!socket || !socket.connected) {
      if (done) done({ ok: false, error: "offline", message: "You're offline; try again in a moment." });
      return;
    }
    socket.timeout(15000).emit(event, data, function (err, reply) {
      if (!done) return;
      if (err) done({ ok: false, error: "timeout", message: "The server did not answer; try again." });
      else done(reply || { ok: true });
    });
  }

  function agentName(username) {
    for (var i = 0; i < state.agents.length; i++) {
      if (state.agents[i].username === username) return state.agents[i].name || username;
    }
    return username;
  }

  // ---- queue ----------------------------------------------------------------------------------
  function onQueue(items) {
    var fresh = [];
    var known = state.queueIds || {};
    items.forEach(function (item) { if (!known[item.conversation_id]) fresh.push(item.conversation_id); });
    var first = state.queueIds === null;
    state.queueIds = {};
    items.forEach(function (item) { state.queueIds[item.conversation_id] = true; });
    state.queue = items;
    state.queueReceivedAt = Date.now();
    renderQueue(fresh);
    if (fresh.length && (!first || items.length)) {
      alerts.notify(fresh.length === 1 ? "New chat waiting" : fresh.length + " new chats waiting");
    }
    if (!alerts.flashing) document.title = titleWithCount();
  }

  function renderQueue(fresh) {
    var list = $("queue");
    clear(list);
    $("queue-count").textContent = String(state.queue.length);
    $("queue-count").classList.toggle("hot", state.queue.length > 0);
    $("queue-empty").hidden = state.queue.length > 0;
    state.queue.forEach(function (item) {
      var id = item.conversation_id;
      var wait = h("span", { class: "wait", "data-wait": String(item.wait_s || 0) });
      var meta = h("div", { class: "q-meta" }, [wait]);
      if (item.contact && item.contact.email) {
        meta.appendChild(document.createTextNode(" · left email " + item.contact.email));
      }
      var claim = h("button", { type: "button", class: "primary", "data-action": "claim", text: "Claim",
        "aria-label": "Claim chat: " + reasonText(item),
        onclick: function () { claimChat(id, claim); } });
      var peek = h("button", { type: "button", text: "Preview", "aria-label": "Preview transcript",
        onclick: function () { previewChat(id); } });
      list.appendChild(h("li", {
        class: "q-item" + (fresh.indexOf(id) >= 0 ? " fresh" : ""), "data-conversation": id,
      }, [
        h("div", { class: "q-reason", text: reasonText(item) }),
        item.last_message ? h("div", { class: "q-last", text: "Last message: " + quote(item.last_message, 140) }) : null,
        meta,
        h("div", { class: "q-actions" }, [claim, peek]),
      ]));
    });
    tickWaits();
  }

  function tickWaits() {
    var elapsed = (Date.now() - state.queueReceivedAt) / 1000;
    var nodes = document.querySelectorAll("#queue .wait");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = "waiting " + duration(Number(nodes[i].getAttribute("data-wait")) + elapsed);
    }
  }
  setInterval(tickWaits, 1000);

  function claimChat(id, button) {
    if (button) button.disabled = true;
    emit("claim", { conversation_id: id }, function (reply) {
      if (button) button.disabled = false;
      if (!reply.ok) {
        toast(reply.error === "taken" ? (reply.message || "Someone else took this chat.")
          : (reply.message || "Could not claim the chat."), true);
        return;
      }
      var chat = openChat(id, reply.conversation || {}, reply.transcript || [], true);
      chat.claimed();
      activate(id, true);
    });
  }

  function previewChat(id) {
    emit("transcript", { conversation_id: id }, function (reply) {
      if (!reply.ok) { toast(reply.message || "Could not load the transcript.", true); return; }
      openChat(id, reply.conversation || {}, reply.transcript || [], true);
    });
  }

  // ---- team ------------------------------------------------------------------------------------
  function onAgents(agents) {
    state.agents = agents;
    var list = $("team");
    clear(list);
    agents.forEach(function (agent) {
      var me = state.session && agent.username === state.session.username;
      if (me && (agent.status === "available" || agent.status === "away")) $("presence").value = agent.status;
      var load = agent.limit ? agent.open_chats + "/" + agent.limit : String(agent.open_chats || 0);
      list.appendChild(h("li", {}, [
        h("span", { class: "presence-dot " + agent.status, "aria-hidden": "true" }),
        h("span", { text: (agent.name || agent.username) + (me ? " (you)" : "") }),
        h("span", { class: "muted", text: agent.status + " · " + load + " chats" }),
      ]));
    });
    Object.keys(state.chats).forEach(function (id) { state.chats[id].renderTransferOptions(); });
  }

  // ---- chats -----------------------------------------------------------------------------------
  function openChat(id, conversation, transcript, focus) {
    var chat = state.chats[id];
    if (!chat) {
      chat = new Chat(id);
      state.chats[id] = chat;
      state.order.push(id);
    }
    chat.update(conversation);
    (transcript || []).forEach(function (entry) { chat.add(entry, false); });
    if (focus || !state.active) activate(id, focus);
    return chat;
  }

  /** An entry for a chat of ours with no tab (another console of ours claimed it): open its
   * tab, counted unread and with a sound, so a customer never writes to nobody. */
  function reopenChat(id, entry) {
    emit("transcript", { conversation_id: id }, function (reply) {
      if (!reply || !reply.ok || state.chats[id]) return;
      var chat = openChat(id, reply.conversation, reply.transcript, false);
      if (state.active !== id) chat.markUnread();
      if (entry && entry.role === "customer") alerts.notify("New message");
    });
  }

  /** The "Close tab" button: a chat we hold stays open until it is transferred or resolved. */
  function closeTab(id) {
    var chat = state.chats[id];
    if (chat && chat.isHeld && !chat.endedState) {
      toast("Transfer or resolve this chat first: the customer is waiting for you.", true);
      return;
    }
    removeChat(id);
  }

  function removeChat(id) {
    var chat = state.chats[id];
    if (!chat) return;
    chat.tab.parentNode.removeChild(chat.tab);
    chat.panel.parentNode.removeChild(chat.panel);
    delete state.chats[id];
    var index = state.order.indexOf(id);
    state.order.splice(index, 1);
    if (state.active === id) {
      state.active = null;
      var next = state.order[Math.min(index, state.order.length - 1)];
      if (next) activate(next, true);
    }
    $("no-chat").hidden = state.order.length > 0;
  }

  function activate(id, focus) {
    state.active = id;
    Object.keys(state.chats).forEach(function (key) {
      var chat = state.chats[key], on = key === id;
      chat.tab.setAttribute("aria-selected", String(on));
      chat.tab.tabIndex = on ? 0 : -1;
      var wasHidden = chat.panel.hidden;
      chat.panel.hidden = !on;
      if (on) chat.seen();
      // A hidden panel cannot scroll; show the newest entries when it appears.
      if (on && wasHidden) chat.log.scrollTop = chat.log.scrollHeight;
    });
    $("no-chat").hidden = true;
    if (focus) state.chats[id].focus();
  }

  $("tabs").addEventListener("keydown", function (event) {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    var index = state.order.indexOf(state.active);
    if (index < 0) return;
    var next = state.order[(index + (event.key === "ArrowRight" ? 1 : -1) + state.order.length) % state.order.length];
    activate(next, false);
    state.chats[next].tab.focus();
  });

  function Chat(id) {
    var self = this;
    this.id = id;
    this.conversation = {};
    this.seenIds = {};
    this.unread = 0;
    this.mode = "reply";
    this.isHeld = false;

    this.tabLabel = h("span", { class: "label" });
    this.tabUnread = h("span", { class: "unread", hidden: true });
    this.tab = h("button", { type: "button", class: "tab", role: "tab", id: "tab-" + id,
      "aria-controls": "panel-" + id, "aria-selected": "false", "data-conversation": id,
      onclick: function () { activate(id, true); } }, [this.tabLabel, this.tabUnread]);
    $("tabs").appendChild(this.tab);

    this.who = h("span", { class: "who" });
    this.why = h("span", { class: "why" });
    this.transferSelect = h("select", { "aria-label": "Transfer to" });
    this.transferButton = h("button", { type: "button", text: "Transfer", "data-action": "transfer",
      onclick: function () { self.transfer(); } });
    this.resolveButton = h("button", { type: "button", class: "primary", text: "Resolve", "data-action": "resolve",
      onclick: function () { self.resolve(); } });
    this.claimButton = h("button", { type: "button", class: "primary", text: "Claim", "data-action": "claim",
      onclick: function () { claimChat(id, self.claimButton); } });
    this.closeTabButton = h("button", { type: "button", text: "Close tab", "aria-label": "Close this tab",
      onclick: function () { closeTab(id); } });
    this.banner = h("div", { class: "banner", hidden: true, role: "status" });
    this.log = h("div", { class: "transcript", role: "log", "aria-live": "polite", "aria-label": "Transcript", tabindex: "0" });
    this.typingLine = h("div", { class: "typing-line", "aria-live": "polite" });

    this.replyMode = h("button", { type: "button", "aria-pressed": "true", text: "Reply to customer",
      onclick: function () { self.setMode("reply", true); } });
    this.noteMode = h("button", { type: "button", "aria-pressed": "false", text: "Internal note",
      onclick: function () { self.setMode("note", true); } });
    this.input = h("textarea", { "aria-label": "Reply to the customer", placeholder: "Write a reply… (Enter sends, Shift+Enter for a new line)", maxlength: "2000" });
    this.sendButton = h("button", { type: "submit", class: "primary", text: "Send" });
    this.composer = h("form", { class: "composer", onsubmit: function (event) { event.preventDefault(); self.send(); } }, [
      h("div", { class: "modes", role: "group", "aria-label": "Message kind" }, [this.replyMode, this.noteMode]),
      h("div", { class: "compose-row" }, [this.input, this.sendButton]),
    ]);
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); self.send(); }
    });
    this.input.addEventListener("input", function () { self.onInput(); });

    this.cannedSearch = h("input", { type: "search", placeholder: "Search FAQ answers…", "aria-label": "Search canned answers" });
    this.cannedList = h("ul", { "aria-label": "Canned answers" });
    this.cannedSource = h("p", { class: "source muted" });
    this.cannedSearch.addEventListener("input", function () { self.renderCanned(); });

    this.panel = h("section", { class: "chat", role: "tabpanel", id: "panel-" + id, "aria-labelledby": "tab-" + id, hidden: true,
      "data-conversation": id }, [
      h("div", { class: "chat-head" }, [
        this.who, this.why,
        h("div", { class: "chat-actions" }, [this.claimButton, this.transferSelect, this.transferButton,
          this.resolveButton, this.closeTabButton]),
      ]),
      this.banner,
      h("div", { class: "chat-body" }, [
        h("div", { style: "flex:1;display:flex;flex-direction:column;min-width:0" }, [this.log, this.typingLine, this.composer]),
        h("aside", { class: "canned", "aria-label": "Canned answers" }, [
          h("h3", { text: "Canned answers" }), this.cannedSearch, this.cannedList, this.cannedSource]),
      ]),
    ]);
    $("panels").appendChild(this.panel);
    this.renderTransferOptions();
    this.renderCanned();
  }

  Chat.prototype.update = function (conversation) {
    this.conversation = Object.assign({}, this.conversation, conversation || {});
    var c = this.conversation;
    this.isHeld = c.state === "with_agent" && c.agent === state.session.username;
    var label = c.contact && c.contact.email ? c.contact.email : "Customer " + this.id.slice(0, 6);
    this.tabLabel.textContent = label;
    this.who.textContent = label;
    this.why.textContent = c.reason ? reasonText(c) : (c.state ? "state: " + c.state.replace("_", " ") : "");
    this.refreshControls();
  };

  Chat.prototype.refreshControls = function () {
    var held = this.isHeld && !this.endedState;
    this.claimButton.hidden = held || this.conversation.state !== "queued" || !!this.endedState;
    this.transferSelect.hidden = this.transferButton.hidden = this.resolveButton.hidden = !held;
    this.closeTabButton.hidden = held;
    this.replyMode.disabled = !held;
    if (!held && this.mode === "reply") this.setMode("note");
    if (held && !this.modeChosen) this.setMode("reply");
    this.tab.classList.toggle("ended", !!this.endedState);
  };

  Chat.prototype.claimed = function () {
    this.update({ state: "with_agent", agent: state.session.username });
    this.endedState = null;
    this.banner.hidden = true;
  };

  Chat.prototype.takenBy = function (name) {
    this.update({ state: "with_agent", agent: null });
    this.banner.className = "banner";
    this.banner.textContent = name + " claimed this chat.";
    this.banner.hidden = false;
  };

  Chat.prototype.ended = function (how) {
    this.endedState = how || "closed";
    this.isHeld = false;
    this.customerTyping(false);
    var text = how === "resolved" ? "Resolved. The assistant is back with the customer; they were asked to rate the chat."
      : how === "transferred" ? "Transferred. This chat is no longer yours."
      : how === "requeued" ? "Back in the queue." : "This chat is " + (how || "closed") + ".";
    this.banner.className = "banner ended";
    this.banner.textContent = text;
    this.banner.hidden = false;
    this.refreshControls();
  };

  /** One transcript entry; entries already shown (same id) are ignored. */
  Chat.prototype.add = function (entry, live) {
    if (!entry || (entry.id && this.seenIds[entry.id])) return;
    if (entry.id) this.seenIds[entry.id] = true;
    var role = ROLE_LABELS[entry.role] ? entry.role : "system";
    var head = h("div", { class: "e-head" });
    var label = ROLE_LABELS[role];
    if ((role === "agent" || role === "note") && entry.name) label += " · " + entry.name;
    head.appendChild(h("span", { class: "e-role", text: label }));
    head.appendChild(h("time", { text: clock(entry.ts) }));
    if (role === "bot" && typeof entry.faq_confidence === "number") {
      head.appendChild(h("span", { class: "conf" + (entry.faq_confidence < 0.5 ? " low" : ""),
        text: "confidence " + entry.faq_confidence.toFixed(2) + (entry.faq_id ? " · " + entry.faq_id : "") }));
    }
    if (role === "system" && entry.event) {
      var detail = entry.event;
      if (entry.reason) detail += " · " + (REASONS[entry.reason] || entry.reason);
      if (typeof entry.confidence === "number") detail += " " + entry.confidence.toFixed(2);
      if (typeof entry.score === "number") detail += " · " + entry.score + "/5";
      head.appendChild(h("span", { class: "conf" + (entry.reason === "low_confidence" ? " low" : ""), text: detail }));
    }
    if (role === "customer") {
      // Where the customer wrote from: the chat, or an email reply (docs/email.md).
      head.appendChild(h("span", { class: "conf channel" + (entry.channel === "email" ? " low" : ""),
        text: entry.channel === "email" ? "by email" : "in chat" }));
    }
    if (entry.late) head.appendChild(h("span", { class: "muted", text: "(arrived after the handoff; not shown to the customer)" }));
    var body = h("div", { class: "e-text" });
    var text = entry.text || (entry.custom && typeof entry.custom.text === "string" ? entry.custom.text : "");
    if (role === "system" && !text && entry.trigger) text = "on " + quote(entry.trigger);
    if (entry.event === "email_sent") text = "Emailed to " + entry.to + ": " + entry.summary + ".";
    if (entry.event === "email_failed") text = "Email to " + entry.to + " failed: " + entry.summary;
    if (text) body.appendChild(document.createTextNode(String(text)));
    var attachment = attachmentNode(entry.attachment);
    if (attachment) body.appendChild(attachment);
    if (entry.quick_replies && entry.quick_replies.length) {
      body.appendChild(h("div", { class: "muted", text: "Buttons: " + entry.quick_replies.map(function (r) { return r.title; }).join(" | ") }));
    }
    var node = h("div", { class: "e " + role + (entry.late ? " late" : ""), "data-role": role, "data-id": entry.id || null }, [head, body]);
    var nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    this.log.appendChild(node);
    if (nearBottom || !live) this.log.scrollTop = this.log.scrollHeight;
    if (role === "customer") this.customerTyping(false);
    if (role === "bot" && entry.faq_id && entry.text) harvestCanned(entry);
    if (live && role !== "note" && state.active !== this.id) this.markUnread();
    if (live && role === "customer" && (document.visibilityState === "hidden" || !document.hasFocus())) {
      alerts.beep();
    }
  };

  Chat.prototype.markUnread = function () {
    this.unread += 1;
    this.tabUnread.textContent = String(this.unread);
    this.tabUnread.hidden = false;
  };

  Chat.prototype.seen = function () {
    this.unread = 0;
    this.tabUnread.hidden = true;
  };

  Chat.prototype.focus = function () {
    if (!this.input.disabled) this.input.focus();
  };

  Chat.prototype.setMode = function (mode, chosen) {
    this.mode = mode;
    if (chosen) this.modeChosen = true;
    this.replyMode.setAttribute("aria-pressed", String(mode === "reply"));
    this.noteMode.setAttribute("aria-pressed", String(mode === "note"));
    this.composer.classList.toggle("note-mode", mode === "note");
    this.input.setAttribute("aria-label", mode === "note" ? "Internal note (agents only)" : "Reply to the customer");
    this.input.placeholder = mode === "note" ? "Internal note, only agents see it…" : "Write a reply… (Enter sends, Shift+Enter for a new line)";
    this.sendButton.textContent = mode === "note" ? "Add note" : "Send";
  };

  Chat.prototype.onInput = function () {
    var self = this;
    if (this.mode !== "reply" || !this.isHeld) return;
    if (!this.typingSent) {
      this.typingSent = true;
      emit("typing", { conversation_id: this.id, typing: true });
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.stopTyping(); }, 2500);
  };

  Chat.prototype.stopTyping = function () {
    clearTimeout(this.typingTimer);
    if (this.typingSent) emit("typing", { conversation_id: this.id, typing: false });
    this.typingSent = false;
  };

  Chat.prototype.customerTyping = function (typing) {
    var self = this;
    this.typingLine.textContent = typing ? "Customer is typing…" : "";
    clearTimeout(this.customerTypingTimer);
    if (typing) this.customerTypingTimer = setTimeout(function () { self.typingLine.textContent = ""; }, 15000);
  };

  Chat.prototype.send = function () {
    var self = this, text = this.input.value.trim();
    if (!text) return;
    var event = this.mode === "note" ? "note" : "message";
    this.sendButton.disabled = true;
    this.stopTyping();
    emit(event, { conversation_id: this.id, text: text }, function (reply) {
      self.sendButton.disabled = false;
      if (!reply.ok) { toast(reply.message || "Not sent.", true); return; }
      if (self.input.value.trim() === text) self.input.value = "";
      if (reply.entry) self.add(reply.entry, false);
      self.input.focus();
    });
  };

  Chat.prototype.transfer = function () {
    var self = this, to = this.transferSelect.value || null;
    var label = this.transferSelect.options[this.transferSelect.selectedIndex].text;
    emit("transfer", { conversation_id: this.id, to: to }, function (reply) {
      if (!reply.ok) { toast(reply.message || "Could not transfer.", true); return; }
      toast("Transferred: " + label + ".");
      self.ended(to ? "transferred" : "requeued");
    });
  };

  Chat.prototype.resolve = function () {
    var self = this;
    this.resolveButton.disabled = true;
    emit("resolve", { conversation_id: this.id }, function (reply) {
      self.resolveButton.disabled = false;
      if (!reply.ok) { toast(reply.message || "Could not resolve.", true); return; }
      self.ended("resolved");
    });
  };

  Chat.prototype.renderTransferOptions = function () {
    var select = this.transferSelect, previous = select.value;
    clear(select);
    select.appendChild(h("option", { value: "", text: "Back to the queue" }));
    state.agents.forEach(function (agent) {
      if (state.session && agent.username === state.session.username) return;
      if (agent.status === "offline") return;
      select.appendChild(h("option", { value: agent.username,
        text: (agent.name || agent.username) + " (" + agent.status + ")" }));
    });
    select.value = previous;
    if (select.value !== previous) select.value = "";
  };

  // ---- canned answers ----------------------------------------------------------------------------
  /** A few built-in phrases plus the FAQ answers from GET /api/faq-answers (the agent's token
   * in the Authorization header). Should that fail, the FAQ answers the bot gave in the
   * transcripts seen here are collected instead. */
  function loadCanned() {
    if (state.faq) return;
    state.faq = BUILT_IN_CANNED.map(function (item) { return Object.assign({ source: "built-in" }, item); });
    fetch(config.serverUrl + "/api/faq-answers", { headers: { Authorization: "Bearer " + state.session.token } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        var items = Array.isArray(data) ? data : data.answers || data.items || [];
        items.forEach(function (item) {
          if (!item || !item.answer) return;
          state.faq.push({ title: item.title || item.question || item.id || "FAQ", answer: String(item.answer),
            id: item.id, source: "faq" });
        });
        state.faqFromServer = true;
        refreshCanned();
      })
      .catch(function () { state.faqFromServer = false; refreshCanned(); });
  }

  function harvestCanned(entry) {
    if (!state.faq || state.faqFromServer) return;
    for (var i = 0; i < state.faq.length; i++) if (state.faq[i].id === entry.faq_id) return;
    state.faq.push({ id: entry.faq_id, title: entry.faq_id.replace(/_/g, " "), answer: String(entry.text), source: "transcript" });
    refreshCanned();
  }

  function refreshCanned() {
    Object.keys(state.chats).forEach(function (id) { state.chats[id].renderCanned(); });
  }

  Chat.prototype.renderCanned = function () {
    var self = this, query = this.cannedSearch.value.trim().toLowerCase();
    var words = query.split(/\s+/).filter(Boolean);
    var matches = (state.faq || []).filter(function (item) {
      var hay = (item.title + " " + item.answer + " " + (item.id || "")).toLowerCase();
      return words.every(function (word) { return hay.indexOf(word) >= 0; });
    }).slice(0, 12);
    clear(this.cannedList);
    matches.forEach(function (item) {
      self.cannedList.appendChild(h("li", {}, [h("button", { type: "button", title: "Insert into the reply",
        onclick: function () {
          self.input.value = self.input.value ? self.input.value.replace(/\s*$/, " ") + item.answer : item.answer;
          self.input.focus();
        } }, [h("span", { class: "c-title", text: item.title }), h("span", { class: "c-text", text: item.answer })])]));
    });
    if (!matches.length) this.cannedList.appendChild(h("li", { class: "muted", text: "No answer matches." }));
    this.cannedSource.textContent = state.faqFromServer ? "From the FAQ."
      : "FAQ answers appear here as the bot uses them in chats.";
  };

  // ---- start --------------------------------------------------------------------------------------
  document.addEventListener("click", function () { alerts.unlock(); }, { once: true });
  var saved = loadSession();
  if (saved && saved.token) start(saved); else showLogin();
})();
