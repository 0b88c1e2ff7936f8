/**
 * Algorithm #4 (spawn and join): "a task can spawn new tasks and then wait for them to finish."
 *
 * `spawn(task)` puts the child on the active list and hands the parent a handle; `join(handle)`
 * parks the parent until the child returns and passes it the child's value. If the child has
 * already finished, its value was kept for the parent (the lecture's
 * `parent_dict_with_children_finished`) and join returns it at once.
 *
 * Here the parent splits the sum 1..n between workers that nap between slices, joins them and
 * adds up their results. Then a child fails, and `join` rethrows its error in the parent.
 *
 *   npm run example:spawn -- [--workers 4] [--n 10000] [--unit-ms 50]
 */
import { parseArgs } from "node:util";
import { join, run, sleep, spawn, type Operation } from "../src/loop/index.js";
import { numberArg, runIfMain, toStdout, type Write } from "./cli.js";

const SLICE = 1000;

/** A child task: sums from..to, napping `napMs` after every SLICE numbers. */
export function* sumRange(name: string, from: number, to: number, napMs: number, write: Write = toStdout): Operation<number> {
  write(`${name}: summing ${from}..${to}`);
  let total = 0;
  for (let i = from; i <= to; i++) {
    total += i;
    if ((i - from + 1) % SLICE === 0) yield* sleep(napMs);
  }
  write(`${name}: done, ${from}..${to} = ${total}`);
  return total;
}

/** A child that fails after a nap. */
export function* failing(name: string, napMs: number, write: Write = toStdout): Operation<number> {
  write(`${name}: starting`);
  yield* sleep(napMs);
  throw new Error(`${name}: cannot sum a range that ends before it starts`);
}

export interface SpawnJoinOptions {
  workers?: number;
  n?: number;
  unitMs?: number;
  write?: Write;
}

export interface SpawnJoinResult {
  partials: number[];
  total: number;
  error: string;
}

export function* main({ workers = 4, n = 10_000, unitMs = 50, write = toStdout }: SpawnJoinOptions = {}): Operation<SpawnJoinResult> {
  // spawn: each child is ready at once; the parent keeps running and gets a handle back.
  // The first worker naps longest, so the later ones finish before the parent joins them.
  const children = Array.from({ length: workers }, (_, k) => {
    const from = Math.floor((k * n) / workers) + 1;
    const to = Math.floor(((k + 1) * n) / workers);
    const name = `worker-${k + 1}`;
    return spawn(sumRange(name, from, to, (workers - k) * unitMs, write), { name });
  });
  write(`main: spawned ${children.length} workers`);

  // join: park until the child has returned, and receive its value.
  const partials: number[] = [];
  for (const child of children) {
    const finished = child.done;
    const value = yield* join(child);
    write(`main: joined ${child.name} = ${value}${finished ? " (it had already finished)" : " (waited for it)"}`);
    partials.push(value);
  }
  const total = partials.reduce((a, b) => a + b, 0);
  write(`main: total = ${total} (n(n+1)/2 = ${(n * (n + 1)) / 2})`);

  // A failing child: join rethrows its error in the parent. Join it while it runs: in this loop
  // (structured concurrency, like trio) a child that fails while nobody joins it fails its parent.
  const bad = spawn(failing("worker-bad", unitMs, write), { name: "worker-bad" });
  let error = "";
  try {
    yield* join(bad);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    write(`main: join rethrew: ${error}`);
  }
  return { partials, total, error };
}

runIfMain(import.meta.url, async () => {
  const text = { type: "string" } as const;
  const { values } = parseArgs({ options: { workers: text, n: text, "unit-ms": text } });
  await run(
    main({
      workers: numberArg(values.workers, 4, "workers", 1),
      n: numberArg(values.n, 10_000, "n"),
      unitMs: numberArg(values["unit-ms"], 50, "unit-ms", 0),
    }),
  );
});
