/**
 * The terminal client's tasks on the loop:
 *
 * - the **input task** takes what the view's callbacks put on the `ui` Queue (keys, wheel,
 *   resize) and applies it to the state: the only way the keyboard changes anything;
 * - the **connection task** owns the WebSocket: connect and join (asking for another name if
 *   the server refuses it), then a **reader** (events into the state) and a **writer** (the
 *   state's outbox onto the socket) until the connection ends; then backoff and reconnect under
 *   the same name;
 * - the **render task** redraws the view whenever the state changed (bursts coalesce).
 */
import type { Logger } from "pino";
import { Backoff } from "../../shared/src/retry/backoff.js";
import {
  Cancelled,
  currentTask,
  Event,
  Queue,
  scope,
  sleep,
  timeout,
  yieldNow,
  type Operation,
} from "../../shared/src/loop/index.js";
import { ChatLink } from "../../shared/src/ws/index.js";
import type { Key } from "./key-bindings.js";
import { ChatState } from "./state.js";

export type UiEvent = { type: "key"; key: Key } | { type: "wheel"; rows: number } | { type: "resize" } | { type: "quit"; reason?: string };

/** What the client needs from a view: draw the state, and measure the message pane. */
export interface View {
  render(state: ChatState): { scrollMax: number; pageRows: number };
}

export interface ClientOptions {
  url: string;
  name?: string | undefined;
  backoff?: { baseMs?: number; capMs?: number; random?: () => number };
  joinTimeoutMs?: number;
  /** A ping this often; no pong by the next one drops the connection (default 20 s). */
  keepaliveMs?: number;
  log?: Logger | undefined;
}

export class TuiClient {
  readonly state: ChatState;
  /** Filled by the view's callbacks with `tryPut`, emptied by the input task. */
  readonly ui = new Queue<UiEvent>();
  private readonly names = new Queue<string>();
  private readonly outboxReady = new Event();
  private readonly dirty = new Event();
  private readonly backoff: Backoff;
  private quitReason: string | undefined;
  /** Once `run` has returned: what the user typed that was not sent (or not confirmed), oldest first. */
  unsent: string[] = [];

  constructor(
    readonly options: ClientOptions,
    private readonly view: View,
    now?: () => number,
  ) {
    this.state = new ChatState({ url: options.url, name: options.name }, now);
    this.backoff = new Backoff({ baseMs: 500, capMs: 10_000, ...options.backoff });
  }

  /** Runs until the user quits; says goodbye to the room on the way out. */
  *run(): Operation<void> {
    const client = this;
    const release = currentTask().loop.host.addWaker(); // the terminal may wake the input task at any time
    try {
      yield* scope(function* (s) {
        s.spawn(client.renderLoop(), { name: "render" });
        const connection = s.spawn(client.connectionLoop(), { name: "connection" });
        yield* client.inputLoop();
        if (client.state.connected) {
          client.state.system("info", "leaving…");
          client.invalidate();
        }
        yield* connection.halt(); // its finally says quit to the server
        client.unsent = client.state.quitting();
        if (client.unsent.length > 0) client.view.render(client.state); // shown before leaving
        s.cancelAll("the user quit");
      });
    } finally {
      release();
    }
  }

  invalidate(): void {
    this.dirty.set();
  }

  private *renderLoop(): Operation<never> {
    for (;;) {
      yield* this.dirty.wait();
      yield* yieldNow(); // let a burst of events land before drawing
      this.dirty.clear();
      this.state.measured(this.view.render(this.state));
    }
  }

  /** Applies UI events until the user asks to quit. */
  private *inputLoop(): Operation<void> {
    this.invalidate();
    for (;;) {
      const event = yield* this.ui.get();
      switch (event.type) {
        case "quit":
          this.quitReason = event.reason;
          return;
        case "wheel":
          this.state.scrollBy(event.rows);
          break;
        case "resize":
          break;
        case "key": {
          const effect = this.state.handleKey(event.key);
          if (effect.type === "quit") {
            this.quitReason = effect.reason;
            return;
          }
          if (effect.type === "send") this.outboxReady.set();
          if (effect.type === "name") this.names.tryPut(effect.name);
          break;
        }
      }
      this.invalidate();
    }
  }

  private log(fields: object, message: string): void {
    this.options.log?.info(fields, message);
  }

  /** Connects, serves, reconnects, forever (until cancelled by the quit). */
  private *connectionLoop(): Operation<never> {
    const state = this.state;
    for (;;) {
      if (state.status.state === "naming") {
        this.invalidate();
        yield* this.names.get();
      }
      state.connecting(this.backoff.attempts);
      this.invalidate();
      const why = yield* this.attempt();
      if (why === null) continue; // the name was refused: ask for another one at once
      const delayMs = Math.round(this.backoff.next());
      this.log({ why, delayMs, attempt: this.backoff.attempts }, "disconnected");
      state.disconnected(why, delayMs);
      this.invalidate();
      yield* sleep(delayMs);
    }
  }

  /** One connection; returns why it ended, or null when the user must choose another name. */
  private *attempt(): Operation<string | null> {
    const state = this.state;
    let result;
    try {
      result = yield* timeout(this.options.joinTimeoutMs ?? 10_000, ChatLink.open(this.options.url, state.me));
    } catch (error) {
      if (error instanceof Cancelled) throw error;
      return `cannot connect: ${describe(error)}`;
    }
    if (!result.ok) {
      if (state.lostAt === null || result.refusal.code === "name-invalid") {
        state.nameRefused(result.refusal.text);
        this.invalidate();
        return null;
      }
      return `${result.refusal.text} (maybe by our previous connection)`;
    }
    const { link, welcome } = result;
    this.backoff.reset();
    this.log({ name: welcome.name }, "joined");
    state.applyEvent(welcome);
    if (state.outbox.length > 0) this.outboxReady.set();
    this.invalidate();
    let hungUp = false;
    try {
      const client = this;
      const why = yield* scope(function* (s) {
        s.spawn(client.writer(link), { name: "writer" });
        s.spawn(client.keepalive(link), { name: "keepalive" });
        const reader = s.spawn(client.reader(link), { name: "reader" });
        const why = yield* reader.join();
        s.cancelAll("the connection ended");
        return why;
      });
      return why;
    } catch (error) {
      if (error instanceof Cancelled) {
        hungUp = true;
        // Echoes still arriving before the server closes confirm what we sent.
        yield* link.hangUp(this.quitReason, (event) => this.state.applyEvent(event));
      }
      throw error;
    } finally {
      if (!hungUp) link.close();
    }
  }

  private *reader(link: ChatLink): Operation<string> {
    let why = "";
    for (;;) {
      const event = yield* link.next();
      if (event === null) return why !== "" ? why : `connection lost (${link.closeReason})`;
      if (event.type === "shutdown") why = `the server is shutting down (${event.reason})`;
      this.state.applyEvent(event);
      this.invalidate();
    }
  }

  /**
   * Pings the server every `keepaliveMs`; a server that has not answered the previous ping is
   * taken for gone (a dead network sends no close), so the reader sees the end and we reconnect.
   */
  private *keepalive(link: ChatLink): Operation<void> {
    const socket = link.connection.socket;
    let answered = true;
    const onPong = (): void => {
      answered = true;
    };
    socket.on("pong", onPong);
    try {
      for (;;) {
        yield* sleep(this.options.keepaliveMs ?? 20_000);
        if (link.closed) return;
        if (!answered) {
          this.log({}, "no answer to ping: dropping the connection");
          link.connection.terminate();
          return;
        }
        answered = false;
        socket.ping();
      }
    } finally {
      socket.off("pong", onPong);
    }
  }

  private *writer(link: ChatLink): Operation<void> {
    for (;;) {
      const command = this.state.takeOutgoing();
      if (command === undefined) {
        this.outboxReady.clear();
        yield* this.outboxReady.wait();
        continue;
      }
      this.invalidate();
      let sent = false;
      this.state.sent(command); // awaits its echo from here (putBack takes it out again)
      try {
        // Once handed to the socket a frame is gone: a cancellation while parked on
        // backpressure must not queue it again.
        sent = yield* link.send(command);
      } catch (error) {
        if (error instanceof Cancelled) throw error;
      }
      if (!sent) {
        this.state.putBack(command); // sent after the reconnect
        return;
      }
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && error.message === "" ? code : error.message || error.name;
  }
  return String(error);
}
