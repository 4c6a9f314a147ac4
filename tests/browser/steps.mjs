// The step runner the browser scenarios share: numbered steps, a screenshot of every page
// that shows something after each one, and on the first failure (a thrown error, or a
// dialog or page error in `problems`) FAILED-*.png, the browser log and exit code 1.
//
//   const { step, shot, finish } = stepRunner({ browser, outDir, problems, log,
//     pages: () => ({ customer, agent }) });   // read at each step: pages may be replaced
//   await step("agent-claims", async () => { ... });
//   await finish();                            // the log, axe-core's summary, "N passed"
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { accessibilitySummary } from "./axe.mjs";

export function stepRunner({ browser, outDir, problems, log, pages }) {
  let number = 0;
  const numbered = (name) => `${String(number).padStart(2, "0")}-${name}`;
  const writeLog = () => writeFileSync(join(outDir, "browser-console.log"), log.join("\n") + "\n");

  /** `<label>-<who>.png` of each open page that left about:blank (screenshots are records,
   *  not checks: one that fails does not fail the step). */
  async function photograph(label) {
    for (const [who, page] of Object.entries(pages())) {
      if (page.isClosed() || !page.url().startsWith("http")) continue;
      await page.screenshot({ path: join(outDir, `${label}-${who}.png`) }).catch(() => {});
    }
  }

  async function step(name, body) {
    number += 1;
    const label = numbered(name);
    const started = Date.now();
    try {
      await body(label);
      if (problems.length) throw new Error(problems.join("; "));
      await photograph(label);
      console.log(`ok   ${label} (${Date.now() - started} ms)`);
    } catch (error) {
      console.log(`FAIL ${label}: ${error.message}`);
      await photograph(`FAILED-${label}`);
      writeLog();
      await browser.close();
      process.exit(1);
    }
  }

  /** A screenshot of `who`'s page in the middle of a step (a menu or dialog that closes). */
  async function shot(name, who = "agent") {
    await pages()[who].screenshot({ path: join(outDir, `${numbered(name)}-${who}.png`) });
  }

  async function finish() {
    writeLog();
    await browser.close();
    console.log(accessibilitySummary());
    console.log(`${number} passed, 0 failed`);
  }

  return { step, shot, finish };
}
