/**
 * One connection of the address that floods the room (attacks 7 and 8), on a bare socket. Until it
 * is in the room it looks for the name prompt, its welcome or a refusal in what arrives; then it
 * throws away what the room sends without splitting it into lines (it keeps reading, so the server
 * never takes it for slow), unless it waits for a line of its own to come back. Splitting the
 * flood once per attacker connection would cost this process more than the server, and cap the
 * flood at what the bench can parse.
 */
import type { Socket } from "node:net";
import { openSocket } from "../common/line-client.js";
import { Waiters } from "../common/waiters.js";
import { ATTACKER_ADDRESS } from "./wire.js";

const PROMPT = "Username: ";
/** What is kept of the text before the welcome: enough to hold a marker cut in two by a chunk boundary. */
const TAIL = 256;

/** The refusal's code, from the "! …" line the server sent instead of a prompt (netcat shows the text only). */
export function refusalCode(line: string | null): string {
  if (line === null) return "closed without a prompt";
  if (line.includes("too many new connections")) return "throttled";
  if (line.includes("too many connections from your address")) return "too-many-connections";
  if (line.includes("server is full")) return "server-full";
  return line.slice(0, 60);
}

export class Attacker {
  private tail = "";
  private prompted = false;
  private welcomed = false;
  private refusal: string | null = null;
  /** Text this connection waits to see in what the room sends, and whether it has. */
  private awaited: string | null = null;
  private sawAwaited = false;
  private isClosed = false;
  private readonly waiters = new Waiters();

  private constructor(
    readonly socket: Socket,
    readonly name: string,
  ) {
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      if (this.welcomed && this.awaited === null) return;
      const text = this.tail + chunk;
      this.tail = text.slice(-TAIL);
      if (this.awaited !== null) {
        if (text.includes(this.awaited)) {
          this.sawAwaited = true;
          this.awaited = null;
        }
      } else {
        if (this.refusal === null) this.refusal = /(?:^|\n)! ([^\r\n]*)\r\n/.exec(text)?.[1] ?? null;
        if (!this.prompted && text.endsWith(PROMPT)) this.prompted = true;
        if (text.includes(`* Welcome, ${name}!`)) this.welcomed = true;
      }
      this.waiters.notify();
    });
    socket.once("close", () => {
      this.isClosed = true;
      this.waiters.notify();
    });
  }

  /**
   * Connects from ATTACKER_ADDRESS and joins as `name`: the attacker in the room, or the code of
   * the server's refusal (the connection is then closed). Each wait is bounded by `waitMs`.
   */
  static async join(port: number, name: string, waitMs: number): Promise<Attacker | { refused: string }> {
    const a = new Attacker(await openSocket(port, { localAddress: ATTACKER_ADDRESS, timeoutMs: waitMs }), name);
    if ((await a.waiters.holds(() => a.prompted || a.isClosed, waitMs)) && a.prompted && !a.isClosed) {
      a.socket.write(`${name}\r\n`);
      await a.waiters.holds(() => a.welcomed || a.isClosed, waitMs);
    }
    if (a.welcomed && !a.isClosed) return a;
    a.socket.destroy();
    return { refused: a.prompted ? `no welcome for ${a.name}` : refusalCode(a.refusal) };
  }

  /** Writes `text`, then waits (bounded) until `marker` comes back from the room: true if it did. */
  async sendAndAwait(text: string, marker: string, waitMs: number): Promise<boolean> {
    this.sawAwaited = false;
    this.awaited = marker;
    this.socket.write(text);
    const ok = await this.waiters.holds(() => this.sawAwaited || this.isClosed, waitMs);
    this.awaited = null;
    return ok && this.sawAwaited;
  }

  /**
   * Closes with a reset (SO_LINGER 0). A FIN from our side would leave this end in TIME_WAIT for
   * 60 s, and binding ATTACKER_ADDRESS to a fresh port gets slow as those pile up (here from ~9,000
   * connects/s to ~700/s past ~6,000 of them): the flood would measure our kernel, not the server.
   */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /** Waits (bounded) until the connection is closed, by the server or by `reset`; destroys it if the wait runs out. */
  async closed(waitMs: number): Promise<boolean> {
    const ok = await this.waiters.holds(() => this.isClosed, waitMs);
    if (!ok) this.socket.destroy();
    return ok;
  }
}
