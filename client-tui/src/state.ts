/**
 * The client's whole state as a plain model, with no terminal and no socket: the message pane's
 * lines, the members, the input line with its history and completion, the connection status,
 * the scroll position, and what the user typed that is not sent yet. Server events and key
 * presses change it; the view only reads it. Unit tests drive it directly.
 */
import type { ClientCommand, ServerEvent } from "../../shared/src/protocol/index.js";
import { COMMAND_NAMES, HELP_TEXT, parseInput } from "./commands.js";
import { complete, type Cycle } from "./completion.js";
import { InputHistory } from "./input-history.js";
import { InputLine } from "./input-line.js";
import { Scrollback, type Line, type LineKind } from "./scrollback.js";
import { actionFor, isLineEdit, type Effect, type Key } from "./key-bindings.js";
import { clock, mentions, sanitize } from "./text.js";

export interface OutboxItem {
  command: ClientCommand;
  /** The "will send after reconnecting" line shown for it, if any. */
  pendingLine?: number;
  /** It was sent on a connection that dropped before its echo came back. */
  requeued?: boolean;
}

/** Commands the server echoes to their sender (the others need no acknowledgement). */
type EchoedKind = "say" | "me" | "msg" | "nick";

/** Server error codes that refuse one command (it was processed: no echo will come). */
const REFUSALS = new Set(["line-too-long", "no-such-user", "name-taken", "name-invalid", "bad-arguments", "bad-command", "too-large", "unknown-command"]);

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

export type ConnectionState = "naming" | "connecting" | "connected" | "disconnected";

export interface Status {
  state: ConnectionState;
  url: string;
  /** Why we are disconnected, or what we are waiting for. */
  detail: string;
  /** Reconnect attempts since the connection was lost. */
  attempt: number;
}


export class ChatState {
  members: string[] = [];
  /** Our name once welcomed (or the one we will ask for). */
  me: string;
  status: Status;
  readonly input = new InputLine();
  /** Lines entered, oldest first. */
  get history(): readonly string[] {
    return this.inputHistory.entries;
  }
  private readonly inputHistory = new InputHistory();
  private completion: Cycle | null = null;
  /** Commands typed and not yet sent, oldest first; the writer task takes them from here. */
  readonly outbox: OutboxItem[] = [];
  /**
   * Commands handed to the socket whose echo (`message`/`action`/`private`/`renamed` from us)
   * has not arrived yet, oldest first. A connection can be dead before anyone notices, so these
   * go back to the front of the outbox when it drops; an echo confirms (removes) them.
   */
  readonly awaiting: OutboxItem[] = [];
  private readonly scrollback: Scrollback;
  /** When the connection was lost (for the gap marker), or null. */
  lostAt: number | null = null;
  private welcomedOnce = false;

  constructor(
    options: { url: string; name?: string | undefined },
    private readonly now: () => number = Date.now,
  ) {
    this.scrollback = new Scrollback(now);
    this.me = options.name ?? "";
    this.status = { state: options.name ? "connecting" : "naming", url: options.url, detail: "", attempt: 0 };
    if (!options.name) this.system("info", "Welcome to loopchat. Type the name you want to chat under and press Enter.");
  }

  // ---- the message pane, as the view reads it (scrollback.ts says what each part means) ----

  get lines(): readonly Line[] {
    return this.scrollback.lines;
  }

  get scroll(): number {
    return this.scrollback.scroll;
  }

  get scrollMax(): number {
    return this.scrollback.scrollMax;
  }

  set scrollMax(rows: number) {
    this.scrollback.scrollMax = rows;
  }

  get pageRows(): number {
    return this.scrollback.pageRows;
  }

  set pageRows(rows: number) {
    this.scrollback.pageRows = rows;
  }

  get unseen(): number {
    return this.scrollback.unseen;
  }

  /** The view drew the pane: what it measured bounds the scrolling from now on. */
  measured(view: { scrollMax: number; pageRows: number }): void {
    this.scrollback.measured(view);
  }

  /** A line from the client itself (help, errors, connection notices). */
  system(kind: LineKind, text: string): Line {
    return this.scrollback.system(kind, text);
  }

  private isMe(name: string): boolean {
    return this.me !== "" && name.toLowerCase() === this.me.toLowerCase();
  }

  /** Applies one event from the server. */
  applyEvent(event: ServerEvent): void {
    switch (event.type) {
      case "welcome": {
        this.me = event.name;
        this.members = [...event.users];
        const replay = event.history.filter((h) => !this.scrollback.hasSeen(h));
        // A requeued line the server did get (only its echo was lost) is in the replay: not again.
        for (const h of replay) if (this.isMe(h.from)) this.dropRequeued(h.type === "message" ? "say" : "me", h.text);
        if (this.welcomedOnce && replay.length > 0) this.system("gap", `── ${replay.length} message(s) said while you were away ──`);
        for (const h of replay) this.applyEvent(h);
        this.status = { ...this.status, state: "connected", detail: "", attempt: 0 };
        if (this.lostAt !== null) {
          this.system("gap", `── reconnected as ${event.name} at ${clock(this.now())} (offline ${Math.max(1, Math.round((this.now() - this.lostAt) / 1000))} s) ──`);
          this.lostAt = null;
        } else if (!this.welcomedOnce) {
          this.system("info", `Welcome, ${event.name}! Online (${event.users.length}): ${event.users.join(", ")}. Type /help for commands.`);
        }
        this.welcomedOnce = true;
        return;
      }
      case "message":
      case "action": {
        this.scrollback.markSeen(event);
        const mine = this.isMe(event.from);
        if (mine) this.confirm(event.type === "message" ? "say" : "me", event.text);
        this.scrollback.add({
          at: event.at,
          kind: event.type === "message" ? "chat" : "action",
          from: sanitize(event.from),
          text: sanitize(event.text),
          mine,
          highlight: !mine && mentions(event.text, this.me),
        });
        return;
      }
      case "private": {
        const mine = this.isMe(event.from);
        if (mine) this.confirm("msg", event.text);
        this.scrollback.add({ at: event.at, kind: "private", from: sanitize(event.from), to: sanitize(event.to), text: sanitize(event.text), mine, highlight: !mine });
        return;
      }
      case "joined":
        if (!this.members.some((m) => m.toLowerCase() === event.name.toLowerCase())) this.members.push(event.name);
        this.scrollback.add({ at: event.at, kind: "notice", text: `${sanitize(event.name)} joined (${event.online} online)` });
        return;
      case "left":
        this.members = this.members.filter((m) => m.toLowerCase() !== event.name.toLowerCase());
        this.scrollback.add({ at: event.at, kind: "notice", text: `${sanitize(event.name)} left (${sanitize(event.reason)}; ${event.online} online)` });
        return;
      case "renamed": {
        this.members = this.members.map((m) => (m.toLowerCase() === event.from.toLowerCase() ? event.to : m));
        const wasMe = this.isMe(event.from);
        if (wasMe) {
          this.me = event.to;
          this.confirm("nick", null);
        }
        this.scrollback.add({ at: event.at, kind: "notice", text: `${sanitize(event.from)} is now known as ${sanitize(event.to)}${wasMe ? " (you)" : ""}` });
        return;
      }
      case "users":
        this.members = [...event.users];
        this.system("info", `Online (${event.users.length}): ${event.users.join(", ")}`);
        return;
      case "info":
        this.system("info", event.text);
        return;
      case "error":
        // The server answers a connection's commands in order: a refusal is for the oldest one.
        if (REFUSALS.has(event.code)) this.awaiting.shift();
        this.system("error", event.text);
        return;
      case "shutdown":
        this.system("gap", `the server is shutting down: ${event.reason}`);
        return;
    }
  }

  /** The name was refused at join: ask for another one. */
  nameRefused(text: string): void {
    this.system("error", `${text}. Type another name and press Enter.`);
    this.status = { ...this.status, state: "naming", detail: "" };
  }

  connecting(attempt: number): void {
    this.status = { ...this.status, state: "connecting", detail: "", attempt };
  }

  /**
   * The echo of a command we sent arrived: it (the oldest awaiting one of that kind with that
   * text, else the oldest of that kind) is confirmed, and so is everything sent before it (the
   * server handles a connection's commands in order: those were done or refused).
   */
  private confirm(kind: EchoedKind, text: string | null): void {
    const ofKind = (item: OutboxItem): boolean => item.command.type === kind;
    let index = text === null ? -1 : this.awaiting.findIndex((item) => ofKind(item) && echoText(item.command) === normalizeText(text));
    if (index < 0) index = this.awaiting.findIndex(ofKind);
    if (index >= 0) this.awaiting.splice(0, index + 1);
  }

  /** Removes from the outbox a requeued line whose text the server's history shows it got. */
  private dropRequeued(kind: EchoedKind, text: string): void {
    const index = this.outbox.findIndex((item) => item.requeued === true && item.command.type === kind && echoText(item.command) === normalizeText(text));
    if (index < 0) return;
    const [item] = this.outbox.splice(index, 1);
    const line = item?.pendingLine === undefined ? undefined : this.scrollback.find(item.pendingLine);
    if (line !== undefined) {
      line.kind = "notice";
      line.text = line.text.replace(PENDING_PREFIX, "delivered before the disconnect: ");
    }
  }

  /** The writer is handing `command` to the socket: it awaits its echo. */
  sent(command: ClientCommand): void {
    if (!isEchoed(command)) return;
    this.awaiting.push({ command });
  }

  /** The connection dropped (or could not be made): mark the gap once, show the retry. */
  disconnected(reason: string, retryInMs: number | null): void {
    if (this.status.state === "connected") {
      this.lostAt = this.now();
      this.system("gap", `── disconnected at ${clock(this.now())}: ${reason} ──`);
    }
    // Sent but never echoed: perhaps lost with the connection. Resend first, in order.
    const requeued = this.awaiting.splice(0).map((item): OutboxItem => {
      const line = this.system("pending", `not confirmed; will send after reconnecting: ${describeCommand(item.command)}`);
      return { command: item.command, pendingLine: line.id, requeued: true };
    });
    this.outbox.unshift(...requeued);
    const retry = retryInMs === null ? "" : `; retrying in ${(retryInMs / 1000).toFixed(1)} s`;
    this.status = { ...this.status, state: "disconnected", detail: `${reason}${retry}` };
  }

  // ---- sending ----------------------------------------------------------------------------

  get connected(): boolean {
    return this.status.state === "connected";
  }

  /** Queues a command for the writer; while offline it is shown as pending. */
  private enqueue(command: ClientCommand): void {
    if (this.connected) {
      this.outbox.push({ command });
      return;
    }
    const line = this.system("pending", `not connected; will send after reconnecting: ${describeCommand(command)}`);
    this.outbox.push({ command, pendingLine: line.id });
  }

  /** The writer took the first queued command (it is on its way). */
  takeOutgoing(): ClientCommand | undefined {
    const item = this.outbox.shift();
    if (item === undefined) return undefined;
    if (item.pendingLine !== undefined) {
      const line = this.scrollback.find(item.pendingLine);
      if (line !== undefined) {
        line.kind = "notice";
        line.text = line.text.replace(PENDING_PREFIX, "sent after reconnecting: ");
      }
    }
    return item.command;
  }

  /** A command could not be sent after all: back to the front of the queue. */
  putBack(command: ClientCommand): void {
    const index = this.awaiting.map((item) => item.command).lastIndexOf(command);
    if (index >= 0) this.awaiting.splice(index, 1);
    this.outbox.unshift({ command });
  }

  /**
   * The user is leaving: everything not sent or not confirmed is marked "not sent" in the pane,
   * oldest first; returns how each is shown (to print once the screen is gone).
   */
  quitting(): string[] {
    const left = [...this.awaiting.splice(0), ...this.outbox.splice(0)];
    return left.map((item) => {
      const shown = describeCommand(item.command);
      const line = item.pendingLine === undefined ? undefined : this.scrollback.find(item.pendingLine);
      if (line !== undefined) {
        line.kind = "error";
        line.text = `not sent: ${shown}`;
      } else {
        this.system("error", `not sent: ${shown}`);
      }
      return shown;
    });
  }

  // ---- keys -------------------------------------------------------------------------------

  /** Applies one key press to the input line, history, completion and scroll. */
  handleKey(key: Key): Effect {
    const action = actionFor(key);
    if (action !== "complete") this.completion = null;
    if (isLineEdit(action)) {
      this.input[action]();
      return none;
    }
    switch (action) {
      case "submit":
        return this.submit();
      case "quit":
        return { type: "quit" };
      case "quitOrDelete":
        if (this.input.text === "") return { type: "quit" };
        this.input.deleteForward();
        break;
      case "clearInput":
        this.input.clear();
        this.inputHistory.restart();
        break;
      case "historyBack":
        this.showFromHistory(this.inputHistory.back(this.input.text));
        break;
      case "historyForward":
        this.showFromHistory(this.inputHistory.forward());
        break;
      case "complete":
        this.tabComplete();
        break;
      case "pageUp":
        this.scrollback.scrollPages(1);
        break;
      case "pageDown":
        this.scrollback.scrollPages(-1);
        break;
      case "follow":
        this.scrollback.scroll = 0;
        break;
      case "insert":
        this.input.insert(key.ch ?? "");
        break;
      case "ignore":
        break;
    }
    return none;
  }

  /** Scrolls the message pane `rows` up (negative: down), within what there is to see. */
  scrollBy(rows: number): void {
    this.scrollback.scrollBy(rows);
  }

  private submit(): Effect {
    const text = this.input.text;
    this.input.clear();
    this.inputHistory.record(text);
    this.scrollback.toNewest();
    if (this.status.state === "naming") {
      const name = text.trim();
      if (name === "") return none;
      if (name.startsWith("/")) {
        if (parseInput(name).kind === "quit") return { type: "quit" };
        this.system("error", "choose a name first (letters, digits, _ or -)");
        return none;
      }
      this.me = name;
      this.status = { ...this.status, state: "connecting", detail: "" };
      return { type: "name", name };
    }
    const parsed = parseInput(text);
    switch (parsed.kind) {
      case "empty":
        return none;
      case "help":
        this.system("info", HELP_TEXT);
        return none;
      case "error":
        this.system("error", parsed.text);
        return none;
      case "quit":
        return parsed.reason === undefined ? { type: "quit" } : { type: "quit", reason: parsed.reason };
      case "send":
        this.enqueue(parsed.command);
        return { type: "send" };
    }
  }

  private showFromHistory(text: string | undefined): void {
    if (text !== undefined) this.input.set(text);
  }

  /** Tab: completes the word before the cursor; the cycle is kept for the next Tab. */
  private tabComplete(): void {
    const done = complete({ text: this.input.text, cursor: this.input.cursor, members: this.members, me: this.me, commands: COMMAND_NAMES, cycle: this.completion });
    if (done === null) return;
    this.completion = done.cycle;
    this.input.set(done.text, done.cursor);
  }
}

const none: Effect = { type: "none" };

const PENDING_PREFIX = /^not (connected|confirmed); will send after reconnecting: /;

function isEchoed(command: ClientCommand): command is Extract<ClientCommand, { type: EchoedKind }> {
  if (command.type === "nick") return true;
  // The server says nothing (and echoes nothing) for a blank line.
  return (command.type === "say" || command.type === "me" || command.type === "msg") && normalizeText(command.text) !== "";
}

/** The text the echo of `command` will carry. */
function echoText(command: ClientCommand): string | null {
  return "text" in command ? normalizeText(command.text) : null;
}
