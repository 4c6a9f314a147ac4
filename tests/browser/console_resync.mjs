// A transfer whose announcement never reaches the agent (as when the gateway that did it
// dies before telling them) still lands in their console: it asks for the whole view again
// every few seconds. Two consoles of the receiving agent lose every "assigned" and "entry"
// frame on their WebSocket; the one that resyncs shows the chat, the one that does not
// (resyncSeconds 0) never does.
//
//   node tests/browser/console_resync.mjs <gateway url> <output dir> <agent> <password>
//                                         <colleague> <password>
import { mkdirSync } from "node:fs";
import { launchChromium } from "./chromium.mjs";
import { check, signIn } from "./console_page.mjs";
import { watchPage } from "./pages.mjs";
import { stepRunner } from "./steps.mjs";

const [gateway, outDir, agentUser, agentPassword, colleagueUser, colleaguePassword] =
  process.argv.slice(2, 8);
if (!colleaguePassword) {
  console.error("usage: node console_resync.mjs <gateway url> <output dir> <agent> <password> <colleague> <password>");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const RESYNC_S = 2;
const QUESTION = `My blender is missing its lid (${Date.now().toString(36)})`;
const LOST_EVENTS = /^42\/agents,\d*\["(assigned|entry)"/;

const browser = await launchChromium();
const problems = [];
const log = [];
const watch = (page, who) => watchPage(page, who, problems, log, 30_000);
let lost = 0;

/** A console of the agent whose socket never hears "assigned" or "entry". */
async function forgetfulConsole(who, resyncSeconds) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((seconds) => { window.consoleConfig = { resyncSeconds: seconds }; },
    resyncSeconds);
  const page = watch(await context.newPage(), who);
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (typeof message === "string" && LOST_EVENTS.test(message)) lost += 1;
      else ws.send(message);
    });
  });
  return page;
}

const customer = watch(await (await browser.newContext()).newPage(), "customer");
const colleague = watch(await (await browser.newContext()).newPage(), "colleague");
const resyncing = await forgetfulConsole("agent", RESYNC_S);
const notResyncing = await forgetfulConsole("agent-without-resync", 0);
const { step, finish } = stepRunner({
  browser, outDir, problems, log,
  pages: () => ({ customer, colleague, agent: resyncing, "agent-without-resync": notResyncing }),
});
const W = (selector) => customer.locator(`#chat-widget ${selector}`);
const tabs = (page) => page.locator("#tabs .tab");

await step("customer-asks-for-a-person", async () => {
  // Asking first: the bot, which might hand the question off itself, never answers it.
  await customer.goto(`${gateway}/`);
  await W(".launcher").click();
  await W("textarea").waitFor();
  await W("button[data-action=request-human]").click();
  await W(".status").filter({ hasText: /Waiting for (a person|the team)/ }).waitFor();
  await W("textarea").fill(QUESTION);
  await W("textarea").press("Enter");
  await W(".msg.customer").filter({ hasText: QUESTION }).waitFor();
});

await step("agents-sign-in", async () => {
  await signIn(resyncing, gateway, agentUser, agentPassword);
  await signIn(notResyncing, gateway, agentUser, agentPassword);
  await signIn(colleague, gateway, colleagueUser, colleaguePassword);
  check(await tabs(resyncing).count() === 0 && await tabs(notResyncing).count() === 0,
    "the agent holds no chat yet");
});

await step("colleague-claims-and-transfers", async () => {
  const item = colleague.locator("#queue .q-item").filter({ hasText: QUESTION });
  await item.locator("button[data-action=claim]").click();
  const panel = colleague.locator("#panels .chat:not([hidden])");
  await panel.locator(".e.customer").filter({ hasText: QUESTION }).waitFor();
  await panel.locator("select").selectOption(agentUser);
  await panel.locator("button[data-action=transfer]").click();
  await panel.locator(".banner.ended").filter({ hasText: /Transferred/ }).waitFor();
});

await step("the-resyncing-console-shows-the-chat", async () => {
  const panel = resyncing.locator("#panels .chat").filter({ hasText: QUESTION });
  await panel.waitFor({ timeout: (RESYNC_S + 8) * 1000 });
  check(lost >= 2, `the transfer's announcements were lost on the way (${lost} frames)`);
  await resyncing.locator(".toast").filter({ hasText: "A chat was assigned to you" }).waitFor();
  check(await tabs(resyncing).count() === 1, "one tab for the transferred chat");
});

await step("without-resync-it-stays-lost", async () => {
  await notResyncing.waitForTimeout((RESYNC_S + 1) * 1000);
  check(await tabs(notResyncing).count() === 0,
    "a console that does not resync never learns of the transfer (so the test lost it)");
});

await finish();
