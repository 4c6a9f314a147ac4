// The console's insights page, as an admin uses it, in Debian's Chromium:
//
//   node tests/browser/insights.mjs <gateway url> <output dir> <admin> <admin password> <agent> <agent password>
//
// The admin opens Insights from the console, sees the figures, the charts and the
// clusters, renames a cluster's draft FAQ and downloads it; finds the answer an agent
// marked good (TAUGHT_QUESTION, TAUGHT_REPLY), downloads its renamed draft and clears it
// from the review list; an agent sees no Insights link. Saves the downloads as
// <output dir>/reviewed_answer.yml and taught_answer.yml. Any page error, CSP refusal or
// serious accessibility violation (axe-core) fails it.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { accessibilitySummary, checkAccessibility } from "./axe.mjs";
import { launchChromium } from "./chromium.mjs";
import { check, signIn as signInTo, watchProblems } from "./console_page.mjs";

const [gateway, outDir, admin, adminPassword, agent, agentPassword] = process.argv.slice(2, 8);
if (!agentPassword) {
  console.error("usage: node insights.mjs <gateway url> <output dir> <admin> <password> <agent> <password>");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const browser = await launchChromium();
const context = await browser.newContext({ acceptDownloads: true });
const page = await context.newPage();
const problems = watchProblems(page);
const signIn = (username, password) => signInTo(page, gateway, username, password);

/** Renames the draft FAQ under `card` to `id`, downloads it and saves it as <id>.yml. */
async function downloadDraft(card, id) {
  await card.getByLabel("FAQ id").fill(id);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    card.getByRole("button", { name: "Download YAML" }).click(),
  ]);
  check(download.suggestedFilename() === `${id}.yml`, `file name ${download.suggestedFilename()}`);
  await download.saveAs(join(outDir, `${id}.yml`));
}

try {
  await signIn(admin, adminPassword);
  await page.locator("#insights-open").click();
  await page.locator("#report").waitFor({ timeout: 90000 });
  const conversations = await page.locator("#conversations").textContent();
  check(conversations === process.env.EXPECTED_CONVERSATIONS, `conversations shown: ${conversations}`);
  check(await page.locator("#chart-reasons svg rect").count() >= 3, "a bar per hand-off reason");
  check(await page.locator("#chart-ratings svg rect").count() === 5, "a bar per score");
  const clusters = page.locator("#clusters > li");
  check(await clusters.count() === 10, `ten clusters (got ${await clusters.count()})`);
  await page.screenshot({ path: join(outDir, "insights.png"), fullPage: true });
  console.log("ok   the admin sees figures, charts and clusters");

  await downloadDraft(clusters.first(), "reviewed_answer");
  console.log("ok   the edited draft downloads");

  const taught = page.locator("#taught > li");
  await taught.first().waitFor();
  check(await taught.count() === 1, `one answer to review (got ${await taught.count()})`);
  const marked = taught.first();
  check(await marked.locator("h3").textContent() === process.env.TAUGHT_QUESTION, "the customer's question");
  const facts = await marked.locator("dd").allTextContents();
  check(facts[0] === process.env.TAUGHT_REPLY && facts[1] === agent, `reply and agent: ${facts}`);
  check(!Number.isNaN(Date.parse(await marked.locator("time").getAttribute("datetime"))), "when it was marked");
  await checkAccessibility(page, "insights with an answer agents marked good");
  await marked.screenshot({ path: join(outDir, "insights-taught.png") });
  await downloadDraft(marked, "taught_answer");
  console.log("ok   the answer ada marked shows, and its edited draft downloads");

  await marked.getByRole("button", { name: "Reviewed: clear from the list" }).click();
  await marked.waitFor({ state: "detached" });
  check(await page.locator("#taught-note").textContent() === "No answers to review.", "the list says it is empty");
  check(await page.evaluate(() => document.activeElement.id) === "taught-title", "focus on the list's heading");
  console.log("ok   the reviewed answer is cleared");

  await page.goto(`${gateway}/console/`);
  await page.locator("#sign-out").click();
  await signIn(agent, agentPassword);
  check(await page.locator("#insights-open").isHidden(), "agents see no Insights link");
  console.log("ok   an agent sees no Insights link");
  check(problems.length === 0, problems.join("\n"));
  console.log(accessibilitySummary());
} catch (error) {
  await page.screenshot({ path: join(outDir, "insights-FAILED.png") }).catch(() => {});
  console.log(`FAIL ${error.message}`);
  for (const problem of problems) console.log(problem);
  await browser.close();
  process.exit(1);
}
await browser.close();
