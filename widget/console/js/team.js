/* The team list: who is available, away or offline, and how many chats each holds. */
import { $, h, clear } from "./dom.js";
import { state } from "./state.js";

export function onAgents(agents) {
  state.agents = agents;
  const list = $("team");
  clear(list);
  agents.forEach((agent) => {
    const me = state.session && agent.username === state.session.username;
    if (me && (agent.status === "available" || agent.status === "away")) $("presence").value = agent.status;
    const load = agent.limit ? agent.open_chats + "/" + agent.limit : String(agent.open_chats || 0);
    list.appendChild(h("li", {}, [
      h("span", { class: "presence-dot " + agent.status, "aria-hidden": "true" }),
      h("span", { text: (agent.name || agent.username) + (me ? " (you)" : "") }),
      h("span", { class: "muted", text: agent.status + " · " + load + " chats" }),
    ]));
  });
  Object.keys(state.chats).forEach((id) => state.chats[id].renderTransferOptions());
}
