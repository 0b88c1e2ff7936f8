/**
 * `npm run bench`: the chat server side by side with a plain Node `net` server and a Python
 * asyncio server, under the same load generator. Every scenario runs `--runs` times (default 3)
 * on each server, interleaved (run 1 of every server, then run 2, ...), each on a fresh server
 * process; the tables show medians, the spread, and ratios between numbers of the same run set.
 *
 *   npm run bench                          # all scenarios, 3 runs (~12 min)
 *   npm run bench -- --quick               # smaller and shorter, 1 run (~2 min)
 *   npm run bench -- --only A,C --runs 5 --servers loopchat,node --procs 2 --no-pin
 *   LOOPCHAT_BASELINE=/elsewhere/bench/.build/server/src/main.js npm run bench -- --servers loopchat,baseline
 *   npm run bench -- --help
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { commandVersion, hasCommand } from "../common/commands.js";
import { idlestCore, sampleBusy } from "../common/proc.js";
import { repoRoot } from "../common/repo-root.js";
import { reportHeader } from "../common/report-header.js";
import { flag, list, number, parseOptions } from "../common/options.js";
import { median } from "../common/percentile.js";
import { RUNNERS, SCENARIOS, type Metrics, type Outcome, type ScenarioId, type Setup } from "./scenarios.js";
import { ALL_SERVERS, SERVER_TITLES, SERVERS, type ServerKind } from "./servers.js";

interface Options {
  runs: number;
  only: ScenarioId[];
  servers: ServerKind[];
  quick: boolean;
  processes: number;
  pin: boolean;
}

const COMMAND = {
  name: "bench",
  invocation: "npm run bench --",
  options: {
    quick: flag("smaller and shorter scenarios, 1 run unless --runs"),
    runs: number({ min: 1, integer: true, help: "runs of every scenario on every server (3; --quick 1)" }),
    only: list(SCENARIOS, "these scenarios (all)"),
    servers: list(ALL_SERVERS, `these servers (${SERVERS.join(",")}); baseline needs LOOPCHAT_BASELINE`),
    procs: number({ min: 1, integer: true, help: "load-generator processes (1)" }),
    "no-pin": flag("do not pin the server and the generator to cores with taskset"),
  },
};

function readOptions(): Options {
  const given = parseOptions(COMMAND);
  return {
    runs: given.runs ?? (given.quick ? 1 : 3),
    only: given.only ?? [...SCENARIOS],
    servers: given.servers ?? [...SERVERS],
    quick: given.quick,
    processes: given.procs ?? 1,
    pin: !given["no-pin"],
  };
}

interface Result {
  scenario: ScenarioId;
  server: ServerKind;
  run: number;
  serverCore: number | null;
  outcome: Outcome | null;
  error?: string;
}

const TITLES: Record<ScenarioId, string> = {
  A: "(A) fan-out: 1,000 clients, 10 senders × 50 lines/s for 10 s (500,000 deliveries/s offered)",
  B: "(B) saturation: 100 clients all sending, rate stepped ×1.4 from 10/s per sender until < 99 % delivered or p99 > 100 ms",
  C: "(C) capacity: 10,000 idle clients connect (no join notices)",
  CN: "(CN) 2,000 clients join with join notices on (1,999,000 notices)",
};

/** Which metrics each table shows, and their labels. */
const COLUMNS: Record<ScenarioId, [key: string, label: string][]> = {
  A: [
    ["deliveriesPerS", "deliveries/s"],
    ["deliveredPct", "delivered %"],
    ["p50Ms", "p50 ms"],
    ["p90Ms", "p90 ms"],
    ["p99Ms", "p99 ms"],
    ["maxMs", "max ms"],
    ["outOfOrder", "out of order"],
    ["serverCpuPct", "server CPU %"],
    ["serverNsPerDelivery", "server CPU ns per delivery"],
    ["generatorCpuPct", "generator CPU %"],
    ["linesPerRead", "lines per client read"],
    ["peakRssMB", "peak RSS MB"],
  ],
  B: [
    ["deliveriesPerS", "best passing deliveries/s"],
    ["ratePerSender", "lines/s per sender"],
    ["p99Ms", "p99 ms there"],
    ["serverCpuPct", "server CPU % there"],
    ["serverNsPerDelivery", "server CPU ns per delivery there"],
    ["generatorCpuPct", "generator CPU % there"],
    ["linesPerRead", "lines per client read there"],
    ["peakRssMB", "peak RSS MB"],
  ],
  C: [
    ["joined", "joined"],
    ["connectErrors", "connect errors"],
    ["connectS", "connect s"],
    ["kbPerClient", "KB per client"],
    ["rssMB", "RSS MB"],
  ],
  CN: [
    ["joined", "joined"],
    ["allNoticesS", "all notices s"],
    ["noticesPerS", "notices/s"],
    ["noticesPct", "notices %"],
    ["serverCpuPct", "server CPU %"],
    ["peakRssMB", "peak RSS MB"],
  ],
};

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(0)} k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function valuesOf(results: Result[], scenario: ScenarioId, server: ServerKind, key: string): number[] {
  return results
    .filter((r) => r.scenario === scenario && r.server === server && r.outcome !== null)
    .map((r) => (r.outcome as Outcome).metrics[key])
    .filter((v): v is number => typeof v === "number" && !Number.isNaN(v));
}

function table(results: Result[], scenario: ScenarioId, servers: ServerKind[]): string {
  const ratioTo = servers.filter((s) => s !== "loopchat");
  const header = ["metric", ...servers.map((s) => `${s} median (min – max)`), ...(servers.includes("loopchat") ? ratioTo.map((s) => `loopchat / ${s}`) : [])];
  const rows = COLUMNS[scenario].map(([key, label]) => {
    const medians = new Map(servers.map((s) => [s, median(valuesOf(results, scenario, s, key))]));
    const cells = servers.map((s) => {
      const v = valuesOf(results, scenario, s, key);
      if (v.length === 0) return "–";
      return v.length === 1 ? fmt(v[0] as number) : `${fmt(median(v))} (${fmt(Math.min(...v))} – ${fmt(Math.max(...v))})`;
    });
    const ratios = servers.includes("loopchat")
      ? ratioTo.map((s) => {
          const r = (medians.get("loopchat") as number) / (medians.get(s) as number);
          return Number.isFinite(r) ? `${r.toFixed(r >= 10 ? 1 : 2)}×` : "–";
        })
      : [];
    return [label, ...cells, ...ratios];
  });
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

function goals(results: Result[]): string[] {
  const m = (s: ScenarioId, server: ServerKind, key: string): number => median(valuesOf(results, s, server, key));
  const lines: string[] = [];
  const check = (what: string, ok: boolean, detail: string): void => {
    if (!detail.includes("NaN")) lines.push(`- ${ok ? "met" : "MISSED"}: ${what} (${detail})`);
  };
  const bLoop = m("B", "loopchat", "deliveriesPerS");
  check("B: at least half the plain Node server's deliveries/s", bLoop >= 0.5 * m("B", "node", "deliveriesPerS"), `${(bLoop / m("B", "node", "deliveriesPerS")).toFixed(2)}×`);
  check("B: at least 20× Python asyncio", bLoop >= 20 * m("B", "asyncio", "deliveriesPerS"), `${(bLoop / m("B", "asyncio", "deliveriesPerS")).toFixed(1)}×`);
  const aP99 = m("A", "loopchat", "p99Ms");
  check("A: p99 under 50 ms at 500,000 deliveries/s", aP99 < 50 && m("A", "loopchat", "deliveredPct") >= 99, `p99 ${aP99.toFixed(1)} ms at ${fmt(m("A", "loopchat", "deliveriesPerS"))} deliveries/s`);
  const cLoop = m("C", "loopchat", "kbPerClient");
  check("C: memory per idle client at most 1.5× plain Node", cLoop <= 1.5 * m("C", "node", "kbPerClient"), `${cLoop.toFixed(1)} KB vs ${m("C", "node", "kbPerClient").toFixed(1)} KB = ${(cLoop / m("C", "node", "kbPerClient")).toFixed(2)}×`);
  return lines;
}

async function main(): Promise<void> {
  const options = readOptions();
  const out = (line: string): void => void process.stdout.write(line + "\n");
  const canPin = options.pin && hasCommand("taskset") && cpus().length >= 2;
  const started = Date.now();
  out("# loopchat server benchmark\n");
  for (const line of reportHeader([commandVersion("python3") ?? "no python3"])) out(line);
  out(`${options.runs} run(s) per scenario and server, interleaved; ${canPin ? "server and load generator pinned to different cores (taskset)" : "no pinning"}; ${options.processes} generator process(es)${options.quick ? "; QUICK sizes" : ""}`);
  const results: Result[] = [];
  for (const scenario of options.only) {
    out(`\n${TITLES[scenario]}`);
    for (let run = 1; run <= options.runs; run++) {
      for (const server of options.servers) {
        const busy = canPin ? await sampleBusy(250) : null;
        const serverCore = busy === null ? null : idlestCore(busy);
        const generatorCore = serverCore === null ? null : (serverCore + 1) % cpus().length;
        const setup: Setup = { serverCore, generatorCore, processes: options.processes, quick: options.quick, progress: out };
        const t0 = Date.now();
        try {
          const outcome = await RUNNERS[scenario](server, setup);
          results.push({ scenario, server, run, serverCore, outcome });
          const shown = COLUMNS[scenario].map(([k, label]) => `${label} ${fmt(outcome.metrics[k] ?? NaN)}`).join(", ");
          out(`  run ${run} ${server}: ${shown} [${((Date.now() - t0) / 1000).toFixed(0)} s]${outcome.notes.length > 0 ? `\n    note: ${outcome.notes.join("; ")}` : ""}`);
        } catch (error) {
          results.push({ scenario, server, run, serverCore, outcome: null, error: String(error) });
          out(`  run ${run} ${server}: FAILED: ${String(error)}`);
        }
      }
    }
  }
  out(`\n## Results (medians of ${options.runs} run(s); total ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  out(options.servers.map((s) => `- ${s}: ${SERVER_TITLES[s]}`).join("\n"));
  for (const scenario of options.only) out(`\n#### ${TITLES[scenario]}\n\n${table(results, scenario, options.servers)}`);
  const goalLines = goals(results);
  const sizes = options.quick ? "\n\n(--quick: smaller scenarios than the goals are set for; only a full run decides them)" : "";
  if (goalLines.length > 0) out(`\n#### Goals (issue 7)\n\n${goalLines.join("\n")}${sizes}`);
  const notes = results.flatMap((r) => (r.outcome?.notes ?? (r.error !== undefined ? [r.error] : [])).map((n) => `- ${r.scenario} ${r.server} run ${r.run}: ${n}`));
  if (notes.length > 0) out(`\n#### Notes\n\n${notes.join("\n")}`);
  const dir = `${repoRoot}bench/server/results`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(file, JSON.stringify({ options, results }, null, 2));
  out(`\n(raw results: ${file.slice(repoRoot.length)})`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
