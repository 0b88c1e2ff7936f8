import { createHash } from "node:crypto";
import { connect, type Socket } from "node:net";
import type { ServerEvent } from "../../shared/src/protocol/index.js";
import { Waiters } from "../helpers/waiters.js";

/**
 * A raw WebSocket client for tests: RFC 6455 framing by hand, on a bare TCP socket. The `ws`
 * client library refuses to misbehave (it fragments nothing, always answers pings, never keeps
 * TCP open after its close frame), so hostile and edge-case clients are built from this.
 */

export const OP = { continuation: 0x0, text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;
/** Clients must mask every frame; any fixed key will do (this one is RFC 6455's example). */
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** One client frame: FIN bit, opcode, a 7-, 16- or 64-bit length, the mask, the masked payload. */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), fin = true): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const n = data.length;
  const lengthBytes = n < 126 ? 0 : n < 0x10000 ? 2 : 8;
  const frame = Buffer.alloc(2 + lengthBytes + 4 + n);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | n;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  const at = 2 + lengthBytes;
  MASK.copy(frame, at);
  for (let i = 0; i < n; i++) frame[at + 4 + i] = data[i]! ^ MASK[i & 3]!;
  return frame;
}

/**
 * A WebSocket client on a bare socket. It records the server's text events, pings, pongs and
 * close code; it answers pings only if told to (`autoPong`), and reads nothing once paused.
 */
export class RawWs {
  readonly events: ServerEvent[] = [];
  pings = 0;
  readonly pongs: string[] = [];
  /** The code in the server's close frame, if one came. */
  closeCode: number | null = null;
  /** The TCP connection is gone (seen only while reading: a paused socket notices nothing). */
  closed = false;
  private unparsed = Buffer.alloc(0);
  private readonly waiters = new Waiters(() => JSON.stringify({ events: this.events, pings: this.pings, closeCode: this.closeCode, closed: this.closed }));

  private constructor(
    readonly socket: Socket,
    private readonly autoPong: boolean,
    rest: Buffer,
  ) {
    socket.on("data", (chunk: Buffer) => this.parse(chunk));
    socket.on("close", () => {
      this.closed = true;
      this.waiters.notify();
    });
    if (rest.length > 0) this.parse(rest);
  }

  /** Connects, upgrades to a WebSocket at /ws, checks the server's accept key. */
  /** `early`: frames written right behind the upgrade request, in the same write. */
  /** `halfOpen`: our side of TCP stays open when the server closes its own (a peer that never hangs up). */
  static open(port: number, options: { autoPong?: boolean; early?: Buffer; halfOpen?: boolean } = {}): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const key = Buffer.from("hostile-ws-tests").toString("base64");
      const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: options.halfOpen ?? false }, () => {
        socket.write(
          `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n` +
            (options.early ?? Buffer.alloc(0)).toString("latin1"),
          "latin1",
        );
      });
      socket.on("error", (error) => reject(error)); // stays as the socket's error handler; harmless once settled
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onData);
        const response = head.subarray(0, end).toString("latin1");
        const accept = createHash("sha1").update(key + WS_GUID).digest("base64");
        if (!response.startsWith("HTTP/1.1 101") || !response.includes(`Sec-WebSocket-Accept: ${accept}`)) {
          socket.destroy();
          reject(new Error(`upgrade refused:\n${response}`));
          return;
        }
        resolve(new RawWs(socket, options.autoPong ?? false, head.subarray(end + 4)));
      };
      socket.on("data", onData);
    });
  }

  /** Opens and joins as `name`; resolves once the welcome arrived. */
  static async join(port: number, name: string, options: { autoPong?: boolean; halfOpen?: boolean } = {}): Promise<RawWs> {
    const ws = await RawWs.open(port, options);
    ws.send(OP.text, JSON.stringify({ type: "join", name }));
    await ws.until(() => ws.events.some((e) => e.type === "welcome"), `${name}'s welcome`);
    return ws;
  }

  send(opcode: number, payload?: Buffer | string, fin = true): void {
    this.socket.write(clientFrame(opcode, payload, fin));
  }

  /**
   * A ping, and its pong back. The server handles a connection's frames in order, so once the
   * pong is here every frame sent before the ping has been taken in (even in the middle of a
   * fragmented message, where control frames are allowed).
   */
  async roundTrip(tag: string): Promise<void> {
    this.send(OP.ping, tag);
    await this.until(() => this.pongs.includes(tag), `the pong for ${tag}`);
  }

  until(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
    return this.waiters.until(condition, what, deadlineMs);
  }

  /** Server frames: never masked, never fragmented by our server. */
  private parse(chunk: Buffer): void {
    this.unparsed = Buffer.concat([this.unparsed, chunk]);
    for (;;) {
      const b = this.unparsed;
      if (b.length < 2) break;
      const opcode = b[0]! & 0x0f;
      let n = b[1]! & 0x7f;
      let at = 2;
      if (n === 126) {
        if (b.length < 4) break;
        n = b.readUInt16BE(2);
        at = 4;
      } else if (n === 127) {
        if (b.length < 10) break;
        n = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + n) break;
      const payload = b.subarray(at, at + n);
      this.unparsed = b.subarray(at + n);
      if (opcode === OP.text) this.events.push(JSON.parse(payload.toString("utf8")) as ServerEvent);
      else if (opcode === OP.ping) {
        this.pings++;
        if (this.autoPong) this.send(OP.pong, Buffer.from(payload));
      } else if (opcode === OP.pong) this.pongs.push(payload.toString("utf8"));
      else if (opcode === OP.close) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
    this.waiters.notify();
  }
}
