/* The connection to the gateway's "/agents" Socket.IO namespace (docs/protocol.md): each
 * event the gateway sends is handed to the module whose job it is. */
import { $, toast } from "./dom.js";
import { state, config, saveSession, agentName } from "./state.js";
import { alerts } from "./alerts.js";
import { onQueue } from "./queue.js";
import { onAgents } from "./team.js";
import { openChat, reopenChat } from "./chats.js";
import { showLogin } from "./signin.js";

// The whole view (queue, team, held chats) is asked for again every RESYNC_S seconds and
// when the page is shown again: an announcement lost on its way (a gateway that died
// between a transfer and telling us) is made good within that time. 0 turns it off.
const RESYNC_S = Number(config.resyncSeconds ?? 30);
let resyncTimer = null;
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") resync();
});

export function connect(session) {
  setConnection("Connecting…", true);
  const socket = io(config.serverUrl + "/agents", {
    path: config.socketPath, auth: { token: session.token }, reconnectionDelayMax: 5000,
    transports: ["websocket", "polling"], tryAllTransports: true,
  });
  state.socket = socket;
  clearInterval(resyncTimer);
  if (RESYNC_S > 0) resyncTimer = setInterval(resync, RESYNC_S * 1000);
  socket.on("connect", () => setConnection("Connected", false));
  socket.on("disconnect", (reason) => {
    setConnection(reason === "io client disconnect" ? "" : "Connection lost · reconnecting…", true);
  });
  socket.on("connect_error", (error) => {
    const data = error && error.data;
    if (data && data.code === "unauthorized") {
      socket.disconnect();
      saveSession(null);
      showLogin("Your session ended; please sign in again.");
      return;
    }
    setConnection("Cannot reach the server · retrying…", true);
  });
  socket.on("queue", (data) => onQueue((data && data.items) || []));
  socket.on("agents", (data) => onAgents((data && data.agents) || []));
  socket.on("chats", (data) => onChats((data && data.items) || [], false));
  socket.on("entry", (data) => {
    if (!data || !data.conversation_id) return;
    const chat = state.chats[data.conversation_id];
    if (chat) chat.add(data.entry, true);
    else reopenChat(data.conversation_id, data.entry);
  });
  socket.on("assigned", (data) => {
    if (!data || !data.conversation_id) return;
    openChat(data.conversation_id, data.conversation || {}, data.transcript || [], true);
    alerts.notify("Chat transferred to you");
    toast("A chat was transferred to you" + (data.from ? " by " + agentName(data.from) : "") + ".");
  });
  socket.on("taken", (data) => {
    const chat = data && state.chats[data.conversation_id];
    if (chat && data.by !== state.session.username) chat.takenBy(agentName(data.by));
  });
  socket.on("typing", (data) => {
    const chat = data && state.chats[data.conversation_id];
    if (chat) chat.customerTyping(!!data.typing);
  });
  socket.on("rated", (data) => {
    if (!data || !data.entry) return;
    const chat = state.chats[data.conversation_id];
    if (chat) chat.add(data.entry, true);
    const comment = data.entry.comment ? ": \u201c" + data.entry.comment + "\u201d" : ".";
    toast("A customer rated your chat " + data.entry.score + "/5" + comment);
  });
  socket.on("closed", (data) => {
    const chat = data && state.chats[data.conversation_id];
    if (chat) chat.ended(data.state);
  });
  socket.on("error", (data) => { if (data && data.message) console.warn("gateway:", data.code, data.message); });
}

export function disconnect() {
  clearInterval(resyncTimer);
  if (state.socket) state.socket.disconnect();
  state.socket = null;
}

/** The chats we hold, as the gateway lists them; `announce` the ones new to us. */
function onChats(items, announce) {
  items.forEach((item) => {
    const fresh = !state.chats[item.conversation_id];
    const chat = openChat(item.conversation_id, item, item.transcript || [], false);
    if (fresh && announce) {
      if (state.active !== item.conversation_id) chat.markUnread();
      alerts.notify("Chat assigned to you");
      toast("A chat was assigned to you.");
    }
  });
}

function resync() {
  if (!state.socket || !state.socket.connected) return;
  emit("sync", {}, (reply) => {
    if (!reply || !reply.ok) return;
    onQueue((reply.queue && reply.queue.items) || []);
    onAgents((reply.agents && reply.agents.agents) || []);
    onChats((reply.chats && reply.chats.items) || [], true);
  });
}

function setConnection(text, down) {
  const node = $("connection");
  node.textContent = text;
  node.classList.toggle("down", !!down);
}

/** Emit with an ack; `done` always gets an object ({ok: false, ...} when offline/slow). */
export function emit(event, data, done) {
  const socket = state.socket;
  if (!socket || !socket.connected) {
    if (done) done({ ok: false, error: "offline", message: "You're offline; try again in a moment." });
    return;
  }
  socket.timeout(15000).emit(event, data, (err, reply) => {
    if (!done) return;
    if (err) done({ ok: false, error: "timeout", message: "The server did not answer; try again." });
    else done(reply || { ok: true });
  });
}
