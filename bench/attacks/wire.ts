/**
 * Plain-`net` building blocks for the attackers and the pair: deadlines, writes that respect
 * backpressure, chat members on bench/common's line client, and the few WebSocket bytes the raw
 * WebSocket attacker needs (a handshake and masked frames, written by hand so nothing is hidden
 * from us).
 */
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { joinChat, LineClient, openSocket, type LineOptions } from "../common/line-client.js";
import { sleep } from "../common/sleep.js";

export const HOST = "127.0.0.1";
/**
 * Where attacks 7 and 8 connect from (any 127.x.y.z is loopback on Linux): not the pair's
 * address, so the per-address budget they spend is their own.
 */
export const ATTACKER_ADDRESS = "127.0.0.2";

/** Rejects with `what` if `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Polls `condition` every `everyMs` until it holds (true) or `ms` has passed (false). */
export async function until(condition: () => boolean, ms: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Resolves once `socket` is closed (at once if it already is). */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

/** Destroys every socket and waits (bounded) until all are closed. */
export async function closeAll(sockets: Socket[], ms = 10_000): Promise<void> {
  for (const s of sockets) s.destroy();
  await until(() => sockets.every((s) => s.destroyed), ms);
  await Promise.race([Promise.all(sockets.map(closed)), sleep(ms)]);
}

/** Writes `chunk`; resolves when the socket can take more (after 'drain' if it had to buffer), false if it closed. */
export function writeAll(socket: Socket, chunk: Buffer | string): Promise<boolean> {
  if (socket.destroyed || !socket.writable) return Promise.resolve(false);
  if (socket.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    socket.on("drain", onDrain);
    socket.on("close", onClose);
  });
}

/** How the attackers and the pair read the chat: latin1 (lengths are byte counts), only the last 50 lines kept. */
export const NETCAT: Partial<LineOptions> = { encoding: "latin1", keep: 50 };

/** A netcat member of the chat, joined under `name`. */
export class Member extends LineClient {
  private constructor(
    socket: Socket,
    readonly name: string,
  ) {
    super(socket, NETCAT);
  }

  /** Connects and joins as `name`; throws if the connection, the prompt or the welcome takes longer than `ms`. */
  static async join(port: number, name: string, ms = 15_000): Promise<Member> {
    const member = new Member(await openSocket(port, { timeoutMs: ms }), name);
    await joinChat(member, name, ms);
    return member;
  }
}

/** Runs `make(i)` for i < count, at most `parallel` at a time; the results in order (errors as Error). */
export async function inBatches<T>(count: number, parallel: number, make: (i: number) => Promise<T>): Promise<(T | Error)[]> {
  const results: (T | Error)[] = new Array<T | Error>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        results[i] = await make(i);
      } catch (error) {
        results[i] = error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return results;
}

export const isOk = <T>(r: T | Error): r is T => !(r instanceof Error);

// ---------------------------------------------------------------------------------------------
// WebSocket, by hand (RFC 6455)

/** The HTTP upgrade request for `/ws`. */
export function upgradeRequest(port: number): string {
  const key = randomBytes(16).toString("base64");
  return [
    "GET /ws HTTP/1.1",
    `Host: ${HOST}:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
    "",
    "",
  ].join("\r\n");
}

export const OPCODE = { continuation: 0x0, text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One client-to-server frame: masked, as a client's must be. */
export function clientFrame(opcode: number, fin: boolean, payload: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (lengthBytes === 0) header[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(header, 2 + lengthBytes);
  const masked = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return Buffer.concat([header, masked]);
}

export interface ServerFrame {
  opcode: number;
  fin: boolean;
  payload: Buffer;
}

/** Splits server-to-client frames (unmasked) out of a byte stream; keeps at most one frame's bytes. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the frames they complete. */
  feed(chunk: Buffer): ServerFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: ServerFrame[] = [];
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.buffer.length < 2) break;
      const b0 = this.buffer[0] as number;
      const b1 = this.buffer[1] as number;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if ((b1 & 0x80) !== 0) offset += 4; // a server must not mask, but skip a mask if there is one
      if (this.buffer.length < offset + length) break;
      frames.push({ opcode: b0 & 0x0f, fin: (b0 & 0x80) !== 0, payload: this.buffer.subarray(offset, offset + length) });
      this.buffer = this.buffer.subarray(offset + length);
    }
    return frames;
  }
}
