import { connect, type Socket } from "node:net";
import { Waiters } from "../../bench/common/waiters.js";
import { pino } from "pino";
import { Loop } from "../../shared/src/loop/index.js";
import { ChatServer, type ChatServerOptions } from "../../server/src/server.js";

/** A netcat-like test client (plain Node, outside our loop): raw bytes out, lines in. */
export class ChatClient {
  /** Every complete line received, without its CRLF. */
  readonly lines: string[] = [];
  /** Bytes after the last CRLF (e.g. the "Username: " prompt). */
  partial = "";
  closed = false;
  private readonly waiters = new Waiters(() => `${this.lines.join("\n")}\n[${this.partial}]`);

  private constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      const text = this.partial + chunk;
      const parts = text.split("\r\n");
      this.partial = parts.pop() ?? "";
      // The prompt has no newline (the user's Enter ends it on their screen): drop it from lines.
      this.lines.push(...parts.map((line) => line.replace(/^(Username: )+/, "")));
      this.waiters.notify();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiters.notify();
    });
    socket.on("error", () => {});
  }

  /** Connects from `localAddress` (any 127.x.y.z is loopback on Linux: a second "host" for tests). */
  static open(port: number, localAddress?: string): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, localAddress }, () => resolve(new ChatClient(socket)));
      socket.once("error", reject);
    });
  }

  /** Connects and joins as `name`; resolves once the welcome arrived. */
  static async join(port: number, name: string): Promise<ChatClient> {
    const client = await ChatClient.open(port);
    await client.until(() => client.partial === "Username: ", "the username prompt");
    client.send(name);
    await client.waitFor(new RegExp(`^\\* Welcome, ${name}!`));
    return client;
  }

  send(line: string): void {
    this.socket.write(line + "\r\n");
  }

  /** Waits (for the event, with a generous deadline) until `condition` holds. */
  until(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
    return this.waiters.until(condition, what, deadlineMs);
  }


  /** Waits for a line matching `pattern` after index `from`; returns it. */
  async waitFor(pattern: RegExp, from = 0): Promise<string> {
    let found: string | undefined;
    await this.until(() => (found = this.lines.slice(from).find((l) => pattern.test(l))) !== undefined, String(pattern));
    return found as string;
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface RunningServer {
  server: ChatServer;
  port: number;
  loop: Loop;
  stop(): Promise<void>;
}

/** Starts a chat server on 127.0.0.1 and an ephemeral port, on its own loop, with silent logs. */
export async function startServer(options: Partial<ChatServerOptions> = {}): Promise<RunningServer> {
  const loop = new Loop();
  const server = new ChatServer(
    { host: "127.0.0.1", tcpPort: 0, wsPort: 0, historySize: 20, maxClients: 1000, shutdownGraceMs: 2_000, ...options },
    pino({ level: "silent" }),
  );
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const done = loop.run(server.run(() => listening()));
  await Promise.race([ready, done]);
  return {
    server,
    port: server.tcpPort,
    loop,
    stop: async () => {
      server.stop("test over");
      await done;
    },
  };
}
