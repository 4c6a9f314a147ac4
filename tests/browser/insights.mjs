// The console's insights page, as an admin uses it, in Debian's Chromium:
//
//   node tests/browser/insights.mjs <gateway url> <output dir> <admin> <admin password> <agent> <agent password>
//
// The admin opens Insights from the console, sees the figures, the charts and the
// clusters, renames a cluster's draft FAQ and downloads it; an agent sees no Insights link.
// Saves the download as <output dir>/reviewed_answer.yml. Any page error or CSP refusal
// fails it.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
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

  const first = clusters.first();
  await first.locator("input").fill("reviewed_answer");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    first.locator("button", { hasText: "Download YAML" }).click(),
  ]);
  check(download.suggestedFilename() === "reviewed_answer.yml", `file name ${download.suggestedFilename()}`);
  await download.saveAs(join(outDir, "reviewed_answer.yml"));
  console.log("ok   the edited draft downloads");

  await page.goto(`${gateway}/console/`);
  await page.locator("#sign-out").click();
  await signIn(agent, agentPassword);
  check(await page.locator("#insights-open").isHidden(), "agents see no Insights link");
  console.log("ok   an agent sees no Insights link");
  check(problems.length === 0, problems.join("\n"));
} catch (error) {
  await page.screenshot({ path: join(outDir, "insights-FAILED.png") }).catch(() => {});
  console.log(`FAIL ${error.message}`);
  for (const problem of problems) console.log(problem);
  await browser.close();
  process.exit(1);
}
await browser.close();
