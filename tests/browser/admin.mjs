// The console's account panel, as an admin uses it, in Debian's Chromium:
//
//   node tests/browser/admin.mjs <gateway url> <output dir> <admin> <admin password> <agent> <agent password>
//
// The admin adds an agent, disables them, signs out (the token stops working); an agent
// who is not an admin sees no Accounts button. Any page error or CSP refusal fails it.
// Exits non-zero (after admin-FAILED.png) on the first failure.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
import { check, signIn as signInTo, watchProblems } from "./console_page.mjs";

const [gateway, outDir, admin, adminPassword, agent, agentPassword] = process.argv.slice(2, 8);
if (!agentPassword) {
  console.error("usage: node admin.mjs <gateway url> <output dir> <admin> <password> <agent> <password>");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const browser = await launchChromium();
const page = await browser.newPage();
// The API's refusals are what this script tests, not problems.
const problems = watchProblems(page, (url) => url.includes("/api/"));
page.on("dialog", (dialog) => dialog.accept());
const signIn = (username, password) => signInTo(page, gateway, username, password);

try {
  await signIn(admin, adminPassword);
  await page.locator("#accounts-open").click();
  await page.locator(`#accounts-rows tr[data-username="${agent}"]`).waitFor();
  const form = page.locator("#account-add");
  await form.locator("input[name=username]").fill("dee");
  await form.locator("input[name=name]").fill("Dee <b>Admin</b>");
  await form.locator("input[name=password]").fill("dee-password");
  await form.locator("button[type=submit]").click();
  const dee = page.locator('#accounts-rows tr[data-username="dee"]');
  await dee.waitFor();
  check((await dee.locator("td").nth(1).textContent()) === "Dee <b>Admin</b>", "names are shown as text");
  await dee.locator("button", { hasText: "Disable" }).click();
  await dee.locator("td", { hasText: "disabled" }).waitFor();
  await page.screenshot({ path: join(outDir, "admin-accounts.png") });
  console.log("ok   admin added and disabled an agent");

  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("agent_session")).token);
  await page.locator("#accounts-close").click();
  const loggedOut = page.waitForResponse((response) => response.url().endsWith("/api/agents/logout"));
  await page.locator("#sign-out").click();
  check((await loggedOut).status() === 200, "sign out revokes the token on the server");
  const after = await page.request.get(`${gateway}/api/faq-answers`, { headers: { Authorization: `Bearer ${token}` } });
  check(after.status() === 401, `the signed-out token is refused (got ${after.status()})`);
  console.log("ok   sign out revoked the token");

  await signIn(agent, agentPassword);
  check(await page.locator("#accounts-open").isHidden(), "agents see no Accounts button");
  console.log("ok   an agent sees no Accounts button");
  check(problems.length === 0, problems.join("\n"));
} catch (error) {
  await page.screenshot({ path: join(outDir, "admin-FAILED.png") }).catch(() => {});
  console.log(`FAIL ${error.message}`);
  for (const problem of problems) console.log(problem);
  await browser.close();
  process.exit(1);
}
await browser.close();
