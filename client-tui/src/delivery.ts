/**
 * Getting what the user typed to the server across dropped connections, losing none of it
 * silently. Commands wait in the outbox until the writer takes them; those the server echoes
 * back to their sender then wait in `awaiting` until the echo confirms them. A connection can be
 * dead before anyone notices, so when it drops, whatever still awaits its echo goes back to the
 * front of the outbox to be resent. Each command queued or requeued while offline has a
 * "pending" line in the pane, rewritten once it is sent, found delivered after all, or given up.
 * Separate because this bookkeeping is the subtle part of the client and has nothing to do with
 * keys, completion or drawing.
 */
import type { ActionEvent, ClientCommand, ErrorCode, MessageEvent, PrivateEvent, RenamedEvent } from "../../shared/src/protocol/index.js";
import type { Line, Scrollback } from "./scrollback.js";

export interface OutboxItem {
  command: ClientCommand;
  /** The "will send after reconnecting" line shown for it, if any. */
  pendingLine?: number;
  /** It was sent on a connection that dropped before its echo came back. */
  requeued?: boolean;
}

/** Our own events that echo a command back to us, by the command they echo. */
const ECHO_OF = { message: "say", action: "me", private: "msg", renamed: "nick" } as const;
type Echo = MessageEvent | ActionEvent | PrivateEvent | RenamedEvent;
/** Commands the server echoes to their sender (the others need no acknowledgement). */
type EchoedKind = (typeof ECHO_OF)[keyof typeof ECHO_OF];

/** Server error codes that refuse one command (it was processed: no echo will come). */
const REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["line-too-long", "no-such-user", "name-taken", "name-invalid", "bad-arguments", "bad-command", "too-large", "unknown-command", "blank-message"]);

const PENDING_PREFIX = /^not (connected|confirmed); will send after reconnecting: /;

/** The text as the server relays it: control characters dropped (a tab is a space), trimmed. */
export function normalizeText(text: string): string {
  return text
    .replace(/\t/gu, " ")
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu, "")
    .trim();
}

/** How a command is shown to the user (pending, not sent). */
export function describeCommand(command: ClientCommand): string {
  switch (command.type) {
    case "say":
      return command.text.startsWith("/") ? `/${command.text}` : command.text;
    case "me":
      return `/me ${command.text}`;
    case "msg":
      return `/msg ${command.to} ${command.text}`;
    case "nick":
      return `/nick ${command.name}`;
    default:
      return `/${command.type}`;
  }
}

export class Delivery {
  /** Commands typed and not yet sent, oldest first; the writer task takes them from here. */
  readonly outbox: OutboxItem[] = [];
  /** Commands handed to the socket whose echo has not arrived yet, oldest first. */
  readonly awaiting: OutboxItem[] = [];

  /** `pane` shows the pending lines. */
  constructor(private readonly pane: Scrollback) {}

  /** Queues a command for the writer; while offline it is shown as pending. */
  enqueue(command: ClientCommand, connected: boolean): void {
    if (connected) {
      this.outbox.push({ command });
      return;
    }
    const line = this.pane.system("pending", `not connected; will send after reconnecting: ${describeCommand(command)}`);
    this.outbox.push({ command, pendingLine: line.id });
  }

  /** The writer took the first queued command (it is on its way). */
  takeOutgoing(): ClientCommand | undefined {
    const item = this.outbox.shift();
    if (item === undefined) return undefined;
    this.settlePending(item, "sent after reconnecting: ");
    return item.command;
  }

  /** The writer is handing `command` to the socket: it awaits its echo. */
  sent(command: ClientCommand): void {
    if (!isEchoed(command)) return;
    this.awaiting.push({ command });
  }

  /** A command could not be sent after all: back to the front of the queue. */
  putBack(command: ClientCommand): void {
    const index = this.awaiting.map((item) => item.command).lastIndexOf(command);
    if (index >= 0) this.awaiting.splice(index, 1);
    this.outbox.unshift({ command });
  }

  /**
   * The echo of a command we sent arrived: it (the oldest awaiting one of that kind with that
   * text, else the oldest of that kind) is confirmed, and so is everything sent before it (the
   * server handles a connection's commands in order: those were done or refused).
   */
  confirm(echo: Echo): void {
    const kind = ECHO_OF[echo.type];
    const text = echo.type === "renamed" ? null : echo.text;
    const ofKind = (item: OutboxItem): boolean => item.command.type === kind;
    let index = text === null ? -1 : this.awaiting.findIndex((item) => ofKind(item) && echoText(item.command) === normalizeText(text));
    if (index < 0) index = this.awaiting.findIndex(ofKind);
    if (index >= 0) this.awaiting.splice(0, index + 1);
  }

  /** An error from the server: one that refuses a command is about the oldest awaiting one (commands are answered in order). */
  errorReceived(code: ErrorCode): void {
    if (REFUSALS.has(code)) this.awaiting.shift();
  }

  /**
   * Something we said is in the welcome's history replay: if it was requeued (only its echo was
   * lost), the server has it already, so it is taken out of the outbox.
   */
  replayed(said: MessageEvent | ActionEvent): void {
    const kind = ECHO_OF[said.type];
    const index = this.outbox.findIndex((item) => item.requeued === true && item.command.type === kind && echoText(item.command) === normalizeText(said.text));
    if (index < 0) return;
    const [item] = this.outbox.splice(index, 1);
    if (item !== undefined) this.settlePending(item, "delivered before the disconnect: ");
  }

  /** The connection dropped: what was sent but never echoed is perhaps lost with it. Resend first, in order. */
  disconnected(): void {
    const requeued = this.awaiting.splice(0).map((item): OutboxItem => {
      const line = this.pane.system("pending", `not confirmed; will send after reconnecting: ${describeCommand(item.command)}`);
      return { command: item.command, pendingLine: line.id, requeued: true };
    });
    this.outbox.unshift(...requeued);
  }

  /**
   * The user is leaving: everything not sent or not confirmed is marked "not sent" in the pane,
   * oldest first; returns how each is shown (to print once the screen is gone).
   */
  quitting(): string[] {
    const left = [...this.awaiting.splice(0), ...this.outbox.splice(0)];
    return left.map((item) => {
      const shown = describeCommand(item.command);
      const line = this.pendingLine(item);
      if (line !== undefined) {
        line.kind = "error";
        line.text = `not sent: ${shown}`;
      } else {
        this.pane.system("error", `not sent: ${shown}`);
      }
      return shown;
    });
  }

  /** The item's pending line, unless it has none or it has left the pane. */
  private pendingLine(item: OutboxItem): Line | undefined {
    return item.pendingLine === undefined ? undefined : this.pane.find(item.pendingLine);
  }

  /** The item's pending line now says what became of it (`outcome` replaces "not …; will send …"). */
  private settlePending(item: OutboxItem, outcome: string): void {
    const line = this.pendingLine(item);
    if (line === undefined) return;
    line.kind = "notice";
    line.text = line.text.replace(PENDING_PREFIX, outcome);
  }
}

function isEchoed(command: ClientCommand): command is Extract<ClientCommand, { type: EchoedKind }> {
  if (command.type === "nick") return true;
  // The server says nothing (and echoes nothing) for a text of white space only; any other text it
  // echoes or refuses (blank-message when nothing of it would show).
  return (command.type === "say" || command.type === "me" || command.type === "msg") && !WHITE_SPACE_ONLY.test(command.text);
}

const WHITE_SPACE_ONLY = /^\p{White_Space}*$/u;

/** The text the echo of `command` will carry. */
function echoText(command: ClientCommand): string | null {
  return "text" in command ? normalizeText(command.text) : null;
}
