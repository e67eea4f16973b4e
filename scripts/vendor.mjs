// Copy the browser builds of the npm packages the pages use into
// duban/static/vendor/ (ignored by git), where Django's static files
// (the finders in development, collectstatic in production) serve them.
// Run by `npm run build` (make's npm target, after `npm ci`).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const FILES = [
  // [from node_modules, to duban/static/vendor]
  ["echarts/dist/echarts.min.js", "echarts/echarts.min.js"],
  ["echarts/LICENSE", "echarts/LICENSE"],
  ["echarts/NOTICE", "echarts/NOTICE"],
];

for (const [from, to] of FILES) {
  const target = join(root, "duban", "static", "vendor", to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(root, "node_modules", from), target);
  console.log(`duban/static/vendor/${to}`);
}
