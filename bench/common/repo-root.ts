/**
 * The repository's root directory, with a trailing slash, found from this file's place: the same
 * whether the benchmarks run from source (tsx) or compiled into bench/.build (`npm run bench`).
 */
import { fileURLToPath } from "node:url";

/** True when this code runs from its TypeScript source; false when compiled into bench/.build/bench/. */
export const fromSource = import.meta.url.endsWith(".ts");

export const repoRoot = fileURLToPath(new URL(fromSource ? "../../" : "../../../../", import.meta.url));
