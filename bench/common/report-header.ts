/**
 * The lines every benchmark report starts with, so that a figure can be traced back to what
 * produced it: the command, the date, the commit (and whether the tree had uncommitted changes),
 * and the machine: cores and CPU model, memory, Node and whatever other software the benchmark
 * names, and the load average when it started (the machine is shared with other work).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join, relative } from "node:path";
import { loadAverages } from "./proc.js";
import { repoRoot } from "./repo-root.js";

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/** `abc1234 "its subject"` of the checkout at `root`, plus "(with uncommitted changes)" when there are some. */
export function commitOf(root: string = repoRoot): string {
  const hash = git(root, ["rev-parse", "--short", "HEAD"]);
  if (hash === null) return "? (not a git checkout)";
  const dirty = git(root, ["status", "--porcelain", "--untracked-files=no"]) === "" ? "" : " (with uncommitted changes)";
  return `${hash} ${JSON.stringify(git(root, ["log", "-1", "--format=%s"]) ?? "?")}${dirty}`;
}

/** The version of an installed package (node_modules of `root`), or "?". */
export function packageVersion(name: string, root: string = repoRoot): string {
  try {
    return (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** How this run was started: `npm run <script> -- <args>` when npm started it, otherwise the script itself. */
export function commandLine(): string {
  const args = process.argv.slice(2).join(" ");
  const script = relative(repoRoot, process.argv[1] ?? "");
  const event = process.env.npm_lifecycle_event;
  if (event !== undefined && script !== "" && process.env.npm_lifecycle_script?.includes(script)) return `npm run ${event}${args === "" ? "" : ` -- ${args}`}`;
  return `${/\.[cm]?ts$/.test(script) ? "npx tsx" : "node"} ${script}${args === "" ? "" : ` ${args}`}`;
}

/** The header lines, read now; `software` is named after Node's version ("Python 3.11.7", "tsx 4.21.0"). */
export function reportHeader(software: readonly string[] = []): string[] {
  const load = loadAverages().map((x) => x.toFixed(2));
  const machine =
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"} (Node sees ${availableParallelism()}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB; ` +
    `${[`Node ${process.version}`, ...software].join(", ")}; load average ${load.join(" / ")} (1 / 5 / 15 min) at the start`;
  return [`command: ${commandLine()}`, `date:    ${new Date().toISOString()}`, `commit:  ${commitOf()}`, `machine: ${machine}`];
}
