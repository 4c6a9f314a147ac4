/* What the console knows: its configuration, the signed-in agent, the queue, the team and
 * the open chats. One shared object, so each module reads the same truth. */

export const config = Object.assign({ serverUrl: location.origin, socketPath: "/socket.io" },
  window.consoleConfig || {});

export const state = {
  session: null,        // {token, name, username, role}
  socket: null,
  queue: [],            // items of the last `queue` event
  queueReceivedAt: 0,
  queueIds: null,       // ids seen so far (null before the first queue event)
  agents: [],
  chats: {},            // conversation_id -> Chat
  order: [],            // tab order
  active: null,
};

const SESSION_KEY = "agent_session";

export function loadSession() {
  try { return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null"); } catch (e) { return null; }
}

export function saveSession(session) {
  try {
    if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(SESSION_KEY);
  } catch (e) { /* ignore */ }
}

/** GET/POST the gateway's HTTP API with the agent's token in the Authorization header. */
export function authorized(path, init) {
  const headers = Object.assign({ Authorization: "Bearer " + (state.session && state.session.token) },
    (init && init.headers) || {});
  return fetch(config.serverUrl.replace(/\/+$/, "") + path, Object.assign({}, init || {}, { headers }));
}

export function agentName(username) {
  const agent = state.agents.find((a) => a.username === username);
  return agent ? agent.name || username : username;
}

/** authorized(), resolving with the response only when the gateway accepted the call, and
 * rejecting with its refusal as a sentence to show. */
export function checkedFetch(path, init) {
  return authorized(path, init).then((response) => {
    if (response.ok) return response;
    return response.json().catch(() => ({})).then((answer) => {
      if (response.status === 401) throw new Error("Your session has ended: sign in to the console again.");
      throw new Error(answer.message || "Refused (" + response.status + ").");
    });
  });
}
