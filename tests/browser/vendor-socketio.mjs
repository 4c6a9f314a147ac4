// Copies socket.io-client's prebuilt browser bundle into widget/vendor/ (run after `npm ci`):
//   node tests/browser/vendor-socketio.mjs
// The committed copy is what the gateway serves; this script only refreshes it when the
// pinned socket.io-client version in package-lock.json changes.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "node_modules", "socket.io-client", "dist", "socket.io.min.js");
const { version } = JSON.parse(
  readFileSync(join(dirname(source), "..", "package.json"), "utf8"));
// The bundle keeps its own license banner; drop the source-map reference (not vendored).
const code = readFileSync(source, "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
const target = join(here, "..", "..", "widget", "vendor", "socket.io.min.js");
writeFileSync(target, code);
console.log(`vendored socket.io-client ${version} -> ${target} (${code.length} bytes)`);
