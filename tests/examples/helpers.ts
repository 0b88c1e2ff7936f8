import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { listen, Loop, Queue, spawn, VirtualClock, type Operation } from "../../shared/src/loop/index.js";
import { fibServer, type FibOptions } from "../../shared/examples/fib-server.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `main` on a loop with virtual time; returns its value, the printed lines and the clock. */
export async function runExample<T>(
  makeMain: (write: (line: string) => void, clock: VirtualClock) => Operation<T>,
): Promise<{ value: T; lines: string[]; clock: VirtualClock }> {
  const lines: string[] = [];
  const clock = new VirtualClock();
  const value = await new Loop({ clock }).run(makeMain((line) => lines.push(line), clock));
  return { value, lines, clock };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node --import tsx shared/examples/<file> ...args` (what the npm script runs) and resolves
 * when it exits. `timeout` only bounds a hung child: it is killed and the test fails on its code.
 */
export function runScript(file: string, args: string[], timeoutMs = 20_000): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", `shared/examples/${file}`, ...args],
      { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stdout, stderr: error?.killed ? `killed after ${timeoutMs} ms\n${stderr}` : stderr });
      },
    );
  });
}

/** Version #3 (the loop's Fibonacci server) in this process, on its own loop, on a free port. */
export async function startLoopFibServer(options: FibOptions = {}): Promise<{ host: string; port: number; close: () => Promise<void> }> {
  const loop = new Loop();
  const stop = new Queue<null>();
  let announce: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => (announce = resolve));
  const done = loop.run(function* () {
    const listener = yield* listen({ port: 0 });
    announce(listener.port);
    const server = spawn(fibServer(listener, options));
    yield* stop.get();
    yield* server.halt();
  });
  return {
    host: "127.0.0.1",
    port: await Promise.race([port, done.then(() => Promise.reject(new Error("the loop ended before listening")))]),
    close: async () => {
      stop.tryPut(null);
      await done;
    },
  };
}
