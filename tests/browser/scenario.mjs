// The whole customer + agent journey in a real browser, against a running gateway:
//
//   node tests/browser/scenario.mjs <gateway url> <output dir> [agent user] [password]
//                                   [second agent user] [password]
//
// Debian's /usr/bin/chromium (headless) driven by playwright-core; a screenshot of every
// step goes to <output dir>. Exits non-zero (after a FAILED-*.png) on the first failure.
// CHROMIUM overrides the browser path; AGENT_USERNAME / AGENT_PASSWORD and
// AGENT2_USERNAME / AGENT2_PASSWORD the two accounts (the second one takes a transfer).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { checkAccessibility } from "./axe.mjs";
import { launchChromium } from "./chromium.mjs";
import { check } from "./console_page.mjs";
import { watchPage } from "./pages.mjs";
import { stepRunner } from "./steps.mjs";

const [gateway, outDir] = process.argv.slice(2, 4);
const agentUser = process.argv[4] || process.env.AGENT_USERNAME || "ada";
const agentPassword = process.argv[5] || process.env.AGENT_PASSWORD || "pw";
const agent2User = process.argv[6] || process.env.AGENT2_USERNAME || "bob";
const agent2Password = process.argv[7] || process.env.AGENT2_PASSWORD || "pw";
if (!gateway || !outDir) {
  console.error("usage: node scenario.mjs <gateway url> <output dir> [username] [password]");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const FAQ_QUESTION = "How can I track my parcel?";
const FAQ_ANSWER_WORDS = /tracking number/i;          // from bot/data/faq.yml, track_order
const AGENT_REPLY = "Hi, this is the team. I'm checking your parcel right now.";
const XSS = "<img src=x onerror=alert(1)>";
const ORDER_TEXT = `My order number is NW-${Date.now().toString(36).toUpperCase()}`;
const NOTE_TEXT = "Internal: customer is on their third parcel question this month";
const OFFLINE_TEXT = "Are you still there? (typed while offline)";
const TIMEOUT = 30_000;
const SCREENSHOT_NAME = "checkout-error.png";
const PDF_NAME = "invoice-NW-1042.pdf";
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

/** A real PNG made here: 120x80, red/blue stripes (so the screenshots show it). */
function stripesPng(width = 120, height = 80) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (bytes) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4); length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0); header.writeUInt32BE(height, 4);
  header[8] = 8; header[9] = 2; // 8-bit RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(Buffer.from([0]));
    for (let x = 0; x < width; x++) {
      rows.push(Buffer.from(Math.floor(x / 20) % 2 ? [29, 78, 216] : [220, 38, 38]));
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}

const browser = await launchChromium();
const problems = [];      // dialogs and page errors: any is a failure
const log = [];

const watch = (page, who) => watchPage(page, who, problems, log, TIMEOUT);

const customerContext = await browser.newContext({ viewport: { width: 1366, height: 768 } });
const agentContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const customer = watch(await customerContext.newPage(), "customer");
const agent = watch(await agentContext.newPage(), "agent");
const agent2Context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const agent2 = watch(await agent2Context.newPage(), "agent2");

const { step, finish } = stepRunner({
  browser, outDir, problems, log, pages: () => ({ customer, agent, agent2 }) });

// Widget parts live in an open shadow root; Playwright's CSS locators pierce it.
const W = (selector) => customer.locator(`#chat-widget ${selector}`);
const widgetMessages = () => customer.evaluate(() => {
  const root = document.querySelector("#chat-widget").shadowRoot;
  return [...root.querySelectorAll(".msg:not(.greeting)")].map((node) => ({
    id: node.dataset.id || "", role: node.dataset.role,
    text: (node.querySelector(".bubble") || {}).textContent || "",
  }));
});
const activePanel = (page = agent) => page.locator("#panels .chat:not([hidden])");

async function signIn(page, username, password) {
  await page.goto(`${gateway}/console/`);
  await page.locator("#login-username").fill(username);
  await page.locator("#login-password").fill(password);
  await page.locator("#login-form button[type=submit]").click();
  await page.locator("#app-view").waitFor();
}

/** axe-core on the demo page with the widget as it is now (serious or critical: failure). */
const widgetAccessible = (state) => checkAccessibility(customer, `widget ${state}`);
const focusedInWidget = () => customer.evaluate(() =>
  document.querySelector("#chat-widget").shadowRoot.activeElement?.getAttribute("aria-label"));

async function send(text) {
  await W("textarea").fill(text);
  await W("textarea").press("Enter");
}

// ---- the journey ------------------------------------------------------------------------
await step("demo-page", async () => {
  // The gateway serves the demo shop (widget/index.html) at "/".
  const response = await customer.goto(`${gateway}/`);
  check(response && response.ok(), `demo page: HTTP ${response && response.status()}`);
  check(/Northwind Shop/.test(await customer.title()), "the demo shop page is at /");
  await customer.locator("#chat-widget").waitFor({ state: "attached" });
  await W(".launcher").waitFor();
  check(await W(".panel").isHidden(), "the panel starts closed");
  await widgetAccessible("closed launcher");
});

await step("faq-answer", async () => {
  await W(".launcher").click();
  await W("textarea").waitFor();
  await W(".msg.greeting").waitFor();
  await widgetAccessible("open");
  // Beside the page (not modal), Tab goes once round the panel, header included, then on.
  await W("textarea").focus();
  const round = [];
  for (let label = await focusedInWidget(); label !== undefined && round.length < 20; label = await focusedInWidget()) {
    round.push(label);
    await customer.keyboard.press("Tab");
  }
  for (const label of ["Download transcript", "Close chat", "Attach a screenshot or PDF"]) {
    check(round.includes(label), `${label} is reached with Tab (${round.join(", ")})`);
  }
  check(round.at(-1) === "Send message" && round.length < 20, `Tab leaves the panel: ${round.join(", ")}`);
  await customer.keyboard.press("Tab");
  check(await customer.evaluate(() => document.activeElement.matches("body *:not(#chat-widget)")),
    "the next Tab reaches the page");
  // A long paste is not cut: the counter and a refusal in words say what to do, with the
  // gateway's MAX_MESSAGE_CHARS (1,500 here, not the widget's default).
  await W("textarea").fill("x".repeat(3000));
  await W(".count.over").filter({ hasText: "3,000 / 1,500" }).waitFor();
  await W("textarea").press("Enter");
  await W(".limit").filter({ hasText: /Not sent: .*3,000 characters; the limit is 1,500/ }).waitFor();
  check((await W("textarea").inputValue()).length === 3000, "the pasted text stays whole");
  await customer.screenshot({ path: join(outDir, "message-too-long.png") });
  await W("textarea").fill("");
  await send(FAQ_QUESTION);
  await W(".msg.customer").filter({ hasText: FAQ_QUESTION }).waitFor();
  await W(".msg.bot:not(.greeting)").filter({ hasText: FAQ_ANSWER_WORDS }).first().waitFor();
  const status = await W(".status").textContent();
  check(/Assistant/.test(status), `status line says the assistant answers: ${status}`);
  const days = await W(".log .day").allTextContents();
  check(days.join() === "Today", `one day line above today's messages: ${days}`);
  await widgetAccessible("bot chat");
});

await step("ask-for-person", async () => {
  await W("button[data-action=request-human]").click();
  await W(".status").filter({ hasText: /Waiting for (a person|the team)/ }).waitFor();
  check(await focusedInWidget() === "Message", "after Talk to a person the focus is on the message box");
  // Nobody is signed in yet: the widget offers to leave an email, in a compact form that
  // leaves most of the panel to the conversation (1366x768).
  await W(".card.contact").waitFor();
  await W(".msg.system").filter({ hasText: /online/ }).waitFor();
  const said = (await W(".panel").textContent()).match(/no one (from our team )?is online/gi) || [];
  check(said.length === 1, `"no one online" is said once, not ${said.length} times`);
  const [log, panel] = [await W(".log").boundingBox(), await W(".panel").boundingBox()];
  check(log.height >= panel.height / 2, `the conversation keeps ${log.height} of ${panel.height} px`);
  await widgetAccessible("waiting, offline form");
  await send(ORDER_TEXT); // recorded while waiting; also tells our chat apart in the queue
  await W(".msg.customer").filter({ hasText: ORDER_TEXT }).waitFor();
});

await step("agent-sees-queue", async () => {
  await signIn(agent, agentUser, agentPassword);
  const item = agent.locator("#queue .q-item").filter({ hasText: ORDER_TEXT });
  await item.waitFor();
  const reason = await item.locator(".q-reason").textContent();
  check(/asked for a person/i.test(reason), `queue reason: ${reason}`);
  await item.locator(".wait").filter({ hasText: /waiting \d/ }).waitFor();
  await agent.waitForFunction(() => Number(document.body.dataset.alerts || 0) >= 1);
  // With an agent online the customer now sees their place in line.
  await W(".status").filter({ hasText: /Waiting for a person/ }).waitFor();
  await widgetAccessible("waiting in queue");
});

await step("agent-claims", async () => {
  const item = agent.locator("#queue .q-item").filter({ hasText: ORDER_TEXT });
  await item.locator("button[data-action=claim]").click();
  const panel = activePanel();
  await panel.waitFor();
  await panel.locator(".e.customer").filter({ hasText: FAQ_QUESTION }).waitFor();
  await panel.locator(".e.bot").filter({ hasText: FAQ_ANSWER_WORDS }).first().waitFor();
  const confidence = await panel.locator(".e.bot .conf").first().textContent();
  check(/confidence \d\.\d\d/.test(confidence), `bot confidence shown: ${confidence}`);
  await panel.locator(".e.system").filter({ hasText: /joined/ }).waitFor();
  await item.waitFor({ state: "detached" });
});

await step("agent-replies", async () => {
  const panel = activePanel();
  // The reply box counts against the gateway's MAX_MESSAGE_CHARS (1,500 here) and refuses a
  // longer reply in words; nothing is cut.
  await panel.locator("textarea").fill("y".repeat(1600));
  await panel.locator(".count.over").filter({ hasText: "1,600 / 1,500" }).waitFor();
  await panel.locator("textarea").press("Enter");
  await panel.locator(".limit").filter({ hasText: /Not sent: .*1,600 characters; the limit is 1,500/ }).waitFor();
  check((await panel.locator("textarea").inputValue()).length === 1600, "the agent's text stays whole");
  await panel.locator("textarea").fill(AGENT_REPLY);
  await panel.locator(".limit-row").waitFor({ state: "hidden" });
  await panel.locator("textarea").press("Enter");
  await panel.locator(".e.agent").filter({ hasText: AGENT_REPLY }).waitFor();
  const reply = W(".msg.agent").filter({ hasText: AGENT_REPLY });
  await reply.waitFor();
  const who = await W(".msg.agent .who").first().textContent();
  const status = await W(".status").textContent();
  const agentName = (await agent.locator("#me-name").textContent()).trim();
  check(who.includes(agentName), `agent name on the message: ${who}`);
  check(status.includes(agentName), `status names the agent: ${status}`);
  await widgetAccessible("agent chat");
});

await step("agent-marks-good-answer", async () => {
  // Only the agent's own replies offer it; the ack marks the button (mark_good_answer).
  const panel = activePanel();
  const button = panel.locator(".e.agent").filter({ hasText: AGENT_REPLY })
    .locator("button[data-action=mark-good-answer]");
  await button.click();
  await button.filter({ hasText: "Marked as a good answer" }).waitFor();
  check(await panel.locator(".e:not(.agent) button[data-action=mark-good-answer]").count() === 0,
    "only the agent's own replies can be marked");
});

await step("unread-badge-and-keyboard", async () => {
  await W("textarea").press("Escape");                 // Escape closes the panel...
  await W(".panel").waitFor({ state: "hidden" });
  check(await W(".launcher").evaluate((el) => el.getRootNode().activeElement === el),
    "...and gives the focus back to the launcher");
  const panel = activePanel();
  await panel.locator("textarea").fill("Found it: it left our warehouse this morning.");
  await panel.locator("textarea").press("Enter");
  await W(".badge").filter({ hasText: "1" }).waitFor();
  const label = await W(".launcher").getAttribute("aria-label");
  check(/1 unread/.test(label), `the launcher's label counts unread messages: ${label}`);
  // More than a badge: the message itself, previewed by the launcher.
  const agentName = (await agent.locator("#me-name").textContent()).trim();
  await W(".preview").filter({ hasText: agentName }).filter({ hasText: "Found it" }).waitFor();
  await customer.screenshot({ path: join(outDir, "launcher-preview.png") });
  await widgetAccessible("closed, message preview");
  await W(".launcher").focus();
  await customer.keyboard.press("Enter");               // the launcher has the focus
  await W(".panel").waitFor();
  await W(".badge").waitFor({ state: "hidden" });
  check(await W(".preview").isHidden(), "opening the panel takes the preview away");
  check(await W("textarea").evaluate((el) => el.getRootNode().activeElement === el),
    "opening the panel focuses the message box");
});

await step("customer-typing-and-offline-message", async () => {
  const panel = activePanel();
  await W("textarea").fill("typing");
  await panel.locator(".typing-line").filter({ hasText: /typing/ }).waitFor();
  await W("textarea").fill("");
  await customerContext.setOffline(true);
  await W(".status").filter({ hasText: /Offline/ }).waitFor();
  await send(OFFLINE_TEXT);
  await W(".msg.customer.pending").filter({ hasText: OFFLINE_TEXT }).waitFor();
  await customerContext.setOffline(false);
  await panel.locator(".e.customer").filter({ hasText: OFFLINE_TEXT }).waitFor();
  await W(".msg.customer.pending").waitFor({ state: "detached" });
  await W(".status").filter({ hasText: /chatting with/ }).waitFor();
});

await step("html-shown-as-text", async () => {
  const panel = activePanel();
  await send(`Customer says ${XSS}`);
  await panel.locator(".e.customer").filter({ hasText: `Customer says ${XSS}` }).waitFor();
  await panel.locator("textarea").fill(`Agent quotes ${XSS}`);
  await panel.locator("textarea").press("Enter");
  await W(".msg.agent").filter({ hasText: `Agent quotes ${XSS}` }).waitFor();
  await customer.waitForTimeout(500); // give a would-be onerror handler time to fire
  const customerImages = await customer.evaluate(() => {
    const root = document.querySelector("#chat-widget").shadowRoot;
    return document.querySelectorAll("img").length + root.querySelectorAll("img").length;
  });
  const agentImages = await agent.locator("img").count();
  check(customerImages === 0, `no img element in the widget (found ${customerImages})`);
  check(agentImages === 0, `no img element in the console (found ${agentImages})`);
  check(problems.length === 0, problems.join("; "));
});

await step("reload-keeps-history", async () => {
  await W(".msg.customer.pending").waitFor({ state: "detached" });
  const before = await widgetMessages();
  await customer.reload();
  await W(".msg.agent").filter({ hasText: `Agent quotes ${XSS}` }).waitFor();
  await customer.waitForTimeout(1000); // anything doubled would have arrived by now
  const after = await widgetMessages();
  const ids = after.map((m) => m.id).filter(Boolean);
  check(new Set(ids).size === ids.length, "no entry is shown twice");
  check(ids.length === after.length, "every message after the reload has its server id");
  const seq = (list) => list.map((m) => `${m.role}: ${m.text}`).join("\n");
  check(seq(after) === seq(before),
    `the same conversation after the reload:\n--- before\n${seq(before)}\n--- after\n${seq(after)}`);
  check(await W(".panel").isVisible(), "the open panel stays open after a reload");
});

/** Picks `file` through the widget's attach button, with the keyboard. */
async function attachFile(file) {
  await W("button[data-action=attach]").focus();
  const [chooser] = await Promise.all([
    customer.waitForEvent("filechooser"),
    W("button[data-action=attach]").press("Enter"),
  ]);
  await chooser.setFiles(file);
}

await step("customer-attaches-screenshot", async () => {
  const label = await W("button[data-action=attach]").getAttribute("aria-label");
  check(/attach/i.test(label), `the attach button has a label: ${label}`);
  // A file that is not a picture or PDF is refused, and the widget says why.
  await attachFile({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just text") });
  await W(".msg.system.error").filter({ hasText: /Not sent: .*PNG, JPEG/ }).waitFor();
  await W(".msg.uploading").waitFor({ state: "detached" });

  await attachFile({ name: SCREENSHOT_NAME, mimeType: "image/png", buffer: stripesPng() });
  const mine = W(`.msg.customer img[alt="${SCREENSHOT_NAME}"]`);
  await mine.waitFor();
  await customer.waitForFunction(() => {
    const img = document.querySelector("#chat-widget").shadowRoot.querySelector(".msg.customer img");
    return img && img.complete && img.naturalWidth === 120;
  });
  // The agent sees it inline (fetched with the agent's token) with its name.
  const panel = activePanel();
  const figure = panel.locator(".e.customer figure.att[data-loaded=true]");
  await figure.waitFor();
  const width = await figure.locator("img").evaluate((img) => img.complete && img.naturalWidth);
  check(width === 120, `the agent's copy of the screenshot is loaded (${width})`);
  check((await figure.textContent()).includes(SCREENSHOT_NAME), "the agent sees the file name");
  await figure.screenshot({ path: join(outDir, "attachment-in-console.png") });

  // A PDF: a download link for the agent.
  await attachFile({ name: PDF_NAME, mimeType: "application/pdf", buffer: PDF });
  await W(".msg.customer a.file").filter({ hasText: PDF_NAME }).waitFor();
  const link = panel.locator(".e.customer a.att-file").filter({ hasText: PDF_NAME });
  await link.waitFor();
  const [download] = await Promise.all([agent.waitForEvent("download"), link.click()]);
  check(download.suggestedFilename() === PDF_NAME, `download name: ${download.suggestedFilename()}`);
  const saved = join(outDir, "attachment-download.pdf");
  await download.saveAs(saved);
  const { readFileSync } = await import("node:fs");
  check(readFileSync(saved).equals(PDF), "the agent downloads the very same PDF");
});

await step("note-and-canned-answer", async () => {
  const panel = activePanel();
  await panel.getByRole("button", { name: "Internal note" }).click();
  await panel.locator("textarea").fill(NOTE_TEXT);
  await panel.locator("textarea").press("Enter");
  await panel.locator(".e.note").filter({ hasText: NOTE_TEXT }).waitFor();
  await panel.getByRole("button", { name: "Reply to customer" }).click();
  // Canned answers come from the FAQ file, through GET /api/faq-answers, best first by
  // meaning; a click previews one in full, Insert puts it in the reply box.
  await panel.locator(".canned .source").filter({ hasText: "From the FAQ" }).waitFor();
  await panel.locator(".canned input").fill("tracking");
  await panel.locator(".canned li button .c-title").first().filter({ hasText: /track|where is my order/i }).waitFor();
  await panel.locator(".canned li button").first().click();
  await panel.locator(".canned .c-full").filter({ hasText: FAQ_ANSWER_WORDS }).waitFor();
  await panel.locator(".canned .c-preview button.primary").click();
  const draft = await panel.locator("textarea").inputValue();
  check(FAQ_ANSWER_WORDS.test(draft), `canned answer inserted: ${draft}`);
  await panel.locator("textarea").fill("");
  await customer.waitForTimeout(500);
  check(!(await W(".log").textContent()).includes(NOTE_TEXT), "the customer never sees notes");
});

await step("console-reload-keeps-chats", async () => {
  await agent.reload();
  const panel = activePanel();
  await panel.locator(".e.note").filter({ hasText: NOTE_TEXT }).waitFor();
  await panel.locator("button[data-action=resolve]").waitFor();
  await panel.locator(".e.customer figure.att[data-loaded=true]").waitFor();
});

await step("held-chat-tab-cannot-be-closed", async () => {
  // No ghost chats: a chat the agent holds stays in their tabs until transferred or resolved.
  const panel = activePanel();
  check(await panel.locator("button[aria-label='Close this tab']").isHidden(),
    "a held chat offers no Close tab button");
  check(await agent.locator("#tabs .tab").count() === 1, "the held chat keeps its tab");
});

await step("agent-connection-drops-and-comes-back", async () => {
  const agentName = (await agent.locator("#me-name").textContent()).trim();
  // The console reload above already told the customer once; wait for new notices.
  const notices = (text) => W(".msg.system").filter({ hasText: text });
  const moreOf = (text, before) => notices(text).nth(before).waitFor({ timeout: 10_000 });
  const away = `${agentName} lost connection, reconnecting...`, back = `${agentName} is back.`;
  const [awayBefore, backBefore] = [await notices(away).count(), await notices(back).count()];
  await agent.goto("about:blank"); // the console's only socket goes
  await W(".status").filter({ hasText: `${agentName} lost connection, reconnecting` }).waitFor({ timeout: 10_000 });
  await moreOf(away, awayBefore);
  const human = W("button[data-action=request-human]");
  check(await human.isEnabled() && (await human.textContent()).includes("Talk to someone else"),
    "while the agent is away the customer may ask for someone else");
  await agent.goto(`${gateway}/console/`); // signed in still: back within the grace period
  await activePanel().locator("button[data-action=resolve]").waitFor();
  await moreOf(back, backBefore);
  await W(".status").filter({ hasText: `chatting with ${agentName}` }).waitFor();
  check(await human.isHidden(), "with the agent back, the button goes again");
});

await step("transfer-to-colleague", async () => {
  await signIn(agent2, agent2User, agent2Password);
  const agent2Name = (await agent2.locator("#me-name").textContent()).trim();
  const panel = activePanel();
  await panel.locator("select").selectOption(agent2User);
  await panel.locator("button[data-action=transfer]").click();
  await panel.locator(".banner.ended").filter({ hasText: /Transferred/ }).waitFor();
  const taken = activePanel(agent2);
  await taken.locator(".e.note").filter({ hasText: NOTE_TEXT }).waitFor();
  await taken.locator(".e.customer").filter({ hasText: FAQ_QUESTION }).waitFor();
  await W(".status").filter({ hasText: agent2Name }).waitFor();
  await agent2.waitForFunction(() => Number(document.body.dataset.alerts || 0) >= 1);
});

await step("agent-resolves", async () => {
  const panel = activePanel(agent2);
  await panel.locator("button[data-action=resolve]").click();
  await panel.locator(".banner.ended").waitFor();
  await W(".status").filter({ hasText: /resolved/i }).waitFor();
  await W(".card.rating").waitFor();
  await widgetAccessible("rating");
});

await step("customer-rates", async () => {
  await W(".card.rating button[data-score='5']").click();
  await W(".msg.system").filter({ hasText: /Thanks for your feedback/ }).waitFor();
  await W(".card.rating").waitFor({ state: "hidden" }); // the thanks is in the log, not pinned
  await widgetAccessible("resolved");
  // The bot answers again: the header says so instead of "resolved".
  await send(FAQ_QUESTION);
  await W(".status").filter({ hasText: "Assistant" }).waitFor();
  await W(".msg.bot").filter({ hasText: FAQ_ANSWER_WORDS }).nth(1).waitFor();
  check(!/resolved/i.test(await W(".status").textContent()), "no 'resolved' while the bot answers");
});

await step("customer-ends-chat-with-person", async () => {
  const again = `Back again about ${ORDER_TEXT}`;
  await W("button[data-action=request-human]").click();
  await send(again);
  const item = agent2.locator("#queue .q-item").filter({ hasText: again });
  await item.locator("button[data-action=claim]").click();
  const agent2Name = (await agent2.locator("#me-name").textContent()).trim();
  await W(".status").filter({ hasText: `chatting with ${agent2Name}` }).waitFor();
  await W("button[data-action=end-chat]").click();
  check(await focusedInWidget() === "Message", "after End chat the focus is on the message box");
  // The agent is told and the chat is resolved for them; the customer may rate it.
  const panel = activePanel(agent2);
  await panel.locator(".e.system").filter({ hasText: "The customer ended the chat" }).waitFor();
  await panel.locator(".banner.ended").filter({ hasText: /resolved/i }).waitFor();
  await W(".msg.system").filter({ hasText: `The customer ended the chat with ${agent2Name}` }).waitFor();
  await W(".card.rating").waitFor();
  await W("button[data-action=end-chat]").waitFor({ state: "hidden" });
});

await step("transcript-download", async () => {
  const [download] = await Promise.all([
    customer.waitForEvent("download"),
    W("button[data-action=download]").click(),
  ]);
  const file = join(outDir, "transcript.txt");
  await download.saveAs(file);
  const { readFileSync } = await import("node:fs");
  const text = readFileSync(file, "utf8");
  check(text.includes(FAQ_QUESTION) && text.includes(AGENT_REPLY), "the transcript has the chat");
  check(text.includes(`[attachment: ${SCREENSHOT_NAME}]`), "the transcript lists the attachment");
});

await step("phone-360px", async () => {
  await customer.setViewportSize({ width: 360, height: 740 });
  const box = await W(".panel").boundingBox();
  check(box && box.width <= 360 && box.x >= 0, `the panel fits a 360 px screen: ${JSON.stringify(box)}`);
  const overflow = await customer.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 360, `no horizontal scrolling (${overflow}px)`);
  await customer.waitForFunction(() => { // the smaller screen keeps the newest message in view
    const log = document.querySelector("#chat-widget").shadowRoot.querySelector(".log");
    return log.scrollHeight - log.scrollTop - log.clientHeight < 2;
  });
  check(await W("textarea").evaluate((el) => getComputedStyle(el).fontSize) === "16px",
    "a 16 px message box (iOS Safari does not zoom into it)");
  // The full-screen panel (modal) keeps Tab inside it, the header's buttons included.
  await W("textarea").focus();
  const reached = new Set();
  for (let i = 0; i < 14; i++) {
    await customer.keyboard.press("Tab");
    const label = await focusedInWidget();
    check(label !== undefined, `Tab ${i + 1} stays in the panel`);
    reached.add(label);
  }
  for (const label of ["Download transcript", "Close chat", "Attach a screenshot or PDF"]) {
    check(reached.has(label), `${label} is reached with Tab`);
  }
  await widgetAccessible("phone 360 px");
});

await finish();
