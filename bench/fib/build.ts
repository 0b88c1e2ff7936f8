/**
 * `--compiled`: the servers compiled by tsc into a temporary directory and run with plain `node`,
 * to tell what the servers cost from what running them from TypeScript sources costs (from
 * source, every worker thread registers tsx's module hooks again: Node 20 does not share them).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../common/repo-root.js";

/** Compiles the servers; returns the output directory (its layout mirrors the repository's). */
export function buildServers(): string {
  const outDir = mkdtempSync(join(tmpdir(), "loopchat-bench-fib-"));
  const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "bench/fib/tsconfig.servers.json", "--outDir", outDir], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n'); // the compiled files are ES modules
  return outDir;
}

export function removeBuild(outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
}
