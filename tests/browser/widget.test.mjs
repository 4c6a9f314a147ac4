// The widget against a scripted fake gateway, in real Chromium: the cases the real bot
// cannot easily produce (quick replies, replays overlapping live events, refusals,
// nobody online, hostile names and text, hostile page CSS).
//
//   node --test tests/browser/widget.test.mjs        (no gateway needed; ~5 s)
//
// The page is served by Playwright's router under a made-up origin; `chatWidgetConfig.io`
// hands the widget a fake Socket.IO client whose server side the test drives.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const widgetJs = readFileSync(join(here, "..", "..", "widget", "widget.js"), "utf8");
const outDir = process.env.BROWSER_OUTPUT || join(here, "..", "..", "test-output", "browser");
mkdirSync(outDir, { recursive: true });

const PAGE = `<!doctype html><html><head><meta name="viewport" content="width=device-width">
<style>
  * { color: red !important; font-family: serif !important; }
  button { background: hotpink !important; }
</style></head><body>
<div class="msg bubble launcher" id="host-probe">host element with the widget's class names</div>
<script>
  // A fake socket.io client: the widget talks to it; the test plays the gateway.
  window.fake = { emitted: [], socket: null, ackReply: undefined, dialogs: 0 };
  window.alert = function () { fake.dialogs += 1; };
  window.chatWidgetConfig = {
    title: "Test shop", greeting: "Hello from the greeting",
    io: function (url, options) {
      var socket = {
        connected: false, handlers: {}, url: url, options: options,
        on: function (event, fn) { (this.handlers[event] = this.handlers[event] || []).push(fn); },
        timeout: function () { return this; },
        emit: function (event, data, ack) {
          fake.emitted.push([event, JSON.parse(JSON.stringify(data))]);
          if (ack) { var reply = fake.ackReply; fake.ackReply = undefined; ack(null, reply); }
        },
        fire: function (event, data) { (this.handlers[event] || []).forEach(function (fn) { fn(data); }); },
      };
      fake.socket = socket;
      setTimeout(function () { socket.connected = true; socket.fire("connect"); }, 0);
      return socket;
    },
  };
</script>
<script src="/widget.js"></script>
</body></html>`;

let browser, page;

before(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1024, height: 760 } });
  page.on("dialog", () => assert.fail("a dialog fired"));
  page.on("pageerror", (error) => assert.fail(`page error: ${error.message}`));
  await page.route("http://shop.test/**", (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === "/widget.js") return route.fulfill({ contentType: "text/javascript", body: widgetJs });
    return route.fulfill({ contentType: "text/html", body: PAGE });
  });
  await page.goto("http://shop.test/");
});

after(async () => {
  await page?.screenshot({ path: join(outDir, "widget-fake-gateway.png") }).catch(() => {});
  await browser?.close();
});

const W = (selector) => page.locator(`#chat-widget ${selector}`);
const focused = () => page.evaluate(() => document.querySelector("#chat-widget").shadowRoot.activeElement?.id);
/** What has the focus inside the panel (its label, id or text); null once focus left it. */
const panelFocus = () => page.evaluate(() => {
  const active = document.querySelector("#chat-widget").shadowRoot.activeElement;
  return active && active.closest(".panel")
    ? active.getAttribute("aria-label") || active.id || active.textContent : null;
});
const fire = (event, data) => page.evaluate(([e, d]) => fake.socket.fire(e, d), [event, data]);
const sentAsIs = (event) => page.evaluate((e) => fake.emitted.filter((x) => x[0] === e).map((x) => x[1]), event);
/** What the widget emitted, without the page context it adds to every request (checked
 * in a test of its own): `metadata: {context}` goes, an emptied metadata stays `{}`. */
const emitted = async (event) => (await sentAsIs(event)).map((data) => {
  if (!data || !data.metadata || !data.metadata.context) return data;
  const { context, ...metadata } = data.metadata;
  const { metadata: _, ...rest } = data;
  return event === "user_uttered" ? { ...rest, metadata } : rest;
});
const logOrder = () => page.evaluate(() => [...document.querySelector("#chat-widget").shadowRoot
  .querySelectorAll(".msg:not(.greeting)")].map((n) => `${n.dataset.id || "-"} ${n.dataset.role} ${n.querySelector(".bubble")?.textContent}`));
async function send(text) {
  await W("textarea").fill(text);
  await W("textarea").press("Enter");
}

test("a new visitor connects only when opening the panel, then asks for a session", async () => {
  assert.equal(await page.evaluate(() => fake.socket), null);
  await W(".launcher").click();
  await page.waitForFunction(() => fake.emitted.some((x) => x[0] === "session_request"));
  assert.deepEqual(await emitted("session_request"), [{ session_id: null, extended: true }]);
  const [{ metadata: { context } }] = await sentAsIs("session_request");
  assert.equal(context.page_url, await page.evaluate(() => location.href));
  assert.equal(typeof context.utc_offset_min, "number");
  await fire("session_confirm", "token-1");
  await fire("history", { messages: [] });
  await fire("status", { state: "bot", agents_online: 2 });
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("chat_session")));
  assert.equal(stored.session_id, "token-1");
  await W(".msg.greeting").filter({ hasText: "Hello from the greeting" }).waitFor();
});

test("the page's CSS does not reach the widget, and the widget's does not reach the page", async () => {
  const bubbleColor = await W(".msg.greeting .bubble").evaluate((el) => getComputedStyle(el).color);
  assert.notEqual(bubbleColor, "rgb(255, 0, 0)");
  const launcherBackground = await W(".launcher").evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(launcherBackground, "rgb(255, 105, 180)");
  const probe = await page.locator("#host-probe").evaluate((el) => {
    const style = getComputedStyle(el);
    return { position: style.position, radius: style.borderRadius };
  });
  assert.deepEqual(probe, { position: "static", radius: "0px" });
});

test("quick replies send their payload, show their title and disappear", async () => {
  await fire("bot_uttered", { id: "100-0", ts: 1, role: "bot", text: "What do you need?",
    quick_replies: [{ content_type: "text", title: "Track my order", payload: "/track_order" },
      { content_type: "text", title: "Returns", payload: "/returns" }] });
  await W(".quick button").filter({ hasText: "Returns" }).waitFor();
  await W(".quick button").filter({ hasText: "Track my order" }).click();
  assert.deepEqual((await emitted("user_uttered")).at(-1),
    { message: "/track_order", session_id: "token-1", metadata: {} });
  await W(".msg.customer").filter({ hasText: "Track my order" }).waitFor();
  assert.equal(await W(".quick").count(), 0);
});

test("a replay overlapping live events shows each entry once, in id order", async () => {
  await fire("bot_uttered", { id: "300-0", ts: 3, role: "bot", text: "Live one" });
  await fire("history", { messages: [
    { id: "100-0", ts: 1, role: "bot", text: "What do you need?" },
    { id: "200-0", ts: 2, role: "customer", text: "/track_order" },
    { id: "250-0", ts: 2.5, role: "bot", text: "Replayed one" },
    { id: "300-0", ts: 3, role: "bot", text: "Live one" }] });
  assert.deepEqual(await logOrder(), [
    "100-0 bot What do you need?",
    "200-0 customer Track my order",   // our optimistic copy got its id; title kept
    "250-0 bot Replayed one",
    "300-0 bot Live one",
  ]);
});

test("a message written offline is queued, kept in storage and sent after the reconnect", async () => {
  await page.evaluate(() => { fake.socket.connected = false; fake.socket.fire("disconnect", "transport close"); });
  await W(".status").filter({ hasText: "Offline" }).waitFor();
  await send("Written while offline");
  await W(".msg.customer.pending").filter({ hasText: "will be sent" }).waitFor();
  const outbox = await page.evaluate(() => JSON.parse(localStorage.getItem("chat_session")).outbox);
  assert.deepEqual(outbox.map((x) => x.text), ["Written while offline"]);
  const before = (await emitted("user_uttered")).length;
  await page.evaluate(() => { fake.socket.connected = true; fake.socket.fire("connect"); });
  assert.deepEqual((await emitted("session_request")).at(-1), { session_id: "token-1", extended: true, last_id: "300-0" });
  await fire("session_confirm", "token-1");
  await fire("history", { messages: [] });
  const sent = await emitted("user_uttered");
  assert.equal(sent.length, before + 1);
  assert.equal(sent.at(-1).message, "Written while offline");
  await W(".msg.customer.pending").waitFor({ state: "detached" });
  assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem("chat_session")).outbox), []);
});

test("a message the gateway refuses is marked as not sent, with the reason", async () => {
  await page.evaluate(() => { fake.ackReply = { ok: false, error: "message_too_long", message: "Too long." }; });
  await send("x".repeat(50));
  await W(".msg.customer").filter({ hasText: "Not sent: Too long." }).waitFor();
});

test("hostile text and names are shown as text, never as HTML", async () => {
  const evil = "<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>";
  await fire("bot_uttered", { id: "400-0", ts: 4, role: "agent", name: "<i>Eve</i><img src=y onerror=alert(3)>", text: evil });
  await fire("typing", { role: "agent", name: "<img src=z onerror=alert(4)>", typing: true });
  await W(".msg.agent .bubble").filter({ hasText: evil }).waitFor();
  await W(".msg.agent .who").filter({ hasText: "<i>Eve</i>" }).waitFor();
  await W(".typing").filter({ hasText: "<img src=z" }).waitFor();
  await page.waitForTimeout(300);
  const elements = await page.evaluate(() => document.querySelector("#chat-widget").shadowRoot
    .querySelectorAll(".log img, .log script, .log b, .log i, .typing img").length);
  assert.equal(elements, 0);
  assert.equal(await page.evaluate(() => fake.dialogs), 0);
});

test("links in messages are real links for http(s) only", async () => {
  await fire("bot_uttered", { id: "500-0", ts: 5, role: "bot",
    text: "See https://shop.test/help/returns. Not javascript:alert(1) though." });
  const links = await page.evaluate(() => [...document.querySelector("#chat-widget").shadowRoot
    .querySelectorAll(".msg[data-id='500-0'] a")].map((a) => [a.getAttribute("href"), a.rel]));
  assert.deepEqual(links, [["https://shop.test/help/returns", "noopener noreferrer"]]);
});

test("typing indicator, waiting status and the agent joining", async () => {
  await fire("typing", { role: "bot", typing: true });
  await W(".typing").filter({ hasText: "Assistant is typing" }).waitFor();
  await fire("bot_uttered", { id: "510-0", ts: 5.1, role: "bot", text: "Any message hides it" });
  await W(".typing").waitFor({ state: "hidden" });
  await fire("status", { state: "queued", position: 2, estimated_wait_s: 240, agents_online: 1 });
  await W(".status").filter({ hasText: "number 2 in line · about 4 minutes" }).waitFor();
  // With a person involved the bar offers "End chat" instead of "Talk to a person".
  assert.equal(await W("button[data-action=request-human]").isHidden(), true);
  await W("button[data-action=end-chat]").waitFor();
  await fire("status", { state: "with_agent", agent: "Ada", agents_online: 1 });
  await W(".status").filter({ hasText: "chatting with Ada" }).waitFor();
});

test("the agent's connection drops: told at once, may ask for someone else, sees the requeue", async () => {
  await fire("bot_uttered", { id: "520-0", ts: 5.2, role: "system", text: "Ada lost connection, reconnecting..." });
  await fire("status", { state: "with_agent", agent: "Ada", agent_connected: false, agents_online: 0 });
  await W(".status").filter({ hasText: "Ada lost connection, reconnecting" }).waitFor();
  const human = W("button[data-action=request-human]");
  assert.equal(await human.textContent(), "Talk to someone else");
  await human.click();
  assert.ok((await emitted("request_human")).length > 0);
  assert.equal(await focused(), "cw-input", "the focus stays in the chat, on the message box");
  const notice = "The person helping you lost their connection. You're first in line for the next person from our team.";
  await fire("bot_uttered", { id: "521-0", ts: 5.3, role: "system", text: notice });
  await fire("status", { state: "queued", position: 1, estimated_wait_s: null, agents_online: 0 });
  await W(".status").filter({ hasText: "Back in the queue" }).waitFor();
  await W(".card.contact").waitFor();
  // The notice is in view above the email form, not scrolled out under it.
  const [bubble, log] = await Promise.all([W(".msg[data-id='521-0']").boundingBox(), W(".log").boundingBox()]);
  assert.ok(bubble.y >= log.y && bubble.y + bubble.height <= log.y + log.height + 1, "the requeue notice is in view");
  await fire("status", { state: "with_agent", agent: "Ada", agent_connected: true, agents_online: 1 });
  await W(".status").filter({ hasText: "chatting with Ada" }).waitFor();
});

test("a message while the panel is closed shows a preview on the launcher", async () => {
  await page.evaluate(() => ChatWidget.close());
  await fire("bot_uttered", { id: "530-0", ts: 5.4, role: "agent", name: "Ada", text: "Your parcel is at the depot." });
  const preview = W(".preview");
  await preview.filter({ hasText: "Ada" }).filter({ hasText: "Your parcel is at the depot." }).waitFor();
  await W(".badge").filter({ hasText: "1" }).waitFor();
  await page.screenshot({ path: join(outDir, "widget-launcher-preview.png") });
  await W(".preview button[data-action=open-preview]").click();
  await W(".panel").waitFor();
  assert.equal(await preview.isHidden(), true);
  assert.equal(await W(".badge").isHidden(), true);
});

test("nobody online: the customer can leave an email", async () => {
  await fire("status", { state: "queued", position: 1, estimated_wait_s: null, agents_online: 0 });
  await W(".card.contact").waitFor();
  await W(".card.contact input[type=email]").fill("sam@example.com");
  await W(".card.contact button[type=submit]").click();
  assert.deepEqual((await emitted("contact_details")).at(-1), { email: "sam@example.com", name: "" });
  // The gateway's notice thanks them; the form goes, giving its room back to the conversation.
  await W(".card.contact").waitFor({ state: "hidden" });
  assert.equal(await focused(), "cw-input");
  // This gateway did not say it can email: no email answer is promised.
  assert.equal(await W("button[data-action=email]").isVisible(), false);
  assert.doesNotMatch(await W(".status").textContent(), /online/, "the notice says it, not the status line too");
});

test("where the gateway can email, the customer can have the conversation mailed", async () => {
  await fire("history", { messages: [], email: true });
  await W("button[data-action=email]").waitFor();
  await page.evaluate(() => { fake.ackReply = { ok: true }; });
  await W("button[data-action=email]").click();
  assert.deepEqual((await emitted("email_transcript")).at(-1), {});
  assert.equal(await W("button[data-action=email]").getAttribute("title"), "Sent: check your inbox");
});

test("resolved: one click rates the conversation", async () => {
  await fire("bot_uttered", { id: "600-0", ts: 6, role: "system", text: "Ada resolved this." });
  await fire("status", { state: "resolved", agent: "Ada", agents_online: 1 });
  await W(".card.rating").filter({ hasText: "How was your chat with Ada?" }).waitFor();
  await W(".card.rating button[data-score='4']").click();
  assert.deepEqual((await emitted("rating")).at(-1), { score: 4 });
  // The thanks is the gateway's notice in the conversation: no card stays pinned.
  await W(".card.rating").waitFor({ state: "hidden" });
});

test("after a resolve, the header and the rating card follow the conversation", async () => {
  await fire("bot_uttered", { id: "610-0", ts: 6.1, role: "system", text: "Ada resolved this again." });
  await fire("status", { state: "resolved", agent: "Ada", agents_online: 1 });
  await W(".card.rating").waitFor();
  await send("One more question");
  await W(".status").filter({ hasText: "Assistant" }).waitFor();
  assert.equal(await W(".card.rating").isHidden(), true, "writing again moves on from the rating");
  await fire("status", { state: "resolved", agent: "Ada", agents_online: 1 });
  await W(".status").filter({ hasText: "resolved" }).waitFor();
  await fire("bot_uttered", { id: "620-0", ts: 6.2, role: "bot", text: "The bot answers again" });
  await W(".status").filter({ hasText: "Assistant" }).waitFor();
});

test("End chat asks the gateway to end it and keeps the focus in the chat", async () => {
  await fire("status", { state: "queued", position: 1, estimated_wait_s: 60, agents_online: 1 });
  await W("button[data-action=end-chat]").click();
  assert.deepEqual((await emitted("end_chat")).at(-1), {});
  assert.equal(await focused(), "cw-input");
  await fire("status", { state: "bot", agents_online: 1 });
  await W("button[data-action=end-chat]").waitFor({ state: "hidden" });
  await W("button[data-action=request-human]").waitFor();
});

test("a message past the limit is refused in words before sending, and never cut", async () => {
  const before = (await emitted("user_uttered")).length;
  const long = "word ".repeat(600).trim(); // 2,999 characters
  await W("textarea").fill(long);
  await W(".count.over").filter({ hasText: "2,999 / 2,000" }).waitFor();
  await W("textarea").press("Enter");
  await W(".limit").filter({ hasText: "Not sent: your message has 2,999 characters; the limit is 2,000." }).waitFor();
  assert.equal(await W("textarea").inputValue(), long, "the text stays whole in the box");
  assert.equal((await emitted("user_uttered")).length, before, "nothing was sent");
  await page.screenshot({ path: join(outDir, "widget-message-too-long.png") });
  await W("textarea").fill(long.slice(0, 1899));
  await W(".limit").waitFor({ state: "hidden" });
  await W(".count:not(.over)").filter({ hasText: "1,899 / 2,000" }).waitFor();
  await W("textarea").fill("");
  await W(".count").waitFor({ state: "hidden" });
});

test("the counter and the refusal follow the limit the gateway tells", async () => {
  await fire("history", { messages: [], max_message_chars: 50 });
  await W("textarea").fill("x".repeat(60));
  await W(".count.over").filter({ hasText: "60 / 50" }).waitFor();
  await W("textarea").press("Enter");
  await W(".limit").filter({ hasText: "the limit is 50." }).waitFor();
  await fire("history", { messages: [], max_message_chars: 2000 });
  await W(".limit").waitFor({ state: "hidden" });
  await W("textarea").fill("");
});

test("a closed conversation: the next message starts a new session and is sent there", async () => {
  await page.evaluate(() => { fake.ackReply = { ok: false, error: "conversation_closed", message: "closed" }; });
  await send("Hello again");
  assert.deepEqual((await emitted("session_request")).at(-1), { session_id: null, extended: true });
  await fire("session_confirm", "token-2");
  await fire("history", { messages: [] });
  assert.equal((await emitted("user_uttered")).at(-1).message, "Hello again");
  assert.equal((await emitted("user_uttered")).at(-1).session_id, "token-2");
  assert.deepEqual(await logOrder(), ["- customer Hello again"]); // the old log is gone
  assert.equal(await W(".card.rating").isVisible(), false);
  await W(".status").filter({ hasText: "Assistant" }).waitFor();
});

test("at desktop size Tab goes once round the panel (header buttons too), then on to the page", async () => {
  await page.evaluate(() => { ChatWidget.close(); ChatWidget.open(); }); // focus on the message box
  assert.equal(await W(".panel").getAttribute("aria-modal"), "false");
  const reached = [];
  for (let label = await panelFocus(); label && reached.length < 20; label = await panelFocus()) {
    reached.push(label);
    await page.keyboard.press("Tab");
  }
  assert.equal(reached[0], "Message");
  assert.equal(reached.at(-1), "Send message", `the round ends where it began (${reached.join(", ")})`);
  for (const label of ["Download transcript", "Close chat", "Attach a screenshot or PDF", "Send message"]) {
    assert.ok(reached.includes(label), `${label} is reached with Tab (${reached.join(", ")})`);
  }
  assert.ok(reached.length < 20, `Tab leaves the panel (${reached.join(", ")})`);
});

test("the panel fits a 360 px wide phone, keeps Tab inside and has a 16 px message box", async () => {
  await page.setViewportSize({ width: 360, height: 700 });
  await page.evaluate(() => { ChatWidget.close(); ChatWidget.open(); }); // opened at phone size
  const box = await W(".panel").boundingBox();
  assert.ok(box.x >= 0 && box.width <= 360, JSON.stringify(box));
  assert.equal(await W("textarea").evaluate((el) => getComputedStyle(el).fontSize), "16px");
  assert.equal(await W(".panel").getAttribute("aria-modal"), "true");
  const reached = new Set();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    const label = await panelFocus();
    assert.ok(label, `Tab ${i + 1} stays inside the panel`);
    reached.add(label);
  }
  for (const label of ["Download transcript", "Close chat", "Attach a screenshot or PDF", "Message"]) {
    assert.ok(reached.has(label), `${label} is reached with Tab (${[...reached].join(", ")})`);
  }
  await page.screenshot({ path: join(outDir, "widget-fake-gateway-360.png") });
});

test("an email's resume link reopens that conversation and leaves the address bar", async () => {
  await page.goto("http://shop.test/shop?resume=mail-token.abc&ref=mail#top");
  await page.waitForFunction(() => fake.emitted.some((x) => x[0] === "session_request"));
  assert.deepEqual(await emitted("session_request"), [{ session_id: "mail-token.abc", extended: true }]);
  assert.equal(await page.evaluate(() => location.pathname + location.search + location.hash), "/shop?ref=mail#top");
  await W(".panel").waitFor(); // opened for the customer who clicked the link
  await fire("session_confirm", "conversation-token");
  await fire("history", { messages: [{ id: "700-0", ts: 7, role: "agent", name: "Ada", text: "Your refund is on its way." }], email: true });
  await W(".msg.agent").filter({ hasText: "Your refund is on its way." }).waitFor();
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("chat_session")));
  assert.equal(stored.session_id, "conversation-token");
});

test("a day line stands before the first message of each day", async () => {
  const now = Date.now() / 1000;
  await fire("bot_uttered", { id: "710-0", ts: now - 86400, role: "agent", name: "Ada", text: "Sent yesterday" });
  await fire("bot_uttered", { id: "720-0", ts: now - 86400 + 1, role: "agent", name: "Ada", text: "Also yesterday" });
  await fire("bot_uttered", { id: "730-0", ts: now, role: "agent", name: "Ada", text: "Sent today" });
  const lines = await page.evaluate(() => [...document.querySelector("#chat-widget").shadowRoot
    .querySelectorAll(".log > .day, .log > .msg:not(.greeting)")].map((n) => n.classList.contains("day")
      ? `-- ${n.textContent}` : n.querySelector(".bubble").textContent));
  assert.deepEqual(lines.slice(-5), ["-- Yesterday", "Sent yesterday", "Also yesterday", "-- Today", "Sent today"]);
});
