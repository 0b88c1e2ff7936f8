/**
 * How the thread and process versions of the Fibonacci server start a module of theirs in a
 * worker thread or a child process, both from TypeScript sources (tsx, vitest) and compiled.
 */
const FROM_SOURCE = import.meta.url.endsWith(".ts");

/** What to hand to `new Worker(script, { argv })` or `fork(script, argv)`. */
export interface ModuleEntry {
  script: URL;
  argv: string[];
}

/** The entry that runs the module `name` (next to this file, without extension) in a thread or process. */
export function moduleEntry(name: string): ModuleEntry {
  if (!FROM_SOURCE) return { script: new URL(`./${name}.js`, import.meta.url), argv: [] };
  // tsx-entry.mjs registers tsx, then imports its last argument.
  return { script: new URL("./tsx-entry.mjs", import.meta.url), argv: [new URL(`./${name}.ts`, import.meta.url).href] };
}
