import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Loop, VirtualClock, type Operation } from "../../shared/src/loop/index.js";

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
