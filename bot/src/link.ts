/**
 * How the bot joins: the shared ChatLink, with the bot's reading of a refusal. A taken name may be
 * our own ghost from a connection the server has not yet noticed is dead, so it is worth retrying
 * later; an invalid name never will be.
 */
import type { Operation } from "../../shared/src/loop/index.js";
import { ChatLink } from "../../shared/src/ws/index.js";

/** The server will never accept this name (e.g. reserved): retrying cannot help. */
export class NameRefused extends Error {
  override name = "NameRefused";
}

/**
 * Connects to `url` and joins as `name`, with `key` if the server keeps that name for the bot (a
 * wrong key is refused like an invalid name: retrying cannot fix it). Returns null if the name is taken; throws NameRefused if
 * it is invalid, and any other error if the server cannot be reached or closes on us (the
 * connection is closed in every case but success).
 */
export function* joinAsBot(url: string, name: string, key?: string): Operation<ChatLink | null> {
  const result = yield* ChatLink.open(url, name, key);
  if (result.ok) return result.link;
  if (result.refusal.code === "name-taken") return null;
  throw new NameRefused(`the server refuses the name ${JSON.stringify(name)}: ${result.refusal.text}`);
}
