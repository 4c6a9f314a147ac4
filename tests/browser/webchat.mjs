// Stock rasa-webchat (npm, pinned in package.json) against a running gateway:
//
//   node tests/browser/webchat.mjs <gateway url> <output dir> <agent reply> [<site port>]
//
// Serves webchat/index.html and rasa-webchat's bundle, unchanged from node_modules, from a
// loopback origin of its own (on <site port>, an origin the gateway's CORS_ORIGINS allows),
// so the widget reaches the gateway cross-origin as it would from a shop's site. Debian's
// /usr/bin/chromium (CHROMIUM overrides it), driven by playwright-core, checks what a
// customer sees; a screenshot of each step goes to <output dir>/webchat-<n>-<step>.png.
// When a chat waits for a person the script prints "waiting-for-agent" and then waits for
// <agent reply> to appear: the caller plays the agent. Exits non-zero (after a
// webchat-FAILED-*.png) on the first failure.
import { createReadStream, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.mjs";

const [gateway, outDir, agentReply, sitePort] = process.argv.slice(2, 6);
if (!gateway || !outDir || !agentReply) {
  console.error("usage: node webchat.mjs <gateway url> <output dir> <agent reply>");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const FAQ_QUESTION = "How do I reset my password?";
const FAQ_ANSWER = /Forgot password\?/;            // bot/data/faq.yml, reset_password
const GIBBERISH = "asdkjh qwe zzz";
const REPHRASE = /Could you rephrase/;              // domain.yml, utter_rephrase
const BUTTON = "Talk to a person";                  // utter_rephrase's button
const HANDOFF = /I'm bringing in a person/;         // domain.yml, utter_handoff
const TIMEOUT = 30_000;

const FILES = {
  "/": ["webchat/index.html", "text/html; charset=utf-8"],
  "/rasa-webchat.js": ["node_modules/rasa-webchat/lib/index.js", "text/javascript"],
};
const site = createServer((request, response) => {
  const file = FILES[new URL(request.url, "http://site").pathname];
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { "Content-Type": file[1] });
  createReadStream(fileURLToPath(new URL(file[0], import.meta.url))).pipe(response);
});
await new Promise((resolve) => site.listen(Number(sitePort || 0), "127.0.0.1", resolve));
const pageUrl = `http://127.0.0.1:${site.address().port}/?socketUrl=${encodeURIComponent(gateway)}`;

const browser = await launchChromium();
const problems = [];      // page errors and dialogs: any is a failure
const log = [];

/** A fresh visitor (own storage, so a new conversation) with the chat opened. */
async function visitor(name) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 760 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (error) => problems.push(`${name}: page error: ${error.message}`));
  page.on("dialog", async (dialog) => {
    problems.push(`${name}: a ${dialog.type()} dialog fired: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on("console", (message) => log.push(`[${name} ${message.type()}] ${message.text()}`));
  page.on("requestfailed", (request) => log.push(`[${name}] failed: ${request.url()}`));
  page.on("response", (response) => {
    if (!response.ok()) log.push(`[${name}] HTTP ${response.status()}: ${response.url()}`);
  });
  const response = await page.goto(pageUrl);
  check(response && response.ok(), `host page: HTTP ${response && response.status()}`);
  await page.locator(".rw-launcher").click();   // shown once the socket is connected
  await page.locator(".rw-new-message").waitFor();
  return page;
}

function check(condition, message) { if (!condition) throw new Error(message); }

async function say(page, text) {
  await page.locator(".rw-new-message").fill(text);
  await page.locator(".rw-new-message").press("Enter");
  await page.locator(".rw-client").filter({ hasText: text }).waitFor();
}

const BOT_BUBBLE = ".rw-message:not(.rw-typing-indication) .rw-response";  // not the "..."
const botSays = (page, text) => page.locator(BOT_BUBBLE).filter({ hasText: text }).waitFor();
const botBubbles = (page) => page.locator(BOT_BUBBLE).allInnerTexts();

/** Nothing before the bot's answer: opening the chat (rasa-webchat then sends a
 * `user_uttered` without a message when no initPayload is set) must show nothing. */
async function firstWordsAre(page, text) {
  const [first] = await botBubbles(page);
  check(text.test(first), `the bot's first bubble should match ${text}, it is: ${first}`);
}

let stepNumber = 0;
async function step(name, body) {
  stepNumber += 1;
  const label = `${stepNumber}-${name}`;
  try {
    const page = await body();
    const bubbles = await botBubbles(page);
    check(bubbles.every((text) => text.trim()), `an empty bot bubble: ${JSON.stringify(bubbles)}`);
    if (problems.length) throw new Error(problems.join("; "));
    await page.screenshot({ path: join(outDir, `webchat-${label}.png`) });
    console.log(`ok   ${label}`);
  } catch (error) {
    console.log(`FAIL ${label}: ${error.message}`);
    for (const [index, open] of browser.contexts().flatMap((c) => c.pages()).entries()) {
      await open.screenshot({ path: join(outDir, `webchat-FAILED-${label}-${index}.png`) })
        .catch(() => {});
    }
    writeFileSync(join(outDir, "webchat-browser-console.log"), log.join("\n") + "\n");
    await browser.close();
    site.close();
    process.exit(1);
  }
}

// ---- what a customer sees -------------------------------------------------------------
let customer;

await step("open", async () => {
  customer = await visitor("customer");
  return customer;
});

await step("faq-answer", async () => {
  await say(customer, FAQ_QUESTION);
  await botSays(customer, FAQ_ANSWER);
  await firstWordsAre(customer, FAQ_ANSWER);
  return customer;
});

await step("quick-replies", async () => {
  await say(customer, GIBBERISH);
  await botSays(customer, REPHRASE);
  await customer.locator(".rw-replies .rw-reply").filter({ hasText: BUTTON }).waitFor();
  return customer;
});

await step("quick-reply-clicked", async () => {
  await customer.locator(".rw-replies .rw-reply").filter({ hasText: BUTTON }).click();
  await customer.locator(".rw-client").filter({ hasText: BUTTON }).waitFor();
  await botSays(customer, HANDOFF);
  return customer;
});

await step("agent-reply", async () => {
  console.log("waiting-for-agent");
  await botSays(customer, agentReply);
  return customer;
});

await step("typed-handoff", async () => {
  const other = await visitor("second customer");
  await say(other, "talk to a person");
  await botSays(other, HANDOFF);
  await firstWordsAre(other, HANDOFF);
  return other;
});

await browser.close();
site.close();
