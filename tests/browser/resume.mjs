// An email's resume link opened in a real browser: the widget on the page reopens the same
// conversation with its history, and takes the token out of the address bar.
//   node resume.mjs <link> <text the history must show> <output dir>
import { launchChromium } from "./chromium.mjs";

const [link, expected, output] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 760 } });
  await page.goto(link);
  // Playwright's text locators look inside the widget's shadow root.
  await page.getByText(expected).first().waitFor({ timeout: 30000 });
  await page.screenshot({ path: `${output}/resume-link.png` });
  if (page.url().includes("resume=")) throw new Error(`the token stayed in the address: ${page.url()}`);
  console.log("resumed");
} finally {
  await browser.close();
}
