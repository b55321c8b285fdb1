// The reference toolchain for `make bench`: Node mjml 5 (which inlines `<mj-style inline="inline">` with
// juice) compiling the same MJML as our pipeline, in one warm process, so start-up is not counted.
//
// Usage: node benchmarks/reference.mjs INPUT.json
//   INPUT.json: {"reports": [[newsletter_mjml, press_mjml], ...], "min_seconds": 2}
// Prints JSON: per-report samples in ms (both documents of a report, as our pipeline compiles both),
// the start-up time (import of mjml) and a fidelity probe (juice really inlined our component CSS).

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const started = performance.now();
const { default: mjml2html } = await import("mjml");
const startupMs = performance.now() - started;

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const reports = input.reports;
const minSeconds = input.min_seconds ?? 2;

async function compile(mjml) {
  const result = await mjml2html(mjml); // defaults: validationLevel "soft", comments kept, no minify
  return result.html;
}

// Warm-up: every input once (JIT, caches), not recorded.
let probe = "";
for (const pair of reports) {
  for (const doc of pair) probe = await compile(doc);
}

const samples = [];
const deadline = performance.now() + minSeconds * 1000;
let i = 0;
while (performance.now() < deadline || i < reports.length) {
  const pair = reports[i % reports.length];
  const t0 = performance.now();
  for (const doc of pair) await compile(doc);
  samples.push(performance.now() - t0);
  i += 1;
}

// juice ran if our component CSS (`.nr-text p { margin: 0 0 12px 0; }`) landed in style attributes.
const inlined = (probe.match(/<p style="[^"]*margin: ?0 0 12px 0/g) || []).length;
process.stdout.write(JSON.stringify({
  node: process.version,
  mjml: JSON.parse(readFileSync(new URL("../node_modules/mjml/package.json", import.meta.url), "utf8")).version,
  juice: JSON.parse(readFileSync(new URL("../node_modules/juice/package.json", import.meta.url), "utf8")).version,
  startup_ms: startupMs,
  samples_ms: samples,
  inlined_paragraphs: inlined,
}) + "\n");
