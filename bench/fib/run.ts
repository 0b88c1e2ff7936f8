/**
 * The lecture's claims about its three Fibonacci API servers, measured side by side in one run:
 *
 *   (1) many clients     how many idle connections each version holds, and what each costs
 *   (2) responsiveness   latency of small requests while others ask for a large n
 *   (3) throughput       CPU-bound requests/s pinned to 1 core and to 2 cores
 *
 *   npm run bench:fib                      # everything, ~4 min
 *   npm run bench:fib -- --quick           # smaller and shorter, ~1 min
 *   npm run bench:fib -- --only 1,3 --versions v1,v3 --cap 2000
 *   npm run bench:fib -- --compiled        # the servers compiled by tsc, run with plain node
 *   npm run bench:fib -- --help            # the options
 *
 * Options (full / --quick defaults):
 *   --only 1,2,3  --versions v1,v2,v3,v3-inline
 *   (1) --cap 5000/1000  --batch 200  --rss-bound-mib 1536/1024  --time-limit 30/6 (s per version)
 *       --deadline 10/6 (s for an answer after a batch)
 *   (2) --small-clients 50/20  --large-clients 4/2  --large-n (auto: fib(n) >= 500 ms here)
 *       --warm 1/0.5  --quiet 4/1  --loaded 8/2.5 (s)
 *   (3) --cpu-n (auto: fib(n) >= 20 ms here)  --cpu-clients 8/4  --window 6/1.5 (s)  --reps 2/1
 *
 * Tables go to stdout (markdown), progress to stderr. Every server is a fresh process; every wait
 * is bounded. See servers.ts for how the servers are started, the scenario files for the method.
 */
import { availableParallelism } from "node:os";
import { hasCommand } from "../common/commands.js";
import { flag, list, number, parseOptions } from "../common/options.js";
import { packageVersion, reportHeader } from "../common/report-header.js";
import { buildServers, removeBuild } from "./build.js";
import { timeFib, timeUntil, type FibTiming } from "./measure.js";
import { count, fibTimingTable, latencyShows, latencyTable, manyShows, manyTable, Notes, throughputShows, throughputTable, type ThroughputRuns } from "./report.js";
import { manyClients, type ManyResult } from "./scenario-many.js";
import { responsiveness, type LatencyResult } from "./scenario-latency.js";
import { throughput } from "./scenario-throughput.js";
import { VERSION_TITLES, VERSIONS, type Version } from "./servers.js";

const SCENARIOS = ["1", "2", "3"] as const;
const values = parseOptions({
  name: "bench:fib",
  invocation: "npm run bench:fib --",
  options: {
    quick: flag("smaller and shorter (the second default below)"),
    compiled: flag("run the servers compiled by tsc with plain node, not from source with tsx"),
    only: list(SCENARIOS, "these scenarios (all)"),
    versions: list(VERSIONS, "these versions (all; v3-inline only takes part in (2))"),
    cap: number({ min: 1, help: "(1) connections at most (5000 / 1000)" }),
    batch: number({ min: 1, help: "(1) largest batch of connections (200)" }),
    "rss-bound-mib": number({ min: 1, arg: "MIB", help: "(1) stop when the server's tree passes this RSS (1536 / 1024)" }),
    "time-limit": number({ min: 1, arg: "S", help: "(1) seconds per version (30 / 6)" }),
    deadline: number({ min: 0.1, arg: "S", help: "(1) seconds for an answer after a batch (10 / 6)" }),
    "small-clients": number({ min: 1, help: "(2) clients asking n=10 (50 / 20)" }),
    "large-clients": number({ min: 0, help: "(2) clients asking the large n (4 / 2)" }),
    "large-n": number({ min: 0, help: "(2) the large n (auto: fib(n) >= 500 ms here)" }),
    warm: number({ min: 0, arg: "S", help: "(2) seconds of small requests not counted (1 / 0.5)" }),
    quiet: number({ min: 0, arg: "S", help: "(2) seconds without large requests (4 / 1)" }),
    loaded: number({ min: 0.1, arg: "S", help: "(2) seconds with them (8 / 2.5)" }),
    "cpu-n": number({ min: 0, help: "(3) n asked (auto: fib(n) >= 20 ms here)" }),
    "cpu-clients": number({ min: 1, help: "(3) clients (8 / 4)" }),
    window: number({ min: 0.1, arg: "S", help: "(3) seconds measured (6 / 1.5)" }),
    reps: number({ min: 1, help: "(3) runs on 1 and on 2 cores (2 / 1)" }),
  },
});

const quick = values.quick;
const compiled = values.compiled;

type NumberOption = { [K in keyof typeof values]: (typeof values)[K] extends number | undefined ? K : never }[keyof typeof values];

/** `--name N` as given; without it the full-run or the `--quick` default. */
function option(name: NumberOption, full: number, short: number): number {
  return values[name] ?? (quick ? short : full);
}

const scenarios = values.only ?? [...SCENARIOS];
const versions = values.versions ?? [...VERSIONS];
const has = (v: Version): boolean => versions.includes(v);
const cores = availableParallelism();
const taskset = hasCommand("taskset");

const progress = (line: string): void => {
  process.stderr.write(`[bench:fib ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};
const print = (line = ""): void => {
  process.stdout.write(line + "\n");
};

function header(): void {
  print("## Fibonacci servers: v1 threads, v2 processes, v3 our loop (`bench/fib`)");
  print();
  for (const line of reportHeader([`tsx ${packageVersion("tsx")}`, `taskset ${taskset ? "present" : "MISSING (1-core rows skipped)"}`])) print(line);
  const how = compiled
    ? "`node <build>/shared/examples/<file>.js --port 0 --host 127.0.0.1 [...]` (compiled by tsc with bench/fib/tsconfig.servers.json into a temporary directory)"
    : "`node --import tsx shared/examples/<file>.ts --port 0 --host 127.0.0.1 [...]` (from source, as `npx tsx` runs them)";
  print(`Servers: each run fresh as ${how}, with \`ulimit -n\` at the hard limit; clients: this process (plain node:net, loopback).`);
  print(
    `"load 1m before" and "CPU busy before" (all cores, 250 ms sample of /proc/stat) are read just before each server starts; ` +
      `the load average lags by a minute and counts the runnable threads of our own previous servers too, so "CPU busy before" is the one that says whether others were using the machine.`,
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  header();
  let compiledDir: string | null = null;
  if (compiled) {
    progress("compiling the servers (tsc)");
    compiledDir = buildServers();
  }
  try {
    const { largeN, cpuN } = chooseN();
    if (scenarios.includes("1")) await runMany(compiledDir);
    if (scenarios.includes("2")) await runLatency(compiledDir, largeN);
    if (scenarios.includes("3")) await runThroughput(compiledDir, cpuN);
  } finally {
    if (compiledDir !== null) removeBuild(compiledDir);
  }
  print();
  print(`Versions: ${versions.map((v) => `${v} = ${VERSION_TITLES[v]}`).join("; ")}.`);
  print(`Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  if (has("v3-inline") && !scenarios.includes("2")) progress("note: v3-inline only takes part in (2)");
}

/** fib(n) timed here: what a large request costs, to pick n for (2) and (3) (unless given). */
function chooseN(): { largeN: number; cpuN: number } {
  progress("timing fib(n) in this process");
  const largeTarget = 500;
  const timings: FibTiming[] = timeUntil(30, largeTarget, 3);
  const autoLarge = timings[timings.length - 1]?.n ?? 36;
  const cpuAuto = (timings.find((t) => t.ms >= 20) ?? { n: 30 }).n;
  const largeN = option("large-n", autoLarge, autoLarge);
  const cpuN = option("cpu-n", cpuAuto, cpuAuto);
  const extra = [largeN, cpuN].filter((n) => !timings.some((t) => t.n === n));
  for (const n of extra) timings.push({ n, ms: timeFib(n, 3) });
  timings.sort((a, b) => a.n - b.n);
  print();
  print(`fib(n) measured first, to choose the large n: the first n from 30 up that took at least ${largeTarget} ms (→ n=${largeN} for (2)), and the first that took at least 20 ms (→ n=${cpuN} for (3)).`);
  print();
  print(fibTimingTable(timings));
  return { largeN, cpuN };
}

async function runMany(compiledDir: string | null): Promise<void> {
  const options = {
    compiledDir,
    cap: option("cap", 5000, 1000),
    batch: option("batch", 200, 200),
    rssBoundKb: option("rss-bound-mib", 1536, 1024) * 1024,
    timeLimitMs: option("time-limit", 30, 6) * 1000,
    deadlineMs: option("deadline", 10, 6) * 1000,
    connectTimeoutMs: 5_000,
    procs: cores,
  };
  const results: ManyResult[] = [];
  for (const version of versions.filter((v) => v !== "v3-inline")) {
    progress(`(1) many clients: ${version}`);
    results.push(await manyClients(version, options));
  }
  const notes = new Notes();
  print();
  print(
    `### (1) Many clients: idle connections in batches of 10, 20, 40, … up to ${options.batch}, to at most ${count(options.cap)}; ` +
      `stop at a failed connect, no answer to n=10 within ${options.deadlineMs / 1000} s (on the newest connection, then on a fresh probe connection), ` +
      `a connection closed by the server, server exit, RSS of the server's process tree over ${options.rssBoundKb / 1024} MiB, or ${options.timeLimitMs / 1000} s`,
  );
  print();
  print(manyTable(results, notes));
  print();
  print(`RSS is the sum over the server's process tree (v2: main + ${options.procs} worker processes, \`--procs ${options.procs}\`); KiB per connection = (RSS held − RSS at 0 clients) / held; threads are the server process's \`Threads:\`.`);
  print();
  print(manyShows(results) + notes.render());
}

async function runLatency(compiledDir: string | null, largeN: number): Promise<void> {
  const options = {
    compiledDir,
    smallClients: option("small-clients", 50, 20),
    largeClients: option("large-clients", 4, 2),
    smallN: 10,
    largeN,
    settleMaxMs: 15_000,
    warmMs: option("warm", 1, 0.5) * 1000,
    quietMs: option("quiet", 4, 1) * 1000,
    loadedMs: option("loaded", 8, 2.5) * 1000,
    procs: cores,
    warmupTimeoutMs: 90_000,
    askTimeoutMs: 30_000,
  };
  const results: LatencyResult[] = [];
  for (const version of versions) {
    progress(`(2) responsiveness: ${version}`);
    results.push(await responsiveness(version, options));
  }
  const notes = new Notes();
  print();
  print(
    `### (2) Responsiveness: ${options.smallClients} clients ask n=10 in a closed loop; "loaded" adds ${options.largeClients} clients asking n=${largeN} in a closed loop ` +
      `(after the first answer on every connection, the server going idle and ${options.warmMs / 1000} s of small requests not counted: ${options.quietMs / 1000} s quiet, then ${options.loadedMs / 1000} s loaded, same server; servers not pinned; v2 \`--procs ${options.procs}\`)`,
  );
  print();
  print(latencyTable(results, largeN, notes));
  print();
  print(
    `Latency = from writing the request to reading its answer, in this process; every request sent in the window is waited for (up to ${options.askTimeoutMs / 1000} s), so late answers count. ` +
      `"Warm-up" = until every connection had its first answer + until the server's tree used < 20 % of a core over 500 ms (at most ${options.settleMaxMs / 1000} s). CPU % is of one core. v3 --inline-max 99 has no quiet row: without large requests it runs v3's code.`,
  );
  print();
  print(latencyShows(results, options.largeClients, largeN) + notes.render());
}

async function runThroughput(compiledDir: string | null, cpuN: number): Promise<void> {
  const options = {
    compiledDir,
    n: cpuN,
    clients: option("cpu-clients", 8, 4),
    windowMs: option("window", 6, 1.5) * 1000,
    warmupTimeoutMs: 90_000,
    askTimeoutMs: 30_000,
    settleMaxMs: 15_000,
  };
  const twoCores = Math.min(2, cores);
  const twoList = Array.from({ length: twoCores }, (_, k) => k).join(",");
  const reps = option("reps", 2, 1);
  const all: ThroughputRuns[] = [];
  for (const version of versions.filter((v) => v !== "v3-inline")) {
    const runs: ThroughputRuns = { version, one: [], two: [] };
    // 1 core then 2 cores, then 2 then 1 (ABBA): a drift of the machine's speed hits both alike.
    for (let rep = 1; rep <= reps; rep++) {
      const order = rep % 2 === 1 ? ([1, twoCores] as const) : ([twoCores, 1] as const);
      for (const k of order) {
        if (k === 1 && (!taskset || twoCores === 1)) continue;
        progress(`(3) throughput: ${version} on ${k} core(s), rep ${rep}/${reps}`);
        const result = await throughput(version, !taskset ? null : k === 1 ? "0" : twoList, k, options);
        (k === 1 ? runs.one : runs.two).push(result);
      }
    }
    all.push(runs);
  }
  const notes = new Notes();
  if (!taskset) notes.add("taskset is missing: the 1-core rows were skipped and the 2-core rows ran unpinned.");
  if (reps === 1) notes.add("One run of each: no spread to judge the noise by (the machine's speed drifts by tens of % within a minute); use --reps 2 or more for ratios.");
  print();
  print(
    `### (3) CPU-bound throughput: ${options.clients} clients ask n=${cpuN} in a closed loop for ${options.windowMs / 1000} s, ${reps} run(s) of each (order 1, 2, 2, 1 cores, …), server pinned with \`taskset -c 0\` (1 core) and \`taskset -c ${twoList}\` (${twoCores} cores); v2 \`--procs\` = cores`,
  );
  print();
  print(throughputTable(all, notes));
  print();
  print(
    `Workers seen: v1 and v3 = threads of the server process at most during the window minus before any client connected (v1: one per client; v3: runInThread's pool, sized by Node's availableParallelism(), at most 4); v2 = worker processes in its tree. ` +
      `Answers counted when they arrive inside the window; each client first asked once (not counted) so that threads and processes are started, then we waited for the server to go idle (< 20 % of a core over 500 ms). ` +
      `Server CPU (its whole process tree) per request tells a slower request (the machine's speed drifts) from fewer cores used.`,
  );
  print();
  print(throughputShows(all, cpuN, options.clients) + notes.render());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
