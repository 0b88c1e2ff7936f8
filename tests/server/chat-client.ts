import { pino } from "pino";
import { CHAT_LINES, joinChat, LineClient, openSocket } from "../../bench/common/line-client.js";
import { Loop } from "../../shared/src/loop/index.js";
import { ChatServer, type ChatServerOptions } from "../../server/src/server.js";

/**
 * A netcat-like test client (plain Node, outside our loop): lines out, every CRLF line in, kept
 * without the "Username: " prompts (the user's Enter ends a prompt on their screen, not ours).
 */
export class ChatClient extends LineClient {
  /** Connects from `localAddress` (any 127.x.y.z is loopback on Linux: a second "host" for tests). */
  static async open(port: number, localAddress?: string): Promise<ChatClient> {
    return new ChatClient(await openSocket(port, { localAddress }), CHAT_LINES);
  }

  /** Connects (from `localAddress`, if given) and joins as `name`; resolves once the welcome arrived. */
  static async join(port: number, name: string, localAddress?: string): Promise<ChatClient> {
    const client = await ChatClient.open(port, localAddress);
    await joinChat(client, name);
    return client;
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

/** Runs `body` against a fresh server (see `startServer`), and stops the server however it ends. */
export async function withServer<T>(options: Partial<ChatServerOptions>, body: (s: RunningServer) => Promise<T>): Promise<T> {
  const s = await startServer(options);
  try {
    return await body(s);
  } finally {
    await s.stop();
  }
}
