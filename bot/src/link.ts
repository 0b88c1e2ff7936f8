/**
 * One connection of the bot to the chat server, joined under a name: typed commands out, typed
 * events in, and a polite hang-up. Reconnecting is the bot's business (bot.ts), not this file's.
 */
import { timeout, TimeoutError, type Operation } from "../../shared/src/loop/index.js";
import { decodeServerEvent, encodeClientCommand, type ClientCommand, type ServerEvent } from "../../shared/src/protocol/index.js";
import { WsConnection } from "../../shared/src/ws/index.js";

/** The server will never accept this name (e.g. reserved): retrying cannot help. */
export class NameRefused extends Error {
  override name = "NameRefused";
}

/** How long a hang-up waits for the server to close its side before dropping the socket. */
const HANG_UP_MS = 2_000;

/** A WebSocket connection to the chat server on which the bot has been welcomed. */
export class ChatLink {
  private constructor(
    readonly connection: WsConnection,
    /** The name the server welcomed us with. */
    readonly name: string,
  ) {}

  /**
   * Connects to `url` and joins as `name`. Returns null if the name is taken (maybe by our own
   * ghost from a connection the server has not noticed is dead yet: worth retrying later).
   * Throws NameRefused if the name is invalid, and any other error if the server cannot be
   * reached or closes on us; the connection is closed in every case but success.
   */
  static *open(url: string, name: string): Operation<ChatLink | null> {
    const connection = yield* WsConnection.connect(url);
    let link: ChatLink | null = null;
    try {
      yield* connection.send(encodeClientCommand({ type: "join", name }));
      link = yield* ChatLink.awaitWelcome(connection, name);
      return link;
    } finally {
      if (link === null) connection.close(1000, "not joined");
    }
  }

  private static *awaitWelcome(connection: WsConnection, name: string): Operation<ChatLink | null> {
    for (;;) {
      const raw = yield* connection.receive();
      if (raw === null) throw new Error(`the server closed the connection before the welcome (${describeClose(connection)})`);
      const event = decodeServerEvent(raw);
      if (event?.type === "welcome") return new ChatLink(connection, event.name);
      if (event?.type === "error") {
        if (event.code === "name-taken") return null;
        if (event.code === "name-invalid") throw new NameRefused(`the server refuses the name ${JSON.stringify(name)}: ${event.text}`);
        throw new Error(`the server refused the join: ${event.text} (${event.code})`);
      }
      if (event?.type === "shutdown") throw new Error(`the server is shutting down: ${event.reason}`);
    }
  }

  /** Sends a command; false (and nothing sent) if the connection is already closed. */
  *send(command: ClientCommand): Operation<boolean> {
    if (this.connection.closedWith !== null) return false;
    yield* this.connection.send(encodeClientCommand(command));
    return true;
  }

  /** The next event this bot understands, or null once the connection is closed. */
  *next(): Operation<ServerEvent | null> {
    for (;;) {
      const raw = yield* this.connection.receive();
      if (raw === null) return null;
      const event = decodeServerEvent(raw);
      if (event !== null) return event; // frames of a newer protocol are skipped
    }
  }

  get closed(): boolean {
    return this.connection.closedWith !== null;
  }

  /** Why the connection closed, for logs. */
  get closeReason(): string {
    return describeClose(this.connection);
  }

  /**
   * Says goodbye (`quit`, so the room sees us leave at once rather than on a timeout) and waits
   * briefly for the server to close the connection, which it does once its last lines to us are
   * out; drops the socket if that does not happen in time. Safe to call on a closed link, and
   * from a `finally` of a cancelled task.
   */
  *hangUp(): Operation<void> {
    const connection = this.connection;
    if (connection.closedWith !== null) return;
    try {
      yield* timeout(HANG_UP_MS, this.quitAndDrain());
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      connection.terminate();
    }
  }

  private *quitAndDrain(): Operation<void> {
    yield* this.send({ type: "quit" });
    while ((yield* this.connection.receive()) !== null) {
      // events after our goodbye are of no interest
    }
  }
}

function describeClose(connection: WsConnection): string {
  const closed = connection.closedWith;
  if (closed === null) return "open";
  return closed.reason === "" ? `code ${closed.code}` : `code ${closed.code}: ${closed.reason}`;
}
