// What the console's browser scripts share: a page that records every problem (page errors,
// CSP refusals, failed loads), signing in, and a check that throws.
//
//   const problems = watchProblems(page, (url) => url.includes("/api/"));
//   await signIn(page, gateway, "ada", "pw");
//   check(problems.length === 0, problems.join("\n"));

/** Collects problems of `page`; a status >= 400 of a URL `expected(url)` accepts is none. */
export function watchProblems(page, expected = () => false) {
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  // A CSP refusal shows as a console error; failed loads are told by URL (a browser asks
  // for /favicon.ico on its own: not ours to serve).
  page.on("console", (message) => {
    const text = message.text();
    if (message.type() === "error" && !text.startsWith("Failed to load resource")) {
      problems.push(`console error: ${text}`);
    }
  });
  page.on("response", (response) => {
    const url = response.url();
    if (response.status() >= 400 && !url.endsWith("/favicon.ico") && !expected(url)) {
      problems.push(`${response.status()} ${url}`);
    }
  });
  return problems;
}

export function check(condition, message) { if (!condition) throw new Error(message); }

export async function signIn(page, gateway, username, password) {
  await page.goto(`${gateway}/console/`);
  await page.locator("#login-username").fill(username);
  await page.locator("#login-password").fill(password);
  await page.locator("#login-form button[type=submit]").click();
  await page.locator("#app-view").waitFor();
}
