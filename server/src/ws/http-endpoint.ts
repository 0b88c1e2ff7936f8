import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { currentTask, once, Queue, QueueClosed, type Loop, type Operation } from "../../../shared/src/loop/index.js";
import { WsConnection } from "../../../shared/src/ws/index.js";

export interface HttpEndpointOptions {
  host: string;
  port: number;
  /** Largest WebSocket frame accepted; a bigger one closes the connection with 1009. */
  maxFrameBytes: number;
  /** Commands received and not yet handled beyond which a connection's socket is paused. */
  maxQueuedFrames: number;
  /** What GET /healthz answers (read-only: it runs in an HTTP callback, outside any task). */
  health: () => object;
  /** What GET /metrics answers, in the Prometheus text format (also read-only). */
  metrics: () => string;
  /** What GET /loop answers: the loop's live view (JSON), or with ?tree its task tree (text). */
  loop: (tree: boolean) => object | string;
}

/**
 * The HTTP side of the server: `/healthz`, `/metrics` and `/loop` (GET and HEAD; other methods
 * 405), the WebSocket endpoint at `/ws` (426 without the upgrade), and 404 for everything else.
 * Upgraded connections wait in a queue for the accept-loop task, like TCP connections wait for
 * `Listener.accept`.
 */
export class HttpEndpoint {
  private readonly accepted = new Queue<WsConnection>();
  private readonly wss: WebSocketServer;
  private readonly release: () => void;
  /** The read-only resources (GET and HEAD), by path. */
  private readonly resources = new Map<string, (request: IncomingMessage) => { type: string; body: string }>([
    ["/healthz", () => ({ type: "application/json", body: JSON.stringify(this.options.health()) })],
    ["/metrics", () => ({ type: "text/plain; version=0.0.4", body: this.options.metrics() })],
    [
      "/loop",
      (request) => {
        const view = this.options.loop(new URL(request.url ?? "/", "http://x").searchParams.has("tree"));
        return typeof view === "string" ? { type: "text/plain", body: view + "\n" } : { type: "application/json", body: JSON.stringify(view, null, 2) };
      },
    ],
  ]);

  constructor(
    readonly server: Server,
    readonly loop: Loop,
    private readonly options: HttpEndpointOptions,
  ) {
    this.release = loop.host.addWaker();
    // Our clients never fragment a message; ws's default of 16,384 fragments lets one peer hold
    // ~1.7 MB of bookkeeping for 110 KB of 1-byte fragments without ever joining.
    // handleProtocols: ws would otherwise answer with the client's first subprotocol, claiming
    // to speak one we know nothing of; our protocol is the JSON of shared/src/protocol, unnamed.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, maxFragments: 64, handleProtocols: () => false });
    server.on("request", (request: IncomingMessage, response: ServerResponse) => this.answer(request, response));
    server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on("error", () => {}); // a client that vanishes mid-handshake must not crash us
      if (pathOf(request) !== "/ws" || this.accepted.closed) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      const address = socket.remoteAddress ?? "";
      const peer = `${address}:${socket.remotePort}`;
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        if (this.accepted.closed) {
          ws.terminate();
          return;
        }
        // Wrapped at once, not when the accept loop gets to it: a client's first frames (its
        // join) may arrive before then, and ws drops a 'message' nobody listens to.
        const { maxQueuedFrames } = this.options;
        this.accepted.tryPut(new WsConnection(ws, this.loop, { highWaterBytes: 64 * 1024, maxQueuedFrames, peer, address, transport: socket }));
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next WebSocket connection, or null once the endpoint is closed. */
  *accept(): Operation<WsConnection | null> {
    try {
      return yield* this.accepted.get();
    } catch (error) {
      if (error instanceof QueueClosed) return null; // the endpoint was closed
      throw error; // e.g. our task's own cancellation
    }
  }

  /** Stops accepting (HTTP and WebSocket); open WebSocket connections are not affected. */
  close(): void {
    if (this.accepted.closed) return;
    while (this.accepted.size > 0) this.accepted.tryGet()?.terminate();
    this.accepted.close();
    this.server.close();
    this.server.closeIdleConnections();
    this.release();
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const path = pathOf(request);
    if (path === "/ws") {
      // A WebSocket endpoint reached without the upgrade (a browser's address bar, curl).
      reply(response, 426, { "content-type": "text/plain", upgrade: "websocket", connection: "Upgrade" }, "upgrade required: /ws is a WebSocket endpoint\n");
      return;
    }
    const resource = this.resources.get(path);
    if (resource === undefined) {
      reply(response, 404, { "content-type": "text/plain" }, "not found: try /ws (WebSocket), /healthz, /metrics or /loop\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      reply(response, 405, { "content-type": "text/plain", allow: "GET, HEAD" }, `method not allowed: ${path} answers GET and HEAD\n`);
      return;
    }
    const { type, body } = resource(request);
    // HEAD: the same headers, content-length included, and no body (Node sends none for HEAD).
    reply(response, 200, { "content-type": type }, body);
  }
}

function reply(response: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  response.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? "/").split("?")[0] ?? "/";
}

/** Starts the HTTP server; parks until it listens, throws (e.g. EADDRINUSE) if it cannot. */
export function* listenHttp(options: HttpEndpointOptions): Operation<HttpEndpoint> {
  const loop = currentTask().loop;
  // Node's defaults hold a connection that trickles its request headers for 90 s (a slowloris on
  // the HTTP port, which neither CHAT_MAX_CLIENTS nor the per-address limit sees before the
  // upgrade); 10 s is ample for a browser or a ws client on any link.
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1_000 });
  server.listen({ host: options.host, port: options.port });
  yield* once(server, "listening", { waitingOn: `http listen on ${options.host}:${options.port}`, onCancel: () => server.close() });
  return new HttpEndpoint(server, loop, options);
}
