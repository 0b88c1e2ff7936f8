/**
 * A line client on plain `node:net`, for the benchmarks' well-behaved clients and for the tests:
 * connect with a deadline, send lines, split what arrives into lines (at CRLF for the chat
 * server, at LF for the Fibonacci servers), and wait with a deadline for a line or a condition.
 * It keeps only the last `keep` lines (an attacker may be sent megabytes) but hands every line to
 * `onLine` first, with the time its chunk arrived. Not for hot paths where the client's own cost
 * is part of the measurement: the load generator and the soak's members parse raw bytes without
 * making a string of a line, and the Fibonacci benchmark's clients read their answers themselves.
 */
import { connect, type Socket } from "node:net";
import { Waiters } from "./waiters.js";

export interface LineOptions {
  /** What ends a line: "\r\n" (the chat server) or "\n". */
  eol: "\r\n" | "\n";
  /** "latin1": one character per byte, no decoding cost, lengths are byte counts. */
  encoding: "utf8" | "latin1";
  /** How many of the last lines `lines` keeps (Infinity: all of them). */
  keep: number;
  /** Drop the chat server's "Username: " prompts from the start of a line (a prompt has no line end of its own). */
  stripPrompt: boolean;
}

/** The chat server's netcat side as the tests read it: CRLF lines in UTF-8, all kept, without prompts. */
export const CHAT_LINES: LineOptions = { eol: "\r\n", encoding: "utf8", keep: Infinity, stripPrompt: true };

const PROMPT = "Username: ";
/** What is kept after the last line end is bounded: a line that never ends cannot fill our memory. */
const MAX_PARTIAL = 64 * 1024;
const DEADLINE_MS = 20_000;

export interface ConnectOptions {
  /** 127.0.0.1 unless given. */
  host?: string;
  /** Any 127.x.y.z is loopback on Linux: a second "host" for tests. */
  localAddress?: string;
  timeoutMs?: number;
}

/**
 * Connects to host:`port`; rejects with the socket's own error (its `code` says why) or, after
 * `timeoutMs`, with "connect timed out after N ms". An error handler stays attached: errors after
 * connecting show up as 'close'.
 */
export function openSocket(port: number, options: ConnectOptions = {}): Promise<Socket> {
  const { host = "127.0.0.1", localAddress, timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, localAddress });
    socket.on("error", () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const failed = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once("error", failed);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", failed);
      resolve(socket);
    });
  });
}

export class LineClient {
  /** The last `keep` complete lines received, without their line ends. */
  readonly lines: string[] = [];
  /** What came after the last line end (the "Username: " prompt, for instance). */
  partial = "";
  /** Characters received (bytes with latin1), and bytes sent by `send`. */
  bytesIn = 0;
  bytesOut = 0;
  /** When the connection closed (performance.now()), null while it is open. */
  closedAt: number | null = null;
  /** Sees every line, kept or not, with the time (performance.now()) its chunk arrived. */
  onLine: ((line: string, at: number) => void) | null = null;
  readonly options: LineOptions;
  private readonly watchers = new Set<(line: string) => void>();
  private readonly waiters = new Waiters(() => `${this.lines.join("\n")}\n[${this.partial}]`);

  constructor(
    readonly socket: Socket,
    options: Partial<LineOptions> = {},
  ) {
    const { eol, encoding, keep, stripPrompt } = (this.options = { ...CHAT_LINES, ...options });
    socket.setEncoding(encoding);
    socket.on("data", (chunk: string) => {
      const at = performance.now();
      this.bytesIn += chunk.length;
      const parts = (this.partial + chunk).split(eol);
      this.partial = parts.pop() ?? "";
      if (this.partial.length > MAX_PARTIAL) this.partial = this.partial.slice(-1024);
      for (const part of parts) {
        const line = stripPrompt && part.startsWith(PROMPT) ? part.replace(/^(Username: )+/, "") : part;
        this.onLine?.(line, at);
        for (const watcher of this.watchers) watcher(line);
        if (keep > 0) this.lines.push(line);
      }
      if (this.lines.length > keep * 2) this.lines.splice(0, this.lines.length - keep);
      this.waiters.notify();
    });
    socket.on("error", () => {}); // "close" follows
    socket.once("close", () => {
      this.closedAt = performance.now();
      this.waiters.notify();
    });
  }

  get closed(): boolean {
    return this.closedAt !== null;
  }

  /** Sends `line` and its line end. */
  send(line: string): void {
    const data = line + this.options.eol;
    this.bytesOut += Buffer.byteLength(data);
    this.socket.write(data);
  }

  /** Whether `condition` comes to hold within `deadlineMs`; checked whenever something arrives or the connection closes. */
  holds(condition: () => boolean, deadlineMs = DEADLINE_MS): Promise<boolean> {
    return this.waiters.holds(condition, deadlineMs);
  }

  /** Resolves once `condition` holds; rejects after `deadlineMs` with `what` and the lines received. */
  until(condition: () => boolean, what: string, deadlineMs = DEADLINE_MS): Promise<void> {
    return this.waiters.until(condition, what, deadlineMs);
  }

  /**
   * The first line matching `pattern` at or after index `from` of `lines` (a client that keeps
   * every line), or still to come; rejects after `deadlineMs` or once the connection has closed.
   */
  async waitFor(pattern: RegExp, from = 0, deadlineMs = DEADLINE_MS): Promise<string> {
    let found = this.lines.slice(from).find((line) => pattern.test(line));
    if (found !== undefined) return found;
    const watcher = (line: string): void => {
      if (found === undefined && pattern.test(line)) found = line;
    };
    this.watchers.add(watcher);
    try {
      await this.until(() => found !== undefined || this.closed, String(pattern), deadlineMs);
    } finally {
      this.watchers.delete(watcher);
    }
    if (found === undefined) throw new Error(`the connection closed while waiting for ${String(pattern)}; got:\n${this.lines.join("\n")}`);
    return found;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Joins the chat server as `name`: waits for the "Username: " prompt, answers it, waits for the welcome. */
export async function joinChat(client: LineClient, name: string, deadlineMs = DEADLINE_MS): Promise<void> {
  await client.until(() => client.partial.endsWith(PROMPT) || client.closed, `${name}'s username prompt`, deadlineMs);
  client.send(name);
  await client.waitFor(new RegExp(`^\\* Welcome, ${name}!`), 0, deadlineMs);
}
