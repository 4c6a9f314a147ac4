// What every browser scenario here does with a page: dialogs and page errors are failures
// (collected in `problems`), the page's console goes to `log`, one default timeout.
export function watchPage(page, who, problems, log, timeout = 30_000) {
  page.on("dialog", async (dialog) => {
    problems.push(`${who}: a ${dialog.type()} dialog fired: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on("pageerror", (error) => problems.push(`${who}: page error: ${error.message}`));
  page.on("console", (message) => log.push(`[${who} ${message.type()}] ${message.text()}`));
  page.setDefaultTimeout(timeout);
  return page;
}
