/**
 * What the lecture's example programs share: where they print, and "run main only when this
 * file is the program" (Python's `if __name__ == "__main__":`).
 */
import { pathToFileURL } from "node:url";

/** Where an example prints one line. Tests pass their own to record the output. */
export type Write = (line: string) => void;

export const toStdout: Write = (line) => {
  process.stdout.write(line + "\n");
};

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}

/** Runs `start` when the module is the program; a failure is printed and makes the exit code 1. */
export function runIfMain(moduleUrl: string, start: () => Promise<unknown>): void {
  if (!isMain(moduleUrl)) return;
  Promise.resolve().then(start).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}

/** Reads `--name value` as a number, with a default and a sanity check. */
export function numberArg(value: string | undefined, fallback: number, name: string, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new RangeError(`--${name} needs a number >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}
