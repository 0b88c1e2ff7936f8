import { createHash, timingSafeEqual } from "node:crypto";
import { nameSkeleton } from "../text/index.js";

/**
 * Names the operator keeps for particular clients (the quote bot's, until there are accounts):
 * granted only to a join that carries the key, so nobody can take the bot's name before it
 * connects. Matched by skeleton, so its look-alikes are kept too. Without a key nobody may take
 * them; netcat users, who cannot send a key, never can.
 */
export class ReservedNames {
  private readonly skeletons: ReadonlySet<string>;
  /** The key's digest: digests are all one length, so comparing them says nothing of the key's length. */
  private readonly keyDigest: Buffer | null;

  constructor(names: readonly string[] = [], key: string | null = null) {
    this.skeletons = new Set(names.map(nameSkeleton));
    this.keyDigest = key === null ? null : digest(key);
  }

  /** True when `name` is one of these names (or a look-alike) and `key` does not grant it. */
  refuses(name: string, key: string | undefined): boolean {
    return this.skeletons.has(nameSkeleton(name)) && !this.grants(key);
  }

  /** Compared in constant time, so the answer's timing does not reveal how much of a guess was right. */
  private grants(key: string | undefined): boolean {
    if (this.keyDigest === null || key === undefined) return false;
    return timingSafeEqual(digest(key), this.keyDigest);
  }
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
