// Parse Mermaid text with Mermaid's own parser under a DOM stand-in; exit 1 on a syntax error.
// The packages come from ROLESIM_MERMAID_DIR (npm install --prefix DIR mermaid@11 jsdom).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const require = createRequire(join(process.env.ROLESIM_MERMAID_DIR, "package.json"));
const load = (name) => import(pathToFileURL(require.resolve(name)).href);
const { JSDOM } = await load("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMPurify = undefined;
const { default: mermaid } = await load("mermaid");
mermaid.initialize({ startOnLoad: false });
const text = readFileSync(process.argv[2], "utf8");
try {
  await mermaid.parse(text);
  console.log("ok");
} catch (err) {
  console.error(String(err && err.message || err));
  process.exit(1);
}
