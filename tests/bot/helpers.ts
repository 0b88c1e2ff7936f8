import { pino, type Logger } from "pino";
import { Event, Loop, race } from "../../shared/src/loop/index.js";
import { QuoteBot, type QuoteBotOptions } from "../../bot/src/bot.js";
import type { ChatClient } from "../server/chat-client.js";
import { DEADLINE_MS, Waiters } from "../helpers/waiters.js";

/** One pino line, parsed. */
export interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino logger whose JSON lines are kept (and waited for) by the test. */
export class LogCapture {
  readonly entries: LogEntry[] = [];
  readonly logger: Logger;
  private readonly waiters = new Waiters(() => this.entries.map((e) => JSON.stringify(e)).join("\n"));

  constructor(level = "debug") {
    this.logger = pino({ level }, {
      write: (line: string) => {
        this.entries.push(JSON.parse(line) as LogEntry);
        this.waiters.notify();
      },
    });
  }

  /** Entries with this message (and these fields). */
  find(msg: string, fields: Record<string, unknown> = {}): LogEntry[] {
    return this.entries.filter((e) => e.msg === msg && Object.entries(fields).every(([k, v]) => e[k] === v));
  }

  /** Waits (for the log line, with a generous deadline) until `count` entries match. */
  async waitFor(msg: string, fields: Record<string, unknown> = {}, count = 1, deadlineMs = DEADLINE_MS): Promise<LogEntry[]> {
    let found: LogEntry[] = [];
    await this.waiters.until(() => (found = this.find(msg, fields)).length >= count, `${count} log(s) "${msg}" ${JSON.stringify(fields)}`, deadlineMs);
    return found;
  }
}

export interface RunningBot {
  logs: LogCapture;
  /** Settles when the bot's loop has ended (rejects if the bot failed). */
  done: Promise<void>;
  /** Cancels the bot (it says quit and hangs up) and waits for its loop to end. */
  stop(): Promise<void>;
}

/** Runs a QuoteBot on its own loop (real time: it talks to real sockets), logging into a capture. */
export function startBot(options: QuoteBotOptions): RunningBot {
  const logs = new LogCapture();
  const bot = new QuoteBot(options, logs.logger);
  const stopRequested = new Event();
  const done = new Loop().run(function* () {
    yield* race<void>([stopRequested.wait(), bot.run()]);
  });
  return {
    logs,
    done,
    stop: async () => {
      stopRequested.set();
      await done;
    },
  };
}

/** The lines `client` has received that match `pattern`. */
export function linesMatching(client: ChatClient, pattern: RegExp): string[] {
  return client.lines.filter((line) => pattern.test(line));
}

/** Waits until `client` has received `count` lines matching `pattern`; returns them. */
export async function waitForLines(client: ChatClient, pattern: RegExp, count: number): Promise<string[]> {
  await client.until(() => linesMatching(client, pattern).length >= count, `${count} lines matching ${pattern}`);
  return linesMatching(client, pattern);
}

/** A message line from `name`, e.g. "[14:05] <QuoteBot> Well begun is half done. — Aristotle". */
export function messagesFrom(name: string): RegExp {
  return new RegExp(`^\\[\\d\\d:\\d\\d\\] <${name}> `);
}
