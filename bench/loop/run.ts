/**
 * `npm run bench:loop`: our loop against plain async/await, Effection and Python's asyncio on three
 * scenarios (ping-pong, spawn+join, sleepers). Every measurement is a fresh child process that
 * runs the scenario twice: cold (1st) and warm (2nd). When `taskset` exists the child is pinned to
 * the core other processes used least during the 250 ms sample taken just before it.
 * Repetitions are interleaved (rep 1 of every impl, then rep 2, ...) and the tables show medians.
 * Before each child, the machine's CPU use by other processes is sampled, because it is shared.
 *
 * Before and after: with LOOP_BASELINE=<another checkout's root> (its npm ci done), the impl
 * `baseline` is that checkout's bench/loop/impl-loop.ts, run with that checkout's tsx; it is
 * measured interleaved with ours, and the tables and the targets show the loop against it.
 *
 *   npm run bench:loop -- [--reps N] [--quick] [--only a,b,c] [--impl loop,async,effection,asyncio,baseline] [--no-pin]
 *   LOOP_BASELINE=/elsewhere/loopchat npm run bench:loop -- --impl loop,baseline
 *   npm run bench:loop -- --help
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_SIZES, MAX_SLEEP_MS, QUICK_SIZES, SCENARIOS, type ChildReport, type Scenario } from "./harness.js";
import { commandVersion, hasCommand } from "../common/commands.js";
import { flag, list, number, parseOptions, refuse } from "../common/options.js";
import { idlestCore, loadAverages, sampleBusy } from "../common/proc.js";
import { repoRoot } from "../common/repo-root.js";
import { commitOf, packageVersion, reportHeader } from "../common/report-header.js";
import {
  ALL_IMPLS,
  IMPLS,
  SCENARIO_TITLES,
  checkConsistency,
  formatRate,
  loadTable,
  sleepTable,
  targetsTable,
  throughputTable,
  type Impl,
  type Measurement,
} from "./report.js";

/**
 * Sizes lowered for implementations that would otherwise blow the time budget. Effection spawns
 * about 5–10k tasks/s, so 100,000 tasks twice per rep would take minutes; its rate is shown at n=10,000.
 */
const SIZE_CAPS: Partial<Record<Impl, Partial<Record<Scenario, number>>>> = { effection: { b: 10_000 } };
const CHILD_TIMEOUT_MS = 180_000;
const LOAD_SAMPLE_MS = 250;

interface Options {
  reps: number;
  quick: boolean;
  scenarios: Scenario[];
  impls: Impl[];
  pin: boolean;
  /** The other checkout whose loop `baseline` runs, when it is among the impls. */
  baseline: string | null;
}

const COMMAND = {
  name: "bench:loop",
  invocation: "npm run bench:loop --",
  options: {
    reps: number({ min: 1, integer: true, help: "repetitions, interleaved (5; --quick 2)" }),
    quick: flag("smaller sizes, 2 repetitions unless --reps"),
    only: list(SCENARIOS, "these scenarios (all)"),
    impl: list(ALL_IMPLS, `these implementations (${IMPLS.join(",")}); baseline needs LOOP_BASELINE`),
    "no-pin": flag("do not pin each child to the idlest core with taskset"),
  },
};

function readOptions(): Options {
  const given = parseOptions(COMMAND);
  const impls = given.impl ?? [...IMPLS];
  return {
    reps: given.reps ?? (given.quick ? 2 : 5),
    quick: given.quick,
    scenarios: given.only ?? [...SCENARIOS],
    impls,
    pin: !given["no-pin"],
    baseline: impls.includes("baseline") ? baselineRoot() : null,
  };
}

/** LOOP_BASELINE, checked: a checkout with bench/loop/impl-loop.ts and its own tsx installed. */
function baselineRoot(): string {
  const root = process.env.LOOP_BASELINE;
  if (root === undefined || root === "") refuse(COMMAND, "--impl baseline needs LOOP_BASELINE=<path to another checkout's root>");
  const dir = resolve(root);
  if (!existsSync(join(dir, "bench/loop/impl-loop.ts"))) refuse(COMMAND, `LOOP_BASELINE=${root}: there is no bench/loop/impl-loop.ts there`);
  if (!existsSync(join(dir, "node_modules/tsx"))) refuse(COMMAND, `LOOP_BASELINE=${root}: there is no node_modules/tsx there (run npm ci in it)`);
  return dir;
}

function sizeFor(impl: Impl, scenario: Scenario, quick: boolean): number {
  const size = (quick ? QUICK_SIZES : DEFAULT_SIZES)[scenario];
  return Math.min(size, SIZE_CAPS[impl]?.[scenario] ?? Infinity);
}

interface ChildCommand {
  command: string;
  args: string[];
  /** The checkout it runs in: `--import tsx` resolves tsx from there. */
  cwd: string;
}

function childCommand(impl: Impl, scenario: Scenario, size: number, pin: string[], baseline: string | null): ChildCommand {
  const args = ["--scenario", scenario, "--size", String(size)];
  const root = impl === "baseline" ? (baseline as string) : repoRoot;
  const file = (name: string): string => join(root, "bench/loop", name);
  const [command, argv]: [string, string[]] =
    impl === "asyncio"
      ? ["python3", [file("asyncio_bench.py"), ...args]]
      : [process.execPath, ["--import", "tsx", file(`impl-${impl === "baseline" ? "loop" : impl}.ts`), ...args]];
  return pin.length === 0 ? { command, args: argv, cwd: root } : { command: pin[0] as string, args: [...pin.slice(1), command, ...argv], cwd: root };
}

function runChild({ command, args, cwd }: ChildCommand): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: CHILD_TIMEOUT_MS, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`${error.message.split("\n")[0]} ${stderr.trim().split("\n").slice(-1)[0] ?? ""}`.trim()));
        return;
      }
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as ChildReport);
      } catch {
        reject(new Error(`no JSON report in the child's output: ${line.slice(0, 200)}`));
      }
    });
  });
}

function summarize(m: Measurement): string {
  const warm = m.report?.runs[1];
  if (warm === undefined) return `FAILED ${m.error ?? ""}`;
  return m.scenario === "c"
    ? `warm wall ${warm.wallMs.toFixed(1)} ms, p99 late ${warm.p99LateMs?.toFixed(1)} ms`
    : `warm ${formatRate(warm.rate ?? NaN)}`;
}

async function main(): Promise<void> {
  const options = readOptions();
  const canPin = options.pin && hasCommand("taskset");
  const skipped = new Map<Impl, string>();
  if (options.impls.includes("asyncio") && !hasCommand("python3")) skipped.set("asyncio", "skipped: python3 not found");
  const python = skipped.has("asyncio") ? "python3 not found" : (commandVersion("python3") ?? "no python3");
  const header = reportHeader([python, `effection ${packageVersion("effection")}`]);
  if (options.baseline !== null) header.push(`baseline: the loop of ${options.baseline} at ${commitOf(options.baseline)}`);
  const started = Date.now();
  const measurements: Measurement[] = [];

  for (let rep = 1; rep <= options.reps; rep++) {
    for (const scenario of options.scenarios) {
      for (const impl of options.impls) {
        if (skipped.has(impl)) continue;
        const busy = await sampleBusy(LOAD_SAMPLE_MS);
        const core = canPin ? idlestCore(busy) : null;
        const pin = core === null ? [] : ["taskset", "-c", String(core)];
        const measurement: Measurement = { rep, impl, scenario, busy, core, loadAvg: loadAverages()[0], report: null };
        const child = childCommand(impl, scenario, sizeFor(impl, scenario, options.quick), pin, options.baseline);
        try {
          measurement.report = await runChild(child);
        } catch (error) {
          measurement.error = error instanceof Error ? error.message : String(error);
        }
        measurements.push(measurement);
        const onCore = core === null ? "" : ` / ${(busy.perCorePct[core] ?? NaN).toFixed(0)} % on core ${core}`;
        const other = `other CPU ${busy.allPct.toFixed(0)} % all${onCore}`;
        console.error(`rep ${rep}/${options.reps} (${scenario}) ${impl.padEnd(9)} ${summarize(measurement)}  [${other}]`);
      }
    }
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n## Loop benchmark\n\n${header.join("\n")}\n`);
  console.log(
    `${options.reps} reps interleaved, ` +
      `${options.quick ? "quick sizes" : "default sizes"}; ${canPin ? "each child pinned (taskset) to the core least used by others just before it" : "children not pinned"}; ` +
      `total ${seconds} s. Medians over reps; cold = 1st iteration in a fresh process, warm = 2nd. ` +
      `All ratios compare medians measured in this same run.\n`,
  );
  for (const scenario of options.scenarios) {
    console.log(`### ${SCENARIO_TITLES[scenario]}\n`);
    console.log(
      scenario === "c"
        ? sleepTable(measurements, options.impls, skipped, MAX_SLEEP_MS)
        : throughputTable(measurements, scenario, options.impls, skipped),
    );
    console.log("");
  }
  console.log("### Targets (loop vs the others, warm medians of this run)\n");
  console.log(targetsTable(measurements, options.scenarios, options.impls) + "\n");
  console.log("### Machine load before each measurement (other processes, sampled for 250 ms)\n");
  console.log(loadTable(measurements, options.reps) + "\n");
  for (const warning of checkConsistency(measurements)) console.log(`WARNING: ${warning}`);
  const capped = options.impls.flatMap((impl) =>
    options.scenarios.filter((s) => sizeFor(impl, s, options.quick) < (options.quick ? QUICK_SIZES : DEFAULT_SIZES)[s]).map((s) => `${impl} (${s})`),
  );
  if (capped.length > 0) console.log(`Note: smaller n for ${capped.join(", ")} to keep the run short (see the n column).`);
}

await main();
