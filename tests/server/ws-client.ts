import { WebSocket } from "ws";
import { Waiters } from "../helpers/waiters.js";
import type { ServerEvent } from "../../shared/src/protocol/index.js";

/** A WebSocket test client (plain ws, outside our loop) that records every event. */
export class WsClient {
  readonly events: ServerEvent[] = [];
  closed: { code: number; reason: string } | null = null;
  private readonly waiters = new Waiters(() => JSON.stringify(this.events));

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      this.events.push(JSON.parse(data.toString()) as ServerEvent);
      this.waiters.notify();
    });
    socket.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.waiters.notify();
    });
    socket.on("error", () => {});
  }

  static open(port: number, options: { autoPong?: boolean; path?: string; localAddress?: string } = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? "/ws"}`, { autoPong: options.autoPong ?? true, localAddress: options.localAddress });
      socket.once("open", () => resolve(new WsClient(socket)));
      socket.once("error", reject);
    });
  }

  static async join(port: number, name: string, localAddress?: string): Promise<WsClient> {
    const client = await WsClient.open(port, { localAddress });
    client.send({ type: "join", name });
    await client.waitFor((e) => e.type === "welcome");
    return client;
  }

  send(command: object | string): void {
    this.socket.send(typeof command === "string" ? command : JSON.stringify(command));
  }

  /** Waits (for the event, with a generous deadline) until `condition` holds. */
  until(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
    return this.waiters.until(condition, what, deadlineMs);
  }


  /** Waits for an event matching `match` at or after index `from`. */
  async waitFor<E extends ServerEvent = ServerEvent>(match: (e: ServerEvent) => boolean, from = 0): Promise<E> {
    let found: ServerEvent | undefined;
    await this.until(() => (found = this.events.slice(from).find(match)) !== undefined, String(match));
    return found as E;
  }

  close(): void {
    this.socket.terminate();
  }
}
