// Bundles the frontend into src/limelight/static/: widget.js (every view but the charts'
// renderer), one bundle per widget family (explain, explorer, modelviz, many) and vega.js (vega + vega-lite + vega-embed, sent only to chart views and
// imported lazily). Both ESM, minified, no CDN. `--watch` rebuilds on change.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = resolve(root, "src/limelight/static");
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  legalComments: "none",
  logLevel: "info",
  define: { "process.env.NODE_ENV": '"production"' },
};
// widget.js holds every view (HTML exports, tests); each widget family's notebook state
// carries only its own bundle (js/src/entries/), so a saved notebook stays small
const entries = ["explain", "explorer", "modelviz", "many"].map((name) => ({
  ...common,
  entryPoints: [resolve(root, `js/src/entries/${name}.js`)],
  outfile: resolve(outdir, `${name}.js`),
}));
const builds = [
  { ...common, entryPoints: [resolve(root, "js/src/index.js")], outfile: resolve(outdir, "widget.js") },
  { ...common, entryPoints: [resolve(root, "js/src/vega.js")], outfile: resolve(outdir, "vega.js") },
  ...entries,
];

if (process.argv.includes("--watch")) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
