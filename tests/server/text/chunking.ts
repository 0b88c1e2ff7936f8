/** Helpers to feed one byte stream in many different chunkings. */

export { seededRandom } from "../../helpers/seeded-random.js";

/** Cuts `bytes` at arbitrary points (each reduced modulo the length; repeats make empty chunks). */
export function cutAnywhere(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  return cutAt(bytes, points.map((p) => p % (bytes.length + 1)).sort((a, b) => a - b));
}

/** Cuts `bytes` at the given offsets (sorted, strictly inside). Chunks are copies, as sockets give. */
export function cutAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const at of [...offsets, bytes.length]) {
    chunks.push(bytes.slice(from, at));
    from = at;
  }
  return chunks;
}

/** One-byte chunks. */
export function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (b) => Uint8Array.of(b));
}

/** A random chunking with chunks of 0 to `maxChunk` bytes (empty chunks included on purpose). */
export function randomChunks(bytes: Uint8Array, random: () => number, maxChunk: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  while (from < bytes.length) {
    const size = Math.floor(random() * (maxChunk + 1));
    chunks.push(bytes.slice(from, from + size));
    from += size;
  }
  return chunks;
}

/** Every way to cut `bytes` into two pieces (including an empty first or last piece). */
export function* allTwoWaySplits(bytes: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 0; i <= bytes.length; i++) yield cutAt(bytes, [i]);
}

/** Every way to cut `bytes` into three pieces. */
export function* allThreeWaySplits(bytes: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i; j <= bytes.length; j++) yield cutAt(bytes, [i, j]);
  }
}

/** Concatenates byte strings and numbers (single bytes) into one array. */
export function bytes(...parts: (string | number | readonly number[])[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === "number") out.push(part);
    else if (typeof part === "string") out.push(...Buffer.from(part, "utf8"));
    else out.push(...part);
  }
  return Uint8Array.from(out);
}
