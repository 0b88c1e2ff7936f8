// Runs the vitest suites and ends with one line "N passed, N failed" read from vitest's JSON
// report, so that a run which executed no test cannot pass for a green one.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const report = ".vitest-report.json";
rmSync(report, { force: true });
const args = ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync("npx", args, { stdio: "inherit" });

if (!existsSync(report)) {
  console.log("0 passed, 0 failed");
  console.error("vitest wrote no report: it did not run");
  process.exit(run.status || 1);
}
const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = JSON.parse(readFileSync(report, "utf8"));
const skipped = numPendingTests + numTodoTests;
console.log(`${numPassedTests} passed, ${numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
if (numPassedTests === 0) {
  console.error("no test ran");
  process.exit(1);
}
process.exit(run.status ?? 1);
