/**
 * One joined connection of a client (the bot, the terminal client) to the chat server: join
 * handshake, typed commands out, typed events in, and a polite hang-up. Reconnecting is each
 * client's own business.
 */
import { timeout, TimeoutError, type Operation } from "../loop/index.js";
import {
  decodeServerEvent,
  encodeClientCommand,
  type ClientCommand,
  type ErrorEvent,
  type ServerEvent,
  type WelcomeEvent,
} from "../protocol/index.js";
import { WsConnection } from "./ws-connection.js";

/** How long a hang-up waits for the server to close its side before dropping the socket. */
const HANG_UP_MS = 2_000;

export type JoinResult = { ok: true; link: ChatLink; welcome: WelcomeEvent } | { ok: false; refusal: ErrorEvent };

export class ChatLink {
  private constructor(
    readonly connection: WsConnection,
    /** The name the server welcomed us with. */
    readonly name: string,
  ) {}

  /**
   * Connects to `url` and joins as `name` (with `key`, for a name the server keeps for its
   * holder): the link and its welcome, or the server's refusal of the name (the connection is
   * then closed). Throws if the server cannot be reached or hangs up.
   */
  static *open(url: string, name: string, key?: string): Operation<JoinResult> {
    const connection = yield* WsConnection.connect(url);
    let joined = false;
    try {
      yield* connection.write(encodeClientCommand(key === undefined ? { type: "join", name } : { type: "join", name, key }));
      for (;;) {
        const raw = yield* connection.receive();
        if (raw === null) throw new Error(`the server closed the connection before the welcome (${describeClose(connection)})`);
        const event = decodeServerEvent(raw);
        if (event?.type === "welcome") {
          joined = true;
          return { ok: true, link: new ChatLink(connection, event.name), welcome: event };
        }
        if (event?.type === "error") {
          if (event.code === "name-taken" || event.code === "name-invalid") return { ok: false, refusal: event };
          throw new Error(`the server refused the join: ${event.text}`);
        }
        if (event?.type === "shutdown") throw new Error(`the server is shutting down: ${event.reason}`);
      }
    } finally {
      if (!joined) connection.close(1000, "not joined");
    }
  }

  get closed(): boolean {
    return this.connection.closedWith !== null;
  }

  get closeReason(): string {
    return describeClose(this.connection);
  }

  /** Sends a command; false (nothing sent) if the connection is already closed. */
  *send(command: ClientCommand): Operation<boolean> {
    if (this.connection.closedWith !== null) return false;
    yield* this.connection.write(encodeClientCommand(command));
    return true;
  }

  /** The next event this client understands, or null once the connection is closed. */
  *next(): Operation<ServerEvent | null> {
    for (;;) {
      const raw = yield* this.connection.receive();
      if (raw === null) return null;
      const event = decodeServerEvent(raw);
      if (event !== null) return event;
    }
  }

  /**
   * Says `quit` and waits briefly for the server to close; drops the socket otherwise. Events
   * arriving meanwhile go to `onEvent` (the echoes of what was sent just before).
   */
  *hangUp(reason?: string, onEvent?: (event: ServerEvent) => void): Operation<void> {
    if (this.connection.closedWith !== null) return;
    try {
      yield* timeout(HANG_UP_MS, this.quitAndDrain(reason, onEvent));
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      this.connection.terminate();
    }
  }

  /** Drops the connection without a goodbye. */
  close(): void {
    this.connection.close(1000, "client closing");
  }

  private *quitAndDrain(reason?: string, onEvent?: (event: ServerEvent) => void): Operation<void> {
    yield* this.send(reason === undefined ? { type: "quit" } : { type: "quit", reason });
    for (;;) {
      const event = yield* this.next();
      if (event === null) return;
      onEvent?.(event);
    }
  }
}

function describeClose(connection: WsConnection): string {
  const closed = connection.closedWith;
  if (closed === null) return "open";
  return closed.reason === "" ? `code ${closed.code}` : `code ${closed.code}: ${closed.reason}`;
}
