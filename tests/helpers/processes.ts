import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Waiters } from "./waiters.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A port that was free a moment ago on 127.0.0.1 (for programs that must be told their port). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Waits until `condition` holds, re-checking whenever the process writes or exits. */
  until(condition: () => boolean, what: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** `node --import tsx <entry>` from the repository root, as the npm scripts run it. */
export function startTsProcess(entry: string, env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let code: number | null | undefined;
  const output = new Waiters(() => `stdout:\n${out}\nstderr:\n${err}${code === undefined ? "" : `\nexited with code ${code}`}`);
  child.stdout.on("data", (c: Buffer) => ((out += c.toString()), output.notify()));
  child.stderr.on("data", (c: Buffer) => ((err += c.toString()), output.notify()));
  return {
    exited: new Promise((resolve) =>
      child.on("exit", (exitCode) => {
        code = exitCode;
        output.notify();
        resolve(exitCode);
      }),
    ),
    stdout: () => out,
    stderr: () => err,
    until: (condition, what) => output.until(condition, what),
    kill: (signal) => child.kill(signal),
  };
}
