/**
 * The lecture's three Fibonacci servers, each started fresh as its own process:
 *
 *   v1         shared/examples/fib-server-threads.ts    a worker thread per client
 *   v2         shared/examples/fib-server-processes.ts  a pool of child processes (--procs N)
 *   v3         shared/examples/fib-server.ts            our loop; n > 25 in runInThread's pool
 *   v3-inline  the same with --inline-max 99            everything computed in the loop
 *
 * Each runs from its TypeScript source as `node --import tsx <file> --port 0 --host 127.0.0.1`
 * (what `npx tsx <file>` does, minus tsx's extra parent process, so that the pid we read /proc
 * of is the server itself) or, with `--compiled`, as `node <file>.js` from build.ts's output;
 * through bench/server/servers.ts's spawnPinned (`ulimit -n <hard limit>`, `taskset -c` when
 * asked), with stdout piped: the port is in the server's "listening on HOST:PORT" line.
 */
import type { ChildProcess } from "node:child_process";
import { sleep } from "../common/sleep.js";
import { spawnPinned } from "../server/servers.js";
import { isAlive, processTree } from "../common/proc.js";

export const VERSIONS = ["v1", "v2", "v3", "v3-inline"] as const;
export type Version = (typeof VERSIONS)[number];

export const VERSION_TITLES: Record<Version, string> = {
  v1: "v1 threads (a worker thread per client)",
  v2: "v2 processes (a pool of child processes)",
  v3: "v3 our loop (n > 25 in worker threads)",
  "v3-inline": "v3 --inline-max 99 (all in the loop)",
};

interface VersionCommand {
  file: string;
  args: string[];
  /** The banner's prefix before "listening on". */
  banner: string;
}

function command(version: Version, procs: number): VersionCommand {
  switch (version) {
    case "v1":
      return { file: "shared/examples/fib-server-threads.ts", args: [], banner: "fib server (threads)" };
    case "v2":
      return { file: "shared/examples/fib-server-processes.ts", args: ["--procs", String(procs)], banner: "fib server (processes)" };
    case "v3":
      return { file: "shared/examples/fib-server.ts", args: [], banner: "fib server" };
    case "v3-inline":
      return { file: "shared/examples/fib-server.ts", args: ["--inline-max", "99"], banner: "fib server" };
  }
}

export interface StartOptions {
  /** `taskset -c` list ("0", "0,1"), or null for no pinning. */
  cpus: string | null;
  /** v2's `--procs` (ignored by the others). */
  procs: number;
  /** How long the server may take to print its banner. */
  startTimeoutMs: number;
  /** build.ts's output directory to run compiled JavaScript from, or null to run the sources with tsx. */
  compiledDir: string | null;
}

export interface StopResult {
  /** SIGTERM sufficed, or we had to SIGKILL it after the grace period. */
  how: "SIGTERM" | "SIGKILL" | "already gone";
  ms: number;
  /** Descendants still alive after the server exited (then killed by pid). */
  leftovers: number;
  /** The last 4,000 characters the server wrote to stderr during its life. */
  stderr: string;
}

export interface FibServer {
  version: Version;
  pid: number;
  host: string;
  port: number;
  /** The banner line it printed. */
  banner: string;
  /** The command line, for the report. */
  commandLine: string;
  /** null while running; how it ended otherwise. */
  exit(): string | null;
  /** The last 4,000 characters it wrote to stderr. */
  stderrTail(): string;
  stop(graceMs?: number): Promise<StopResult>;
}

/** Servers still running, killed on the way out whatever happens to the benchmark. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});


export async function startFibServer(version: Version, options: StartOptions): Promise<FibServer> {
  const { file, args, banner } = command(version, options.procs);
  const program = options.compiledDir === null ? ["--import", "tsx", file] : [`${options.compiledDir}/${file.replace(/\.ts$/, ".js")}`];
  const argv = [process.execPath, ...program, "--port", "0", "--host", "127.0.0.1", ...args];
  const shown = options.compiledDir === null ? `node --import tsx ${file}` : `node <build>/${file.replace(/\.ts$/, ".js")}`;
  const commandLine = `${options.cpus === null ? "" : `taskset -c ${options.cpus} `}${shown} --port 0 --host 127.0.0.1${args.length > 0 ? " " + args.join(" ") : ""}`;
  const child = spawnPinned(argv, options.cpus, {}, "pipe");
  running.add(child);
  let stderr = "";
  let stdout = "";
  let exitText: string | null = null;
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exitText = signal !== null ? `killed by ${signal}` : `exited with code ${code ?? "?"}`;
      running.delete(child);
      resolve();
    }),
  );

  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no banner within ${options.startTimeoutMs} ms`), options.startTimeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${version} did not start (${why}); stdout: ${JSON.stringify(stdout.slice(0, 300))}; stderr: ${stderr.slice(-1000)}`));
    };
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      resolve(stdout.slice(0, newline));
    });
    void exited.then(() => fail(exitText ?? "exited"));
  });
  const match = /^(.*) listening on ([\d.]+):(\d+)/.exec(line);
  if (match === null || match[1] !== banner) {
    child.kill("SIGKILL");
    throw new Error(`${version}: unexpected banner ${JSON.stringify(line)} (expected "${banner} listening on HOST:PORT ...")`);
  }
  const pid = child.pid as number; // bash exec'd taskset, which exec'd node: one pid all along

  return {
    version,
    pid,
    host: match[2] as string,
    port: Number(match[3]),
    banner: line,
    commandLine,
    exit: () => exitText,
    stderrTail: () => stderr,
    async stop(graceMs = 5_000): Promise<StopResult> {
      const start = performance.now();
      if (exitText !== null) return { how: "already gone", ms: 0, leftovers: 0, stderr };
      const family = processTree(pid).filter((p) => p !== pid);
      child.kill("SIGTERM");
      let how: StopResult["how"] = "SIGTERM";
      const timer = setTimeout(() => {
        how = "SIGKILL";
        child.kill("SIGKILL");
      }, graceMs);
      await exited;
      clearTimeout(timer);
      // Version #2's workers exit when their IPC channel closes; give them a moment, then make sure.
      let leftovers: number[] = [];
      for (let waited = 0; waited <= 2_000; waited += 100) {
        leftovers = family.filter(isAlive);
        if (leftovers.length === 0) break;
        await sleep(100);
      }
      for (const p of leftovers) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      return { how, ms: performance.now() - start, leftovers: leftovers.length, stderr };
    },
  };
}
