/**
 * The client's whole state as a plain model, with no terminal and no socket. Server events and
 * key presses change it; the view only reads it; unit tests drive it directly. It is a façade:
 * the message pane (scrollback.ts), getting commands delivered (delivery.ts), the keymap
 * (key-bindings.ts), the input history (input-history.ts) and Tab completion (completion.ts)
 * each live in their own file, and what is left here is what ties them together — who we are,
 * who is online, the connection status, and what each server event and each Enter means.
 */
import type { ClientCommand, ServerEvent } from "../../shared/src/protocol/index.js";
import { COMMAND_NAMES, HELP_TEXT, parseInput } from "./commands.js";
import { complete, type Cycle } from "./completion.js";
import { Delivery, type OutboxItem } from "./delivery.js";
import { InputHistory } from "./input-history.js";
import { InputLine } from "./input-line.js";
import { actionFor, isLineEdit, type Effect, type Key } from "./key-bindings.js";
import { Scrollback, type Line, type LineKind } from "./scrollback.js";
import { clock, mentions, sanitize } from "./text.js";

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
  /** When the connection was lost (for the gap marker), or null. */
  lostAt: number | null = null;
  readonly input = new InputLine();
  private readonly inputHistory = new InputHistory();
  /** What the last Tab completed, while Tab is pressed again and again. */
  private completion: Cycle | null = null;
  private readonly scrollback: Scrollback;
  private readonly delivery: Delivery;
  private welcomedOnce = false;

  constructor(
    options: { url: string; name?: string | undefined },
    private readonly now: () => number = Date.now,
  ) {
    this.scrollback = new Scrollback(now);
    this.delivery = new Delivery(this.scrollback);
    this.me = options.name ?? "";
    this.status = { state: options.name ? "connecting" : "naming", url: options.url, detail: "", attempt: 0 };
    if (!options.name) this.system("info", "Welcome to loopchat. Type the name you want to chat under and press Enter.");
  }

  // ---- the message pane, as the view reads it (scrollback.ts says what each part means) ------

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

  /** Scrolls the message pane `rows` up (negative: down), within what there is to see. */
  scrollBy(rows: number): void {
    this.scrollback.scrollBy(rows);
  }

  /** The view drew the pane: what it measured bounds the scrolling from now on. */
  measured(view: { scrollMax: number; pageRows: number }): void {
    this.scrollback.measured(view);
  }

  /** A line from the client itself (help, errors, connection notices). */
  system(kind: LineKind, text: string): Line {
    return this.scrollback.system(kind, text);
  }

  // ---- the server's events and the connection -----------------------------------------------

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
        for (const h of replay) if (this.isMe(h.from)) this.delivery.replayed(h);
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
        if (mine) this.delivery.confirm(event);
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
        if (mine) this.delivery.confirm(event);
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
          this.delivery.confirm(event);
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
        this.delivery.errorReceived(event.code);
        this.system("error", event.text);
        return;
      case "shutdown":
        this.system("gap", `the server is shutting down: ${event.reason}`);
        return;
    }
  }

  get connected(): boolean {
    return this.status.state === "connected";
  }

  /** The name was refused at join: ask for another one. */
  nameRefused(text: string): void {
    this.system("error", `${text}. Type another name and press Enter.`);
    this.status = { ...this.status, state: "naming", detail: "" };
  }

  connecting(attempt: number): void {
    this.status = { ...this.status, state: "connecting", detail: "", attempt };
  }

  /** The connection dropped (or could not be made): mark the gap once, show the retry. */
  disconnected(reason: string, retryInMs: number | null): void {
    if (this.status.state === "connected") {
      this.lostAt = this.now();
      this.system("gap", `── disconnected at ${clock(this.now())}: ${reason} ──`);
    }
    this.delivery.disconnected();
    const retry = retryInMs === null ? "" : `; retrying in ${(retryInMs / 1000).toFixed(1)} s`;
    this.status = { ...this.status, state: "disconnected", detail: `${reason}${retry}` };
  }

  // ---- sending: the writer task's side of delivery.ts, which says what each part means ------

  get outbox(): readonly OutboxItem[] {
    return this.delivery.outbox;
  }

  get awaiting(): readonly OutboxItem[] {
    return this.delivery.awaiting;
  }

  takeOutgoing(): ClientCommand | undefined {
    return this.delivery.takeOutgoing();
  }

  sent(command: ClientCommand): void {
    this.delivery.sent(command);
  }

  putBack(command: ClientCommand): void {
    this.delivery.putBack(command);
  }

  quitting(): string[] {
    return this.delivery.quitting();
  }

  // ---- keys and the input line ------------------------------------------------------------

  /** Lines entered, oldest first. */
  get history(): readonly string[] {
    return this.inputHistory.entries;
  }

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
        this.delivery.enqueue(parsed.command, this.connected);
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
