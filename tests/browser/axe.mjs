// axe-core in a Playwright page: the browser tests' accessibility check, shared by the
// widget's and the console's scenarios.
//
//   import { checkAccessibility, accessibilitySummary } from "./axe.mjs";
//   await checkAccessibility(page, "widget open", { include: "#chat-widget" });
//   console.log(accessibilitySummary());
//
// Each call runs axe (WCAG 2.0/2.1/2.2 A and AA rules) on the page as it is now, prints one
// line with the count of violations per impact, and throws on any serious or critical one
// (with each rule, its help text and the first offending elements). Shadow roots are
// checked too (the widget lives in one). The source is evaluated through the DevTools
// protocol, so the page's Content-Security-Policy does not block it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const IMPACTS = ["critical", "serious", "moderate", "minor"];
const BLOCKING = new Set(["critical", "serious"]);
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
const rows = [];

/** Runs axe on `page` (only under the `include` selector when given) and records the counts
 * under `state`; throws when a serious or critical violation is found. */
export async function checkAccessibility(page, state, { include } = {}) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async ({ include, tags }) => {
    const result = await window.axe.run(include ? { include: [[include]] } : document, {
      runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 3).map((node) => JSON.stringify(node.target)),
    }));
  }, { include, tags: TAGS });
  const counts = Object.fromEntries(IMPACTS.map((impact) => [impact, 0]));
  for (const violation of violations) counts[violation.impact] += 1;
  rows.push({ state, counts, violations });
  const line = IMPACTS.map((impact) => `${counts[impact]} ${impact}`).join(", ");
  const named = violations.map((v) => `${v.id} (${v.impact})`).join(", ");
  console.log(`axe  ${state}: ${line}${named ? `: ${named}` : ""}`);
  const blocking = violations.filter((v) => BLOCKING.has(v.impact));
  if (blocking.length) {
    throw new Error(`accessibility (${state}): ` + blocking
      .map((v) => `${v.id} [${v.impact}] ${v.help} at ${v.targets.join(" ")}`).join("; "));
  }
  return counts;
}

/** One line per checked state, for the end of a scenario's output. */
export function accessibilitySummary() {
  return rows.map(({ state, counts }) => `axe summary  ${state}: ` +
    IMPACTS.map((impact) => `${impact} ${counts[impact]}`).join(", ")).join("\n");
}
