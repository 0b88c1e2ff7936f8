import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../shared/src/loop/index.js";
import { countWords, generateText, main, prng, topWords } from "../../shared/examples/word-frequency.js";
import { runExample, runScript } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "loopchat-wordfreq-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The straightforward count the example must agree with. */
function plainCount(path: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of readFileSync(path, "utf8").split(/\s+/)) {
    if (word !== "") counts.set(word.toLowerCase(), (counts.get(word.toLowerCase()) ?? 0) + 1);
  }
  return counts;
}

function sorted(counts: Map<string, number>): [string, number][] {
  return [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

describe("word-frequency (Algorithm #1)", () => {
  it("the generator is deterministic and the file has the requested lines", () => {
    const a = join(dir, "det-a.txt");
    const b = join(dir, "det-b.txt");
    generateText(a, 50, 7);
    generateText(b, 50, 7);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    expect(readFileSync(a, "utf8").split("\n")).toHaveLength(51); // 50 lines + final newline
    const r = prng(1);
    const xs = Array.from({ length: 1000 }, r);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("counts exactly what a plain count finds (case-insensitive)", async () => {
    const file = join(dir, "count.txt");
    generateText(file, 1234, 3);
    const counts = await run(countWords(file, 100, () => {}));
    expect(sorted(counts)).toEqual(sorted(plainCount(file)));
    expect(counts.has("the")).toBe(true);
    expect([...counts.keys()].every((w) => w === w.toLowerCase())).toBe(true);
  });

  it("handles blank lines, no final newline and multi-byte characters across 64 KiB reads", async () => {
    const file = join(dir, "utf8.txt");
    writeFileSync(file, "Hello  world\n\n\thello WORLD foo\n" + "café ".repeat(30_000) + "\nbar");
    const counts = await run(countWords(file, 1, () => {}));
    expect(sorted(counts)).toEqual(sorted(new Map([["hello", 2], ["world", 2], ["foo", 1], ["café", 30_000], ["bar", 1]])));
  });

  it("the heartbeat runs between the counters' chunks, in round-robin order", async () => {
    const files = [join(dir, "rr-1.txt"), join(dir, "rr-2.txt")];
    files.forEach((f, i) => generateText(f, 25, i + 1));
    const { value, lines } = await runExample((write) => main({ files, every: 10, top: 3, write }));
    expect(lines.slice(0, 9)).toEqual([
      "rr-1.txt: 10 lines counted",
      "rr-2.txt: 10 lines counted",
      "still responsive: tick 1",
      "rr-1.txt: 20 lines counted",
      "rr-2.txt: 20 lines counted",
      "still responsive: tick 2",
      "rr-1.txt: done, 25 lines",
      "rr-2.txt: done, 25 lines",
      "still responsive: tick 3", // it stays in the round until main halts it
    ]);
    // Then each file's top words, which agree with the plain count.
    const report = files.flatMap((f) => [`${f}: top 3 words`, ...topWords(plainCount(f), 3).map(([w, n]) => `${w} - ${n} times`)]);
    expect(lines.slice(9)).toEqual(report);
    expect(value.map(sorted)).toEqual(files.map((f) => sorted(plainCount(f))));
  });

  it("a counter that never yields (--every 0) starves the heartbeat until it is done", async () => {
    const file = join(dir, "greedy.txt");
    generateText(file, 25, 1);
    const { lines } = await runExample((write) => main({ files: [file], every: 0, top: 1, write }));
    expect(lines.slice(0, 2)).toEqual(["greedy.txt: done, 25 lines", "still responsive: tick 1"]);
    expect(lines.filter((l) => l.startsWith("still responsive"))).toHaveLength(1);
  });

  it("topWords sorts by count, then alphabetically", () => {
    const counts = new Map([["b", 2], ["a", 2], ["c", 5], ["d", 1]]);
    expect(topWords(counts, 3)).toEqual([["c", 5], ["a", 2], ["b", 2]]);
  });

  it("runs as a program (npm run example:wordfreq) on two generated files", async () => {
    const out = mkdtempSync(join(dir, "cli-"));
    const result = await runScript("word-frequency.ts", ["--lines", "30", "--every", "10", "--files", "2", "--top", "3", "--dir", out]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 3)).toEqual(["loopchat-words-1.txt: 10 lines counted", "loopchat-words-2.txt: 10 lines counted", "still responsive: tick 1"]);
    for (const i of [1, 2]) {
      const file = join(out, `loopchat-words-${i}.txt`);
      const at = lines.indexOf(`${file}: top 3 words`);
      expect(at).toBeGreaterThan(0);
      expect(lines.slice(at + 1, at + 4)).toEqual(topWords(plainCount(file), 3).map(([w, n]) => `${w} - ${n} times`));
    }
  });
});
