/* Agent accounts (admins only; the server checks the role of every call). */
import { $, h, clear, toast } from "./dom.js";
import { state, authorized } from "./state.js";

export const accounts = {
  open() {
    $("accounts-view").hidden = false;
    $("accounts-error").textContent = "";
    accounts.load();
  },
  close() { $("accounts-view").hidden = true; },
  /** Call /api/admin/...; resolves with the JSON body, rejects with the server's message. */
  call(method, path, body) {
    const headers = body ? { "Content-Type": "application/json" } : {};
    return authorized("/api/admin" + path, {
      method, headers, body: body ? JSON.stringify(body) : undefined,
    }).then((response) => response.json().catch(() => ({})).then((answer) => {
      if (!response.ok) throw new Error(answer.message || "Refused (" + response.status + ").");
      return answer;
    }));
  },
  load() {
    accounts.call("GET", "/agents").then((answer) => {
      const rows = $("accounts-rows");
      clear(rows);
      (answer.agents || []).forEach((agent) => rows.appendChild(accounts.row(agent)));
    }, accounts.failed);
  },
  change(username, changes, done) {
    accounts.call("PATCH", "/agents/" + encodeURIComponent(username), changes)
      .then(() => { toast(done); accounts.load(); }, accounts.failed);
  },
  row(agent) {
    const me = agent.username === state.session.username;
    const other = agent.role === "admin" ? "agent" : "admin";
    return h("tr", { "data-username": agent.username }, [
      h("td", { text: agent.username }),
      h("td", { text: agent.name }),
      h("td", { text: agent.role }),
      h("td", { text: agent.disabled ? "disabled" : "active" }),
      h("td", {}, [
        h("button", { type: "button", disabled: me, text: "Make " + other, onclick: () => {
          accounts.change(agent.username, { role: other }, agent.username + " is now " + other + ".");
        } }),
        h("button", { type: "button", disabled: me, text: agent.disabled ? "Enable" : "Disable", onclick: () => {
          accounts.change(agent.username, { disabled: !agent.disabled },
            agent.username + (agent.disabled ? " may sign in again." : " is signed out and may not sign in."));
        } }),
        h("button", { type: "button", text: "New password", onclick: () => {
          const password = window.prompt("New password for " + agent.username + " (at least 8 characters); it signs them out everywhere:");
          if (password) accounts.change(agent.username, { password }, agent.username + " has a new password.");
        } }),
        h("button", { type: "button", class: "danger", disabled: me, text: "Remove", onclick: () => {
          if (!window.confirm("Remove " + agent.username + "? They are signed out at once.")) return;
          accounts.call("DELETE", "/agents/" + encodeURIComponent(agent.username))
            .then(() => { toast(agent.username + " was removed."); accounts.load(); }, accounts.failed);
        } }),
      ]),
    ]);
  },
  failed(error) { $("accounts-error").textContent = error.message; },
};

function addAgent(event) {
  event.preventDefault();
  const form = event.target;
  accounts.call("POST", "/agents", {
    username: form.elements.username.value.trim(), name: form.elements.name.value.trim(),
    password: form.elements.password.value, role: form.elements.role.value,
  }).then((agent) => {
    form.reset();
    $("accounts-error").textContent = "";
    toast(agent.username + " can sign in now.");
    accounts.load();
  }, accounts.failed);
}

export function initAccounts() {
  $("accounts-open").addEventListener("click", accounts.open);
  $("accounts-close").addEventListener("click", accounts.close);
  $("account-add").addEventListener("submit", addAgent);
}
