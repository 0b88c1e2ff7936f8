/**
 * The driver's handle on the load generator: one or more generator processes (load-generator.ts),
 * pinned to the core the server does not use, each owning a slice of the clients. Commands go to
 * all of them at once and their answers are added up.
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fromSource } from "../common/repo-root.js";
import { sleep } from "../common/sleep.js";
import { Histogram } from "./histogram.js";
import type { ConnectResult, LoadCommand, LoadReply, Report, SendResult } from "./load-protocol.js";
import { spawnPinned } from "./servers.js";

/** Compiled (npm run bench) or from the TypeScript source through tsx (the tests). */
const generatorArgv = [
  process.execPath,
  ...(fromSource ? ["--import", "tsx"] : []),
  fileURLToPath(new URL(fromSource ? "./load-generator.ts" : "./load-generator.js", import.meta.url)),
];

class GeneratorProcess {
  private readonly waiting: ((reply: LoadReply) => void)[] = [];
  private readonly exited: Promise<void>;
  first = 0;
  count = 0;

  constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: LoadReply) => this.waiting.shift()?.(reply));
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => {
      for (const w of this.waiting.splice(0)) w({ ev: "error", message: "the load generator exited" });
    });
  }

  /** Sends a command; the generator answers commands in order. */
  request<R extends LoadReply>(command: LoadCommand, expect: R["ev"]): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push((reply) => {
        if (reply.ev === expect) resolve(reply as R);
        else reject(new Error(reply.ev === "error" ? reply.message : `expected ${expect}, got ${reply.ev}`));
      });
      this.child.send(command);
    });
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ cmd: "exit" } satisfies LoadCommand);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface Totals {
  received: number;
  reads: number;
  outOfOrder: number;
  gaps: number;
  notices: number;
  dropped: number;
  latency: Histogram;
  lastReceivedUs: number;
  /** The busiest generator's CPU share since the last reset. */
  cpuShare: number;
}

export class LoadGenerator {
  private constructor(private readonly procs: GeneratorProcess[]) {}

  static start(processes: number, core: number | null): LoadGenerator {
    const procs = Array.from({ length: processes }, () => new GeneratorProcess(spawnPinned(generatorArgv, core, {}, "ipc")));
    return new LoadGenerator(procs);
  }

  /** Connects clients u0 … u(count-1), spread evenly over the processes. */
  async connect(host: string, port: number, count: number, options: { concurrency?: number; deadlineMs?: number } = {}): Promise<ConnectResult> {
    const per = Math.ceil(count / this.procs.length);
    const results = await Promise.all(
      this.procs.map((p, k) => {
        p.first = k * per;
        p.count = Math.max(0, Math.min(per, count - p.first));
        const concurrency = Math.max(1, Math.floor((options.concurrency ?? 200) / this.procs.length));
        return p.request<ConnectResult>({ cmd: "connect", host, port, first: p.first, count: p.count, concurrency, deadlineMs: options.deadlineMs ?? 60_000 }, "connected");
      }),
    );
    return {
      ev: "connected",
      joined: results.reduce((s, r) => s + r.joined, 0),
      errors: results.reduce((s, r) => s + r.errors, 0),
      errorSamples: [...new Set(results.flatMap((r) => r.errorSamples))],
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  async reset(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.request<Report>({ cmd: "reset" }, "report")));
  }

  /** The clients with these ids send `rate` lines per second each for `durationMs`. */
  async send(senders: number[], rate: number, durationMs: number, padding = 16): Promise<SendResult> {
    const results = await Promise.all(
      this.procs.map((p) => {
        const mine = senders.filter((id) => id >= p.first && id < p.first + p.count);
        return p.request<SendResult>({ cmd: "send", senders: mine, allSenders: senders, rate, durationMs, padding }, "sent");
      }),
    );
    return {
      ev: "sent",
      sent: results.reduce((s, r) => s + r.sent, 0),
      due: results.reduce((s, r) => s + r.due, 0),
      cpuShare: Math.max(...results.map((r) => r.cpuShare)),
      maxTickGapMs: Math.max(...results.map((r) => r.maxTickGapMs)),
    };
  }

  async totals(): Promise<Totals> {
    const reports = await Promise.all(this.procs.map((p) => p.request<Report>({ cmd: "report" }, "report")));
    const latency = new Histogram();
    for (const r of reports) latency.merge(r.latency, r.maxLatencyUs);
    const sum = (f: (r: Report) => number): number => reports.reduce((s, r) => s + f(r), 0);
    return {
      received: sum((r) => r.received),
      reads: sum((r) => r.reads),
      outOfOrder: sum((r) => r.outOfOrder),
      gaps: sum((r) => r.gaps),
      notices: sum((r) => r.notices),
      dropped: sum((r) => r.dropped),
      latency,
      lastReceivedUs: Math.max(...reports.map((r) => r.lastReceivedUs)),
      cpuShare: Math.max(...reports.map((r) => r.cpuShare)),
    };
  }

  /** Polls until `done(totals)` or `timeoutMs`; returns the last totals. */
  async until(done: (t: Totals) => boolean, timeoutMs: number, everyMs = 100): Promise<Totals> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = await this.totals();
      if (done(t) || Date.now() >= deadline) return t;
      await sleep(everyMs);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.exit()));
  }
}
