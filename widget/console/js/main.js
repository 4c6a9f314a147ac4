/* Agent console: sign in, presence, the live queue, several chats at once, the inbox.
 *
 * Talks to the gateway's "/agents" Socket.IO namespace and its agent HTTP API
 * (docs/protocol.md). Plain JS modules, no framework; every piece of text from customers,
 * the bot or agents goes in with textContent, never as HTML. Each module has one job:
 *   state.js      configuration, the signed-in agent, queue, team and open chats
 *   socket.js     the Socket.IO connection: gateway events to the modules below
 *   signin.js     sign in/out, status and sound in the top bar
 *   queue.js      the waiting customers; claim and preview
 *   team.js       the team list
 *   chats.js      the chat tabs: open, switch, close
 *   chat.js       one chat: header, transcript, composer, actions
 *   transcript.js one transcript entry; attachments.js its files
 *   context.js    who the customer is, their earlier conversations
 *   canned.js     canned answers ranked by meaning, "/" in the reply box
 *   inbox.js      past conversations: search and filters; readonly.js shows one
 *   alerts.js     sound, title counts, desktop notifications
 *   accounts.js   agent accounts (admins)
 */
import { loadSession } from "./state.js";
import { initAlerts } from "./alerts.js";
import { initAccounts } from "./accounts.js";
import { initQueue } from "./queue.js";
import { initTabs } from "./chats.js";
import { initHistory } from "./context.js";
import { initInbox } from "./inbox.js";
import { initSignIn, showLogin, start } from "./signin.js";

initAlerts();
initSignIn();
initAccounts();
initQueue();
initTabs();
initHistory();
initInbox();
const saved = loadSession();
if (saved && saved.token) start(saved); else showLogin();
