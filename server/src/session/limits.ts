import type { ErrorEvent } from "../../../shared/src/protocol/index.js";
import type { AddressAllowance } from "../address-budget.js";
import type { OutboxLimits } from "../room/outbox.js";
import type { SessionLog } from "./log.js";

/** What every session, whatever its transport, is allowed. */
export interface SessionLimits {
  maxLineBytes: number;
  nameTimeoutMs: number;
  /**
   * Lines (or WebSocket commands) before a name is chosen, after which the client is dropped: a
   * junk stream would otherwise cost an error and a prompt per line, unthrottled.
   */
  maxNameAttempts: number;
  linesPerSecond: number;
  burst: number;
  /** Lines received but not yet processed beyond which a flooder is disconnected. */
  maxBacklog: number;
  outbox: OutboxLimits;
  /** How long a leaving session may take to flush its outbox. */
  flushTimeoutMs: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  maxLineBytes: 1024,
  nameTimeoutMs: 60_000,
  maxNameAttempts: 20,
  linesPerSecond: 5,
  burst: 10,
  maxBacklog: 200,
  // Bytes are the real bound; the line count only caps bookkeeping for floods of tiny lines.
  outbox: { maxLines: 10_000, maxBytes: 1024 * 1024 },
  flushTimeoutMs: 2_000,
};

/** The answer to a line (or a command's text) over `maxLineBytes`: it is not sent, the connection stays. */
export function lineTooLong(maxLineBytes: number): ErrorEvent {
  return { type: "error", code: "line-too-long", text: `line too long (the limit is ${maxLineBytes} bytes); it was not sent` };
}

/** Counts sessions against the server's limits: `opened` at the start, `closed` however it ends. */
export interface SessionCounter {
  opened(log: SessionLog, transport: "tcp" | "ws", address: string, allowance: AddressAllowance): void;
  closed(log: SessionLog, transport: "tcp" | "ws", address: string, allowance: AddressAllowance): void;
  /** A client turned away after its session started (it spoke another protocol): counted with the refusals, by `reason`. */
  turnedAway(reason: string): void;
}
