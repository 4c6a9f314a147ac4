/* Agent console: sign in, presence, the live queue, several chats at once.
 *
 * Talks to the gateway's "/agents" Socket.IO namespace (docs/protocol.md). Plain JS modules,
 * no framework; every piece of text from customers, the bot or agents goes in with
 * textContent, never as HTML. Each module has one job:
 *   state.js     configuration, the signed-in agent, queue, team and open chats
 *   socket.js    the Socket.IO connection: gateway events to the modules below
 *   signin.js    sign in/out, status and sound in the top bar
 *   queue.js     the waiting customers; claim and preview
 *   team.js      the team list
 *   chats.js     the chat tabs: open, switch, close
 *   chat.js      one chat: header, transcript, composer, actions
 *   transcript.js one transcript entry; attachments.js its files
 *   canned.js    canned answers
 *   alerts.js    sound and title alerts
 *   accounts.js  agent accounts (admins)
 */
import { loadSession } from "./state.js";
import { initAlerts } from "./alerts.js";
import { initAccounts } from "./accounts.js";
import { initQueue } from "./queue.js";
import { initTabs } from "./chats.js";
import { initSignIn, showLogin, start } from "./signin.js";

initAlerts();
initSignIn();
initAccounts();
initQueue();
initTabs();
const saved = loadSession();
if (saved && saved.token) start(saved); else showLogin();
