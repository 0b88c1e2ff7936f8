/**
 * The three servers the benchmark compares, each started fresh as its own process, pinned to a
 * core with `taskset` when there is one to spare, with the open-file limit raised to the hard
 * limit (10,000 clients need 10,000 descriptors). The driver reads their CPU time and memory
 * from /proc/PID, the same way for Node and Python.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { openSocket } from "../common/line-client.js";
import { processCpuTicks, processMemoryKb, type ProcessMemory } from "../common/proc.js";
import { fromSource, repoRoot } from "../common/repo-root.js";
import { sleep } from "../common/sleep.js";

export const SERVERS = ["loopchat", "node", "asyncio"] as const;
/** `baseline`: loopchat built from another commit (its main.js in LOOPCHAT_BASELINE), for before/after figures. */
export const ALL_SERVERS = [...SERVERS, "baseline"] as const;
export type ServerKind = (typeof ALL_SERVERS)[number];

export const SERVER_TITLES: Record<ServerKind, string> = {
  loopchat: "loopchat (our server on our loop)",
  node: "plain Node net (ref-node-server.ts)",
  asyncio: "Python asyncio (ref_asyncio_server.py)",
  baseline: `loopchat before (${process.env.LOOPCHAT_BASELINE ?? "set LOOPCHAT_BASELINE to a built server/src/main.js"})`,
};

/** Compiled, the servers run from bench/.build/; the tests run them from source through tsx. */
const nodeArgv = (path: string): string[] =>
  fromSource ? [process.execPath, "--import", "tsx", `${repoRoot}${path}.ts`] : [process.execPath, `${repoRoot}bench/.build/${path}.js`];

export interface ServerOptions {
  /** Pin to this core (null: no pinning). */
  core: number | null;
  joinNotices: boolean;
  /** Set over the kind's own environment (a bench that needs other limits than the yardsticks'). */
  env?: Readonly<Record<string, string>>;
}

export interface RunningServer {
  kind: ServerKind;
  pid: number;
  host: string;
  port: number;
  /** loopchat's HTTP port (/ws, /healthz, /metrics); the reference servers have none. */
  wsPort: number;
  /** utime + stime in clock ticks. */
  cpuTicks(): number;
  /** Resident memory now and at its peak (VmHWM), in KiB. */
  memoryKb(): ProcessMemory;
  stop(): Promise<void>;
}

function command(kind: ServerKind): { argv: string[]; env: (port: number, wsPort: number, joinNotices: boolean) => Record<string, string> } {
  switch (kind) {
    case "loopchat":
    case "baseline": {
      const baseline = process.env.LOOPCHAT_BASELINE;
      if (kind === "baseline" && baseline === undefined) throw new Error("--servers baseline needs LOOPCHAT_BASELINE=<path to a built server/src/main.js>");
      return {
        argv: kind === "loopchat" ? nodeArgv("server/src/main") : [process.execPath, baseline as string],
        env: (port, wsPort, joinNotices) => ({
          CHAT_HOST: "127.0.0.1",
          CHAT_TCP_PORT: String(port),
          CHAT_WS_PORT: String(wsPort),
          CHAT_RATE_LIMIT: "0",
          CHAT_JOIN_NOTICES: joinNotices ? "1" : "0",
          CHAT_MAX_CLIENTS: "20000",
          LOG_LEVEL: "warn", // the yardsticks log nothing; 10,000 joins would be 30,000 log lines
        }),
      };
    }
    case "node":
      return {
        argv: nodeArgv("bench/server/ref-node-server"),
        env: (port, _ws, joinNotices) => ({ HOST: "127.0.0.1", PORT: String(port), JOIN_NOTICES: joinNotices ? "1" : "0" }),
      };
    case "asyncio":
      return {
        argv: ["python3", `${repoRoot}bench/server/ref_asyncio_server.py`],
        env: (port, _ws, joinNotices) => ({ HOST: "127.0.0.1", PORT: String(port), JOIN_NOTICES: joinNotices ? "1" : "0" }),
      };
  }
}

/**
 * Runs `argv` with the open-file limit at its hard limit, pinned to `cores` when given (a core,
 * or a `taskset -c` list such as "0,1"); exec keeps the pid. Output: "quiet" keeps only stderr,
 * "ipc" inherits both and opens an IPC channel, "pipe" pipes stdout and stderr.
 */
export function spawnPinned(argv: string[], cores: number | string | null, env: Record<string, string>, output: "quiet" | "ipc" | "pipe" = "quiet"): ChildProcess {
  const pin = cores === null ? "" : `taskset -c ${cores} `;
  const stdio = { quiet: ["ignore", "ignore", "pipe"], ipc: ["ignore", "inherit", "inherit", "ipc"], pipe: ["ignore", "pipe", "pipe"] } as const;
  return spawn("bash", ["-c", `ulimit -n "$(ulimit -Hn)"; exec ${pin}"$@"`, "bash", ...argv], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: [...stdio[output]],
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return openSocket(port, { host }).then(
    (socket) => (socket.destroy(), true),
    () => false,
  );
}

export async function startServer(kind: ServerKind, options: ServerOptions): Promise<RunningServer> {
  const host = "127.0.0.1";
  const port = await freePort();
  const wsPort = await freePort();
  const { argv, env } = command(kind);
  const child = spawnPinned(argv, options.core, { ...env(port, wsPort, options.joinNotices), ...options.env });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (!(await accepts(host, port))) {
    if (gone || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${kind} did not start listening on ${port}: ${stderr}`);
    }
    await sleep(50);
  }
  const pid = child.pid as number;
  return {
    kind,
    pid,
    host,
    port,
    wsPort,
    cpuTicks: () => processCpuTicks(pid) ?? NaN,
    memoryKb: () => processMemoryKb(pid) ?? { rssKb: NaN, peakKb: NaN },
    stop: async () => {
      if (gone) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
