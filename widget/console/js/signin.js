/* Signing in and out, and the agent's own controls in the top bar (status, sound). */
import { $, toast } from "./dom.js";
import { state, config, saveSession } from "./state.js";
import { alerts } from "./alerts.js";
import { accounts } from "./accounts.js";
import { connect, disconnect, emit } from "./socket.js";
import { removeChat } from "./chats.js";
import { loadCanned } from "./canned.js";

export function showLogin(message) {
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
  $("login-username").focus();
}

/** Show the console for a signed-in agent and connect. */
export function start(session) {
  state.session = session;
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("me-name").textContent = session.name;
  $("accounts-open").hidden = session.role !== "admin";
  $("insights-open").hidden = session.role !== "admin";
  $("console-title").focus(); // keyboard and screen reader users start in the console
  connect(session);
  loadCanned();
}

function signIn(event) {
  event.preventDefault();
  alerts.unlock(); // a user gesture: the browser lets us play sounds from now on
  const username = $("login-username").value.trim(), password = $("login-password").value;
  if (!username || !password) { $("login-error").textContent = "Enter your username and password."; return; }
  const button = event.target.querySelector("button");
  button.disabled = true;
  $("login-error").textContent = "";
  fetch(config.serverUrl + "/api/agents/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  }).then((response) => response.json().catch(() => ({})).then((body) => {
    if (!response.ok || !body.token) throw new Error(body.message || "Sign-in failed (" + response.status + ").");
    return body;
  })).then((body) => {
    $("login-password").value = "";
    const session = { token: body.token, name: body.name || username, username: body.username || username,
      role: body.role || "agent", maxMessageChars: body.max_message_chars };
    saveSession(session);
    start(session);
  }, (error) => {
    $("login-error").textContent = error.message === "Failed to fetch" ? "The server cannot be reached." : error.message;
  }).then(() => { button.disabled = false; });
}

function signOut() {
  // The server revokes the token at once (on every gateway process), whatever happens here.
  if (state.session) {
    fetch(config.serverUrl + "/api/agents/logout", {
      method: "POST", headers: { Authorization: "Bearer " + state.session.token },
    }).catch(() => { /* offline: the token still expires */ });
  }
  accounts.close();
  disconnect();
  saveSession(null);
  Object.keys(state.chats).forEach((id) => removeChat(id));
  state.queueIds = null;
  showLogin("You signed out.");
}

function changePresence(event) {
  const status = event.target.value;
  emit("presence", { status }, (reply) => {
    toast(status === "available" ? "You're available for new chats." : "You're away; the queue still shows here.");
    if (!reply.ok) toast(reply.message || "Could not change your status.", true);
  });
}

function toggleSound(event) {
  alerts.soundOn = !alerts.soundOn;
  alerts.unlock();
  event.target.setAttribute("aria-pressed", String(alerts.soundOn));
  event.target.textContent = alerts.soundOn ? "Sound on" : "Sound off";
}

export function initSignIn() {
  $("login-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("presence").addEventListener("change", changePresence);
  $("sound-toggle").addEventListener("click", toggleSound);
}
