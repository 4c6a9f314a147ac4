// The agent's workspace in a real browser: who the customer is, canned answers by meaning,
// the transcript that follows the chat, alerts, ratings, earlier conversations, the
// customer panel on a narrow screen, the inbox.
//
//   node tests/browser/console_workspace.mjs <gateway url> <output dir> <agent> <password>
//
// Debian's Chromium (headless) via playwright-core; a screenshot of every step goes to
// <output dir>, and every console state a step shows is checked with axe-core (no serious
// or critical violation). Exits non-zero (after FAILED-*.png) on the first failure.
import { mkdirSync } from "node:fs";
import { checkAccessibility } from "./axe.mjs";
import { launchChromium } from "./chromium.mjs";
import { check } from "./console_page.mjs";
import { watchPage } from "./pages.mjs";
import { stepRunner } from "./steps.mjs";

const [gateway, outDir, agentUser, agentPassword] = process.argv.slice(2, 6);
if (!gateway || !outDir || !agentUser || !agentPassword) {
  console.error("usage: node console_workspace.mjs <gateway url> <output dir> <agent> <password>");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const TIMEOUT = 30_000;
const QUESTION = "My kettle arrived broken, can I send it back?";
const SECOND_QUESTION = "Do you sell descaler for the kettle I bought?";
const EMAIL = "kim@example.com";
const COMMENT = "Quick and kind, thanks";

const browser = await launchChromium();
const problems = [];
const log = [];

const watch = (page, who) => watchPage(page, who, problems, log, TIMEOUT);

// The customer writes from Berlin in German; the agent's desktop notifications are recorded.
const customerContext = await browser.newContext({
  viewport: { width: 1280, height: 800 }, locale: "de-DE", timezoneId: "Europe/Berlin" });
const agentContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
await agentContext.addInitScript(() => {
  window.desktopNotes = [];
  window.Notification = class {
    static permission = "default";
    static requestPermission() { window.Notification.permission = "granted"; return Promise.resolve("granted"); }
    constructor(title, options) { window.desktopNotes.push({ title, body: options && options.body }); }
    close() {}
  };
});
let customer = watch(await customerContext.newPage(), "customer");
const agent = watch(await agentContext.newPage(), "agent");

const { step, shot, finish } = stepRunner({
  browser, outDir, problems, log, pages: () => ({ customer, agent }) });

/** axe-core on the console as it is now: throws on any serious or critical violation. */
const audit = (state) => checkAccessibility(agent, `console ${state}`);

const W = (selector) => customer.locator(`#chat-widget ${selector}`);
const panel = () => agent.locator("#panels .chat:not([hidden])");
async function say(text) {
  await W("textarea").fill(text);
  await W("textarea").press("Enter");
  await W(".msg.customer").filter({ hasText: text }).waitFor();
}
async function leaveEmail(name) {
  await W(".card.contact").waitFor();
  await W(".card.contact input[type=email]").fill(EMAIL);
  const nameField = W(".card.contact input:not([type=email])");
  if (await nameField.count()) await nameField.first().fill(name);
  await W(".card.contact button[type=submit]").click();
  await W(".msg").filter({ hasText: EMAIL }).first().waitFor();
}
async function askForPerson(question) {
  await customer.goto(`${gateway}/`);
  await W(".launcher").click();
  await say(question);
  await W(".msg.bot:not(.greeting)").first().waitFor();
  // The bot may hand off on its own (unsure of its answer): then "End chat" already shows.
  const human = W("button[data-action=request-human]");
  const endChat = W("button[data-action=end-chat]");
  if (await human.isVisible()) {
    // A hand-off arriving meanwhile hides the button: then there is nothing left to click.
    await human.click({ timeout: 5000 }).catch(async (error) => {
      if (!(await endChat.isVisible())) throw error;
    });
  }
  await endChat.waitFor();
}

// ---- the workspace ---------------------------------------------------------------------
await step("customer-asks-and-leaves-email", async () => {
  await askForPerson(QUESTION);
  await leaveEmail("Kim"); // nobody is online yet: the widget asks for an email
});

await step("sign-in-focuses-the-console", async () => {
  await agent.goto(`${gateway}/console/`);
  await agent.locator("#login-username").waitFor();
  await audit("sign-in form");
  await agent.locator("#login-username").fill(agentUser);
  await agent.locator("#login-password").fill(agentPassword);
  await agent.locator("#login-password").press("Enter");
  await agent.locator("#app-view").waitFor();
  const focused = await agent.evaluate(() => document.activeElement && document.activeElement.id);
  check(focused === "console-title", `focus after sign-in is on the console, not ${focused}`);
  await agent.locator("#queue .q-item").filter({ hasText: "kettle" }).waitFor();
  await audit("signed in, one customer waiting");
});

await step("desktop-alerts-setting", async () => {
  await agent.locator("#desktop-toggle").click();
  await agent.locator("#desktop-toggle[aria-pressed=true]").waitFor();
  check(await agent.evaluate(() => localStorage.getItem("console_desktop_alerts")) === "on",
    "the setting is kept");
});

await step("claim-shows-who-and-what", async () => {
  await agent.locator("#queue .q-item").filter({ hasText: "kettle" }).locator("button[data-action=claim]").click();
  await panel().waitFor();
  const tab = await agent.locator("#tabs .tab[aria-selected=true] .label").textContent();
  check(tab.startsWith("Kim · My kettle arrived broken"), `tab says who and what: ${tab}`);
  const facts = panel().locator(".customer .facts");
  await facts.filter({ hasText: EMAIL }).waitFor();
  const text = await facts.textContent();
  for (const [what, pattern] of [["name", /Kim/], ["start page", /Northwind Shop/], ["browser", /Chrome \d+ on Linux/],
    ["language", /de-DE/], ["local time", /Europe\/Berlin/]]) {
    check(pattern.test(text), `the customer panel shows the ${what}: ${text}`);
  }
  await audit("chat claimed, customer panel");
});

await step("canned-answers-by-meaning-with-preview", async () => {
  const canned = panel().locator(".canned");
  await canned.locator("input[type=search]").fill("send something back");
  await canned.locator("li button .c-title").first().filter({ hasText: /return/i }).waitFor();
  const titles = await canned.locator("li button .c-title").allTextContents();
  check(/return/i.test(titles[0]) && /return/i.test(titles[1]), `return answers first: ${titles.slice(0, 3)}`);
  await canned.locator("li button").first().click();
  await canned.locator(".c-preview").waitFor();
  const full = await canned.locator(".c-full").textContent();
  await audit("canned answer preview");
  await shot("canned-preview");
  await canned.locator(".c-preview button.primary").click();
  check((await panel().locator("textarea").inputValue()) === full, "Insert puts the whole answer in the reply box");
  await panel().locator("textarea").fill("");
});

await step("slash-shortcut", async () => {
  const input = panel().locator("textarea");
  await input.pressSequentially("/money back");
  const options = panel().locator(".slash [role=option]");
  await options.first().waitFor();
  check(/refund/i.test(await options.first().textContent()), "refunds first for 'money back'");
  await input.press("ArrowDown");
  const preview = await panel().locator(".slash-preview").textContent();
  const chosen = await panel().locator(".slash [role=option][aria-selected=true]").getAttribute("id");
  check(chosen && chosen.endsWith("-1") && preview.length > 40, "arrow keys move the choice and its preview");
  await audit("slash menu open");
  await shot("slash-menu-open");
  await input.press("Enter");
  const value = await input.inputValue();
  check(value === preview, `Enter inserts the previewed answer in place of /...: ${value.slice(0, 40)}`);
  await input.fill("");
});

await step("transcript-follows-unless-scrolled-up", async () => {
  const input = panel().locator("textarea");
  for (let i = 1; i <= 12; i += 1) {
    await panel().locator("button", { hasText: "Internal note" }).click();
    await input.fill(`Note ${i}: checking the warehouse stock and the courier's scan history.`);
    await input.press("Enter");
    await panel().locator(".e.note").filter({ hasText: `Note ${i}:` }).waitFor();
  }
  await panel().locator(".transcript").evaluate((node) => { node.scrollTop = 0; });
  await say("Any news?");
  await panel().locator(".e.customer").filter({ hasText: "Any news?" }).waitFor();
  await panel().locator(".new-pill").waitFor();
  await audit("new messages pill");
  await shot("new-messages-pill");
  await panel().locator(".new-pill").click();
  await panel().locator(".new-pill").waitFor({ state: "hidden" });
  await panel().locator(".transcript").evaluate((node) => { node.scrollTop = 0; });
  await panel().locator("button", { hasText: "Reply to customer" }).click();
  await input.fill("Yes: a new kettle leaves today.");
  await input.press("Enter");
  const mine = panel().locator(".e.agent").filter({ hasText: "a new kettle leaves today" });
  await mine.waitFor();
  await agent.waitForFunction(() => {
    const node = document.querySelector("#panels .chat:not([hidden]) .transcript");
    return node.scrollHeight - node.scrollTop - node.clientHeight < 80;
  });
});

await step("title-and-desktop-alerts-in-the-background", async () => {
  await agent.evaluate(() => { document.hasFocus = () => false; });
  await say("Great, thank you!");
  await agent.waitForFunction(() => /^Kim 1 /.test(document.title), null, { timeout: 5000 })
    .catch(async () => { throw new Error(`the title counts the unread message: ${await agent.title()}`); });
  const notes = await agent.evaluate(() => window.desktopNotes);
  check(notes.some((note) => /Kim/.test(note.title) && /Great, thank you/.test(note.body)),
    `a desktop notification for the message: ${JSON.stringify(notes)}`);
  await agent.evaluate(() => { delete document.hasFocus; window.dispatchEvent(new Event("focus")); });
  await agent.waitForFunction(() => !/^Kim/.test(document.title));
});

await step("rating-with-comment-reaches-the-agent", async () => {
  await panel().locator("button[data-action=resolve]").click();
  await W(".card.rating").waitFor();
  await W(".card.rating input").fill(COMMENT);
  await W(".card.rating .stars button[data-score='4']").click();
  await agent.locator(".toast").filter({ hasText: COMMENT }).waitFor();
  await panel().locator(".e.system").filter({ hasText: `rated this chat 4/5 and wrote: \u2018${COMMENT}\u2019` }).waitFor();
  await audit("resolved and rated");
});

await step("same-email-shows-the-earlier-conversation", async () => {
  await agent.locator("#presence").selectOption("away");
  await customer.close();
  const otherBrowser = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  customer = watch(await otherBrowser.newPage(), "customer");
  await askForPerson(SECOND_QUESTION);
  await leaveEmail("Kim");
  await agent.locator("#presence").selectOption("available");
  await agent.locator("#queue .q-item").filter({ hasText: "descaler" }).locator("button[data-action=claim]").click();
  const earlier = panel().locator(".customer .earlier button").filter({ hasText: "My kettle arrived broken" });
  await earlier.waitFor();
  await earlier.click();
  await agent.locator("#history-view .e.customer").filter({ hasText: QUESTION }).waitFor();
  await agent.locator("#history-view").filter({ hasText: COMMENT }).waitFor();
  await audit("earlier conversation, read only");
  await shot("earlier-conversation-dialog");
  await agent.keyboard.press("Escape");
  await agent.locator("#history-view").waitFor({ state: "hidden" });
  check(await earlier.evaluate((node) => node === document.activeElement), "focus returns to the list");
});

await step("narrow-console-shows-the-customer-on-demand", async () => {
  await agent.setViewportSize({ width: 800, height: 900 });
  const toggle = panel().locator("button.side-toggle");
  const side = panel().locator(".chat-side");
  await side.waitFor({ state: "hidden" });
  check(await toggle.getAttribute("aria-expanded") === "false", "the Customer button starts collapsed");
  await toggle.click();
  await panel().locator(".customer .earlier button").filter({ hasText: "My kettle arrived broken" }).waitFor();
  check(await toggle.getAttribute("aria-expanded") === "true", "the Customer button says it is expanded");
  check(await agent.evaluate(() => document.activeElement.matches("#panels .chat:not([hidden]) .customer h3")),
    "focus moves to the customer panel");
  await audit("narrow, customer panel open");
  await shot("narrow-customer-panel");
  await toggle.click();
  await side.waitFor({ state: "hidden" });
  await panel().locator("textarea").waitFor();
  check(await toggle.getAttribute("aria-expanded") === "false", "collapsed again");
  check(await toggle.evaluate((node) => node === document.activeElement), "focus stays on the button");
  await agent.setViewportSize({ width: 1440, height: 900 });
  await toggle.waitFor({ state: "hidden" });
});

await step("inbox-search-and-filters", async () => {
  const filter = (name) => agent.locator(`#inbox-form select[name=${name}]`);
  const searchFor = async (summary) => {
    await agent.locator("#inbox-form button[type=submit]").click();
    await agent.locator("#inbox-summary").filter({ hasText: summary }).waitFor();
  };
  await agent.locator("#view-inbox").click();
  await agent.locator("#inbox-q").fill("kettle");
  await searchFor("2 conversations");
  await filter("state").selectOption("closed");
  await searchFor("No conversation matches");
  await filter("state").selectOption("");
  await filter("rating").selectOption("4");
  await searchFor("1 conversation");
  const result = agent.locator("#inbox-results .inbox-open").first();
  const text = await result.textContent();
  check(/4\/5/.test(text) && text.includes(COMMENT), `the result shows the rating and the comment: ${text}`);
  await result.click();
  await agent.locator("#inbox-viewer .e.agent").filter({ hasText: "a new kettle leaves today" }).waitFor();
  await audit("inbox with a conversation open");
});

await finish();
