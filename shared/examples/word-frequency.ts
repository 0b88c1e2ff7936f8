/**
 * Algorithm #1 (round-robin): "for each iteration, consider each active coroutine, resume it; if
 * it's finished, discard it, otherwise keep it for the next iteration."
 *
 * The lecture's `sort_words_by_frequency` counts the words of a big file and, every
 * `lines_at_a_time` lines, yields to the event loop. Here a heartbeat task shares the loop with
 * it: its ticks between the counter's chunks show that the loop stays responsive. With
 * `--every 0` the counter never yields and every tick waits until the counting is over.
 *
 *   npm run example:wordfreq -- [--lines 200000] [--every 10000] [--files 2] [--dir DIR] [--top 20] [FILE...]
 */
import { closeSync, openSync, readSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join as joinPath } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { parseArgs } from "node:util";
import { run, spawn, type Operation } from "../src/loop/index.js";
import { numberArg, runIfMain, toStdout, type Write } from "./cli.js";

const VOCABULARY = ("the of and to in a is that it was for on are as with his they at be this from " +
  "have or by one had not but what all were when we there can an your which their said if do will").split(" ");

/** mulberry32: a tiny deterministic PRNG, so a seed gives the same file on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes `lines` lines of 4-12 words (skewed towards the first words; each line capitalised). */
export function generateText(path: string, lines: number, seed = 1): void {
  const random = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const words: string[] = [];
    for (let n = 4 + Math.floor(random() * 9); n > 0; n--) {
      words.push(VOCABULARY[Math.floor(random() ** 2 * VOCABULARY.length)] as string);
    }
    out.push(words.join(" ").replace(/^./, (c) => c.toUpperCase()));
  }
  writeFileSync(path, out.join("\n") + "\n");
}

/** `for line in file:` — reads 64 KiB at a time, so a big file is never all in memory. */
function* linesOf(path: string): Generator<string, void, undefined> {
  const fd = openSync(path, "r");
  const buffer = Buffer.alloc(1 << 16);
  const decoder = new StringDecoder("utf8");
  let rest = "";
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
      const lines = (rest + decoder.write(buffer.subarray(0, n))).split("\n");
      rest = lines.pop() as string;
      yield* lines;
    }
    rest += decoder.end();
    if (rest !== "") yield rest;
  } finally {
    closeSync(fd);
  }
}

/** The counting half of `sort_words_by_frequency`: a bare `yield` every `every` lines. */
export function* countWords(path: string, every: number, write: Write = toStdout): Operation<Map<string, number>> {
  const counts = new Map<string, number>();
  let lines = 0;
  for (const line of linesOf(path)) {
    for (const word of line.split(/\s+/)) {
      if (word === "") continue;
      const w = word.toLowerCase(); // "Optional: makes it case-insensitive"
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    lines++;
    if (every > 0 && lines % every === 0) {
      write(`${basename(path)}: ${lines} lines counted`);
      yield; // "yield to the event_loop": back of the ready queue, the others run first
    }
  }
  write(`${basename(path)}: done, ${lines} lines`);
  return counts;
}

/** The sorting half: most frequent first (ties alphabetically, so the output is stable). */
export function topWords(counts: Map<string, number>, n: number): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

/** Prints a line each time the loop gets round to it. */
export function* heartbeat(write: Write = toStdout): Operation<never> {
  for (let tick = 1; ; tick++) {
    write(`still responsive: tick ${tick}`);
    yield;
  }
}

export interface WordFreqOptions { files: string[]; every?: number; top?: number; write?: Write }

/** Counts every file concurrently with a heartbeat, then prints each file's top words. */
export function* main({ files, every = 10_000, top = 20, write = toStdout }: WordFreqOptions): Operation<Map<string, number>[]> {
  // `append_tasks`: the counters and the heartbeat all start in the loop's ready queue.
  const counters = files.map((file) => spawn(countWords(file, every, write), { name: `count ${basename(file)}` }));
  const beat = spawn(heartbeat(write), { name: "heartbeat" });
  const results: Map<string, number>[] = [];
  for (const counter of counters) results.push(yield* counter.join());
  yield* beat.halt(); // the heartbeat never ends by itself: cancel it and wait for it to stop
  results.forEach((counts, i) => {
    write(`${files[i]}: top ${top} words`);
    for (const [word, n] of topWords(counts, top)) write(`${word} - ${n} times`);
  });
  return results;
}

runIfMain(import.meta.url, async () => {
  const text = { type: "string" } as const;
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { lines: text, every: text, files: text, dir: text, top: text } });
  let files = positionals;
  if (files.length === 0) {
    const lines = numberArg(values.lines, 200_000, "lines");
    const count = numberArg(values.files, 1, "files", 1);
    files = Array.from({ length: count }, (_, i) => joinPath(values.dir ?? tmpdir(), `loopchat-words-${i + 1}.txt`));
    files.forEach((file, i) => generateText(file, lines, i + 1));
  }
  await run(main({ files, every: numberArg(values.every, 10_000, "every"), top: numberArg(values.top, 20, "top", 1) }));
});
