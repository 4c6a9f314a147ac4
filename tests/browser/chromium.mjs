// Debian's Chromium (CHROMIUM overrides /usr/bin/chromium), headless, with the flags every
// browser test here uses: no sandbox (containers), nothing reaching out to the network.
import { chromium } from "playwright-core";

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
