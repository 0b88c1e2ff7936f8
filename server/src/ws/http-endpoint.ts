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
 * The HTTP side of the server: `GET /healthz`, `GET /metrics`, the WebSocket endpoint at `/ws`, and 404 for
 * everything else. Upgraded connections wait in a queue for the accept-loop task, like TCP
 * connections wait for `Listener.accept`.
 */
export class HttpEndpoint {
  private readonly accepted = new Queue<WsConnection>();
  private readonly wss: WebSocketServer;
  private readonly release: () => void;

  constructor(
    readonly server: Server,
    readonly loop: Loop,
    private readonly options: HttpEndpointOptions,
  ) {
    this.release = loop.host.addWaker();
    // Our clients never fragment a message; ws's default of 16,384 fragments lets one peer hold
    // ~1.7 MB of bookkeeping for 110 KB of 1-byte fragments without ever joining.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, maxFragments: 64 });
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
    if (request.method === "GET" && pathOf(request) === "/healthz") {
      const body = JSON.stringify(this.options.health());
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    if (request.method === "GET" && pathOf(request) === "/metrics") {
      const body = this.options.metrics();
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4", "content-length": Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    if (request.method === "GET" && pathOf(request) === "/loop") {
      const view = this.options.loop(new URL(request.url ?? "/", "http://x").searchParams.has("tree"));
      const text = typeof view === "string";
      const body = text ? view + "\n" : JSON.stringify(view, null, 2);
      response.writeHead(200, { "content-type": text ? "text/plain" : "application/json", "content-length": Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found: try /ws (WebSocket), /healthz, /metrics or /loop\n");
  }
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
