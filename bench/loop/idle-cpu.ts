/**
 * `npm run bench:idle`: how much CPU an idle loop burns. Starts two children side by side, our loop
 * (idle-child-loop.ts: TCP server + a task parked on Queue.get + a task sleeping 60 s) and plain
 * Node doing the same (idle-child-node.ts), checks that each server answers, then reads both
 * children's CPU time (utime + stime in /proc/PID/stat) every second over the same window.
 * Both should be ~0 %. The window starts `--settle` seconds after start-up, past the one-off
 * "Mark-Compact (reduce)" GC that V8's memory reducer runs about 8 s after a process starts.
 *
 *   npm run bench:idle -- [--seconds N] [--settle N]
 *   npm run bench:idle -- --help
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { number, parseOptions } from "../common/options.js";
import { reportHeader } from "../common/report-header.js";
import { sleep } from "../common/sleep.js";
import { clockTicksPerSecond, loadAverages, processCpuTicks, sampleBusy, voluntarySwitches } from "../common/proc.js";

interface Child {
  label: string;
  process: ChildProcess;
  pid: number;
  port: number;
  answer: string;
}

/** Starts a child under tsx and waits for its "ready <port>" line. */
function start(label: string, file: string): Promise<Omit<Child, "answer">> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", path], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready (\d+)/.exec(output);
      if (match !== null && child.pid !== undefined) resolve({ label, process: child, pid: child.pid, port: Number(match[1]) });
    });
    child.on("exit", (code) => reject(new Error(`${label} exited early (code ${code})`)));
  });
}

/** Connects once and returns what the server said (proves the idle child still serves I/O). */
function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = net.connect(port, "127.0.0.1");
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("end", () => resolve(text.trim()));
    socket.on("error", reject);
  });
}

async function main(): Promise<void> {
  const values = parseOptions({
    name: "bench:idle",
    invocation: "npm run bench:idle --",
    options: {
      seconds: number({ help: "the window measured, at least 1 (10)" }),
      settle: number({ help: "seconds after start-up before the window starts (10)" }),
    },
  });
  const seconds = Math.max(1, Math.round(values.seconds ?? 10));
  const settle = values.settle ?? 10;
  const header = reportHeader();
  const hz = clockTicksPerSecond();
  const started = await Promise.all([start("our loop", "idle-child-loop.ts"), start("plain node", "idle-child-node.ts")]);
  try {
    const children: Child[] = [];
    for (const child of started) children.push({ ...child, answer: await ask(child.port) });
    await sleep(settle * 1000); // start-up work (module loading, JIT, the memory reducer's GC) is not idling
    const busy = await sampleBusy(250);
    const switches0 = children.map((c) => voluntarySwitches(c.pid) ?? NaN);
    // ticks[i][k]: CPU ticks of child i at second k of the window.
    const ticks = children.map((c) => [processCpuTicks(c.pid) ?? NaN]);
    for (let k = 1; k <= seconds; k++) {
      await sleep(1000);
      children.forEach((c, i) => ticks[i]?.push(processCpuTicks(c.pid) ?? NaN));
    }
    const switches1 = children.map((c) => voluntarySwitches(c.pid) ?? NaN);

    console.log(`\n## Idle CPU\n\n${header.join("\n")}\n`);
    console.log(
      `Window of ${seconds} s starting ${settle} s after start-up, the same window for both ` +
        `children; CLK_TCK ${hz} (resolution ${(100 / hz / seconds).toFixed(2)} % CPU over the window); ` +
        `loadavg ${loadAverages()[0].toFixed(2)}, other processes used ${busy.allPct.toFixed(0)} % of all cores just before.\n`,
    );
    console.log("| child | CPU time in window | CPU % of one core | busiest second | main-thread wakeups/s | server answered |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    children.forEach((c, i) => {
      const series = ticks[i] ?? [];
      const total = ((series[series.length - 1] ?? NaN) - (series[0] ?? NaN)) * (1000 / hz);
      const perSecond = series.slice(1).map((t, k) => (t - (series[k] ?? NaN)) * (1000 / hz));
      const wakeups = ((switches1[i] ?? NaN) - (switches0[i] ?? NaN)) / seconds;
      console.log(
        `| ${c.label} | ${total.toFixed(0)} ms | ${(total / 10 / seconds).toFixed(2)} % | ${Math.max(...perSecond).toFixed(0)} ms | ` +
          `${wakeups.toFixed(1)} | "${c.answer}" |`,
      );
    });
  } finally {
    for (const child of started) child.process.kill();
  }
}

await main();
