/**
 * The attacks. Each runs against a fresh server while the pair talks, and returns once its
 * attackers are gone (closed by the server or by us). Every wait has a deadline; every loop a
 * bound on its count. 1–6 are here; 7 and 8, one address against the per-address limits, are in
 * address-floods.ts.
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { percentile } from "../common/percentile.js";
import { LineClient, openSocket } from "../common/line-client.js";
import { sleep } from "../common/sleep.js";
import { joinQuitFlood, reconnectFlood } from "./address-floods.js";
import { RATE_LIMIT_OFF, type Attack } from "./attack.js";
import { footprintOf, tcpExtCounter } from "./monitor.js";
import {
  clientFrame,
  closeAll,
  closed,
  FrameReader,
  HOST,
  inBatches,
  isOk,
  Member,
  NETCAT,
  OPCODE,
  until,
  upgradeRequest,
  withDeadline,
  writeAll,
} from "./wire.js";

const KiB = 1024;
const MiB = 1024 * 1024;
const mb = (kb: number): string => (kb / 1024).toFixed(1);

// ---------------------------------------------------------------------------------------------

const SLOWLORIS_CONNECTIONS = 2_000;
const SLOWLORIS_HOLD_MS = 10_000;

/** 1. Connections that trickle a byte every 100 ms and never finish a line (so never a name). */
const slowloris: Attack = {
  id: 1,
  name: "slowloris",
  server: RATE_LIMIT_OFF,
  async run(ctx) {
    const n = SLOWLORIS_CONNECTIONS;
    ctx.phase("connect");
    const connectStart = performance.now();
    const opened = (await inBatches(n, 200, () => openSocket(ctx.port))).filter(isOk);
    ctx.note(`${opened.length}/${n} connected in ${((performance.now() - connectStart) / 1000).toFixed(1)} s (200 at a time)`);
    let ours = false;
    let closedByServer = 0;
    const told = new Set<Socket>();
    for (const s of opened) {
      let tail = "";
      s.setEncoding("latin1");
      s.on("data", (chunk: string) => {
        tail = (tail + chunk).slice(-512);
        if (tail.includes("no name chosen")) told.add(s);
      });
      s.once("close", () => {
        if (!ours) closedByServer++;
      });
    }
    ctx.phase("trickle");
    let bytes = 0;
    let tick = 0;
    // A tenth of the connections every 10 ms: each one a byte every 100 ms, never a newline.
    const trickle = setInterval(() => {
      tick++;
      for (let i = tick % 10; i < opened.length; i += 10) {
        const s = opened[i] as Socket;
        if (s.writable) {
          s.write("x");
          bytes++;
        }
      }
    }, 10);
    try {
      await sleep(SLOWLORIS_HOLD_MS);
      const m = ctx.memory();
      ctx.note(
        `held ${opened.length} for ${SLOWLORIS_HOLD_MS / 1000} s: RSS ${mb(m.rssKb)} MiB, peak ${mb(m.peakKb)} MiB → ` +
          `${((m.peakKb - ctx.rssBeforeKb) / opened.length).toFixed(1)} KiB per held connection at the peak, ` +
          `${((m.rssKb - ctx.rssBeforeKb) / opened.length).toFixed(1)} KiB now`,
      );
      if (ctx.fullTimeout) {
        ctx.phase("wait for the name timeout");
        const all = await until(() => opened.every((s) => s.destroyed), 75_000, 100);
        const lastS = (performance.now() - connectStart) / 1000;
        ctx.note(
          `the server cut ${closedByServer}/${opened.length} off by itself, the last ${lastS.toFixed(1)} s after the first connected; ${told.size} were told "no name chosen"`,
        );
        ctx.check(all && told.size === opened.length, "every slowloris connection is told and cut off at the 60 s name timeout");
      } else {
        ctx.note(`the server cut ${closedByServer} off before we closed them (expected 0: the name timeout is 60 s; --full-timeout waits for it)`);
      }
    } finally {
      clearInterval(trickle);
      ctx.phase("close");
      ours = true;
      await closeAll(opened);
    }
    return { attackers: opened.length, bytesSent: bytes };
  },
};

// ---------------------------------------------------------------------------------------------

const LONG_MEMBERS = 50;
const LONG_BYTES = 10 * 1024 * 1024;
const WRITE_SIZE = 64 * KiB;

/** 2. Members who each send 10 MiB without a newline, then end the line: they must get an error and nothing else. */
const longLines: Attack = {
  id: 2,
  name: "10 MiB lines",
  server: RATE_LIMIT_OFF,
  async run(ctx) {
    ctx.phase("join");
    const members = (await inBatches(LONG_MEMBERS, 10, (i) => Member.join(ctx.port, `long${i}`))).filter(isOk);
    ctx.check(members.length === LONG_MEMBERS, `all ${LONG_MEMBERS} long-line members joined (${members.length})`);
    ctx.phase("write");
    const chunk = Buffer.alloc(WRITE_SIZE, "y");
    let bytes = 0;
    const start = performance.now();
    // Watched as the lines come (a member also hears the pair, so a kept tail of lines is not enough).
    const toldAt = new Map<Member, number>();
    const backAt = new Map<Member, number>();
    members.forEach((m) => {
      const back = new RegExp(`<${m.name}> back to normal$`);
      m.onLine = (line) => {
        if (line.startsWith("! line too long") && !toldAt.has(m)) toldAt.set(m, performance.now() - start);
        if (back.test(line) && !backAt.has(m)) backAt.set(m, performance.now() - start);
      };
    });
    const finishedAt: number[] = [];
    await withDeadline(
      Promise.all(
        members.map(async (m) => {
          for (let sent = 0, k = 0; sent < LONG_BYTES && k < 1000; k++) {
            const part = LONG_BYTES - sent >= WRITE_SIZE ? chunk : chunk.subarray(0, LONG_BYTES - sent);
            if (!(await writeAll(m.socket, part))) break;
            sent += part.length;
            bytes += part.length;
          }
          // The line ends; then a normal one, whose echo says the server has read everything before it.
          m.send("");
          m.send("back to normal");
          finishedAt.push(performance.now() - start);
        }),
      ),
      60_000,
      "the long lines were written",
    );
    const writtenS = Math.max(...finishedAt) / 1000;
    await until(() => backAt.size === members.length, 30_000);
    const toldS = Math.max(0, ...toldAt.values()) / 1000;
    const readS = Math.max(0, ...backAt.values()) / 1000;
    ctx.note(
      `${mb(bytes / KiB)} MiB handed to the kernel in ${writtenS.toFixed(1)} s; each sender was told "line too long" as soon as its line passed 1,024 bytes ` +
        `(the last after ${toldS.toFixed(1)} s); the server had read all of it after ${readS.toFixed(1)} s (${(bytes / MiB / readS).toFixed(0)} MiB/s)`,
    );
    ctx.check(toldAt.size === members.length, `every sender was told "line too long" (${toldAt.size}/${members.length})`);
    ctx.check(backAt.size === members.length, `every sender could talk normally afterwards (${backAt.size}/${members.length})`);
    ctx.phase("leave");
    for (const m of members) m.socket.end();
    await Promise.race([Promise.all(members.map((m) => closed(m.socket))), sleep(10_000)]);
    await closeAll(members.map((m) => m.socket));
    return { attackers: members.length, bytesSent: bytes };
  },
};

// ---------------------------------------------------------------------------------------------

const RANDOM_CONNECTIONS = 200;
const RANDOM_BYTES = 1 * MiB;

/**
 * Random bytes with the 64 characters a name may hold ([A-Za-z0-9_-]) moved to 0x80 and up, so no
 * line can ever be a valid name (decoding and sanitizing only remove or replace characters): the
 * noise stays noise from a client that never joins. With plain random bytes, some lines are valid
 * names by chance, those clients join, and their later noise becomes chat for everyone.
 */
function noise(size: number): Buffer {
  const bytes = randomBytes(size);
  for (let i = 0; i < size; i++) {
    const b = bytes[i] as number;
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x2d) bytes[i] = b | 0x80;
  }
  return bytes;
}

/**
 * 3. Connections that send random bytes and never a valid name (they read what comes back, so
 * only the input is hostile). The server drops a client after 20 lines without a valid name, so
 * each is expected to be told and cut off long before its megabyte is through.
 */
const randomBinary: Attack = {
  id: 3,
  name: "random binary",
  server: RATE_LIMIT_OFF,
  async run(ctx) {
    ctx.phase("connect");
    const clients = (await inBatches(RANDOM_CONNECTIONS, 100, async () => new LineClient(await openSocket(ctx.port), { ...NETCAT, keep: 5 }))).filter(isOk);
    ctx.phase("write");
    let bytes = 0;
    const start = performance.now();
    const toldAt = new Map<LineClient, number>();
    for (const c of clients) {
      c.onLine = (line) => {
        if (!toldAt.has(c) && line.includes("no valid name in")) toldAt.set(c, performance.now() - start);
      };
    }
    await withDeadline(
      Promise.all(
        clients.map(async (c) => {
          for (let sent = 0; sent < RANDOM_BYTES; sent += WRITE_SIZE) {
            if (!(await writeAll(c.socket, noise(WRITE_SIZE)))) break; // cut off
            bytes += WRITE_SIZE;
          }
        }),
      ),
      60_000,
      "the random bytes were written",
    );
    const writtenS = (performance.now() - start) / 1000;
    ctx.phase("until cut off");
    await until(() => clients.every((c) => c.closed), 60_000, 50);
    const lastS = Math.max(0, ...toldAt.values()) / 1000;
    const byServer = clients.filter((c) => c.closed).length;
    const answered = clients.reduce((sum, c) => sum + c.bytesIn, 0);
    ctx.note(
      `${mb(bytes / KiB)} MiB of random bytes accepted by the kernel in ${writtenS.toFixed(1)} s (of ${mb((clients.length * RANDOM_BYTES) / KiB)} MiB meant); ` +
        `${toldAt.size}/${clients.length} read the "no valid name" goodbye before the cut (closing with unread input sends a reset, which may lose it); last cut ${lastS.toFixed(1)} s after the start`,
    );
    const members = (await ctx.metrics()).values.get("loopchat_members") ?? NaN;
    ctx.note(`${byServer} were closed by the server; ${members - 2} became members (expected 0); the server answered ${mb(answered / KiB)} MiB in all`);
    ctx.check(byServer === clients.length, "every noisy connection was cut off by the server");
    ctx.check(members === 2, "none of the noisy connections became a member");
    ctx.phase("close");
    await closeAll(clients.map((c) => c.socket));
    return { attackers: clients.length, bytesSent: bytes };
  },
};

// ---------------------------------------------------------------------------------------------

const MUTES = 200;
const FLOOD_LINE_PAD = 900;
const FLOOD_LINES_PER_10MS = 10;
const FLOOD_MAX_MS = 20_000;

/** 4. Members who never read while someone broadcasts: each must be cut off at its 1 MiB outbox bound. */
const neverRead: Attack = {
  id: 4,
  name: "never read",
  server: RATE_LIMIT_OFF,
  async run(ctx) {
    ctx.phase("join");
    const mutes = (await inBatches(MUTES, 20, (i) => Member.join(ctx.port, `mute${i}`))).filter(isOk);
    for (const m of mutes) m.socket.pause(); // from now on they read nothing
    ctx.check(mutes.length === MUTES, `all ${MUTES} non-readers joined (${mutes.length})`);
    const loud = await Member.join(ctx.port, "loud", 15_000);
    const tooSlow = (values: Map<string, number>): number => values.get('loopchat_drops_total{reason="too slow"}') ?? 0;
    const dropsBefore = tooSlow((await ctx.metrics()).values);
    ctx.phase("broadcast");
    const pad = "z".repeat(FLOOD_LINE_PAD);
    let bytes = loud.bytesOut;
    let seq = 0;
    let dropped = 0;
    const start = performance.now();
    let lastCheck = 0;
    while (performance.now() - start < FLOOD_MAX_MS && !loud.closed) {
      let batch = "";
      for (let i = 0; i < FLOOD_LINES_PER_10MS; i++) batch += `flood ${seq++} ${pad}\r\n`;
      bytes += batch.length;
      await writeAll(loud.socket, batch);
      await sleep(10);
      if (performance.now() - lastCheck > 250) {
        lastCheck = performance.now();
        dropped = tooSlow((await ctx.metrics()).values) - dropsBefore;
        if (dropped >= mutes.length) break;
      }
    }
    const seconds = (performance.now() - start) / 1000;
    dropped = tooSlow((await ctx.metrics()).values) - dropsBefore;
    const m = ctx.memory();
    const grewMiB = (m.peakKb - ctx.rssBeforeKb) / 1024;
    ctx.note(
      `"loud" broadcast ${seq} lines of ~${FLOOD_LINE_PAD + 12} B in ${seconds.toFixed(1)} s; ${dropped}/${mutes.length} non-readers dropped as "too slow"; ` +
        `peak − before = ${grewMiB.toFixed(1)} MiB (the bound: ${mutes.length} × 1 MiB = ${mutes.length} MiB)`,
    );
    ctx.check(dropped === mutes.length, `every non-reader was cut off (${dropped}/${mutes.length})`);
    ctx.check(grewMiB <= mutes.length * 1.05, `the memory peak stays within ${mutes.length} × 1 MiB (+5 %)`);
    ctx.check(!loud.closed, "the broadcaster itself was not dropped");
    ctx.phase("close");
    await closeAll([...mutes.map((c) => c.socket), loud.socket]);
    return { attackers: mutes.length + 1, bytesSent: bytes };
  },
};

// ---------------------------------------------------------------------------------------------

const FLOOD_CONNECTIONS = 5_000;
const FLOOD_IDLE_MS = 6_000;
const CONNECT_DEADLINE_MS = 20_000;

/** 5. 5,000 connects at once: every other one closes at once, the rest stay idle without a name. */
const connectionFlood: Attack = {
  id: 5,
  name: "connection flood",
  server: RATE_LIMIT_OFF,
  async run(ctx) {
    ctx.phase("connect");
    const overflows = tcpExtCounter("ListenOverflows");
    const serverBefore = footprintOf((await ctx.metrics()).values).tcp;
    const start = performance.now();
    const connectMs: number[] = [];
    const failures = new Map<string, number>();
    const idle: Socket[] = [];
    const all: Socket[] = [];
    let ours = false;
    let idleClosedByServer = 0;
    const welcomed = new Set<Socket>();
    await Promise.all(
      Array.from(
        { length: FLOOD_CONNECTIONS },
        (_, i) =>
          new Promise<void>((resolve) => {
            const s = connect({ host: HOST, port: ctx.port });
            all.push(s);
            let settled = false;
            const fail = (why: string): void => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              failures.set(why, (failures.get(why) ?? 0) + 1);
              s.destroy();
              resolve();
            };
            const timer = setTimeout(() => fail(`no connect within ${CONNECT_DEADLINE_MS / 1000} s`), CONNECT_DEADLINE_MS);
            s.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
            s.once("close", () => {
              if (!settled) fail("closed before connecting");
              else if (i % 2 === 1 && !ours) idleClosedByServer++;
            });
            s.once("connect", () => {
              settled = true;
              clearTimeout(timer);
              connectMs.push(performance.now() - start);
              if (i % 2 === 0) s.destroy();
              else {
                s.on("data", () => welcomed.add(s)); // reads the welcome and the prompt, then nothing comes
                idle.push(s);
              }
              resolve();
            });
          }),
      ),
    );
    const failed = [...failures].map(([why, n]) => `${n} ${why}`).join(", ") || "none";
    const sortedMs = [...connectMs].sort((a, b) => a - b);
    ctx.note(
      `${connectMs.length}/${FLOOD_CONNECTIONS} connected (all fired at once); connect time p50 ${percentile(sortedMs, 0.5).toFixed(0)} ms, ` +
        `p99 ${percentile(sortedMs, 0.99).toFixed(0)} ms, max ${percentile(sortedMs, 1).toFixed(0)} ms (the listen backlog is 511; over ~1 s means a SYN was retried); failed: ${failed}`,
    );
    const m = ctx.memory();
    ctx.phase("idle");
    await sleep(FLOOD_IDLE_MS);
    const m2 = ctx.memory();
    const held = footprintOf((await ctx.metrics()).values).tcp - serverBefore;
    ctx.note(
      `${idle.length} stayed idle without a name; the server holds ${held} sessions after ${FLOOD_IDLE_MS / 1000} s, and ${welcomed.size} of ours got its welcome. ` +
        `The other ${idle.length - welcomed.size} are connected only on our side: the 511-long accept queue overflowed (kernel ListenOverflows ` +
        `+${tcpExtCounter("ListenOverflows") - overflows}, system-wide), their handshake completed by SYN cookie and the final ACK was dropped; ` +
        `an idle client never learns (one that sends gets through)`,
    );
    ctx.note(
      `RSS ${mb(m.rssKb)} MiB once connected, ${mb(m2.rssKb)} MiB after ${FLOOD_IDLE_MS / 1000} s idle → ` +
        `${((m2.rssKb - ctx.rssBeforeKb) / Math.max(1, held)).toFixed(1)} KiB per idle connection the server holds; ${idleClosedByServer} idle closed by the server (expected 0 before 60 s)`,
    );
    ctx.check(connectMs.length === FLOOD_CONNECTIONS, `all ${FLOOD_CONNECTIONS} connects succeeded`);
    ours = true;
    ctx.phase("close");
    await closeAll(all);
    return { attackers: FLOOD_CONNECTIONS, bytesSent: 0 };
  },
};

// ---------------------------------------------------------------------------------------------

const WS_CLIENTS = 200;
const WS_FRAGMENT = 4 * KiB;
const WS_FRAGMENTS = 15; // 60 KiB, under the 64 KiB message limit
const WS_FRAGMENT_EVERY_MS = 200;
const WS_HOLD_MS = 5_000;
const WS_OVER = 8 * KiB; // one more: 68 KiB, over the limit

interface RawWs {
  socket: Socket;
  handshake: Promise<boolean>;
  closeCode: number | null;
}

function rawWebSocket(port: number, socket: Socket): RawWs {
  const ws: RawWs = { socket, handshake: Promise.resolve(false), closeCode: null };
  const frames = new FrameReader();
  let head: Buffer | null = Buffer.alloc(0);
  ws.handshake = new Promise<boolean>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      if (head !== null) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) {
          if (head.length > 16 * KiB) resolve(false);
          return;
        }
        const ok = /^HTTP\/1\.1 101 /.test(head.subarray(0, end).toString("latin1"));
        chunk = head.subarray(end + 4);
        head = null;
        resolve(ok);
      }
      for (const frame of frames.feed(chunk)) {
        if (frame.opcode === OPCODE.close) ws.closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
      }
    });
    socket.once("close", () => resolve(false));
  });
  socket.write(upgradeRequest(port));
  return ws;
}

/** 6. WebSocket clients whose one message never finishes: 60 KiB in fragments, then 8 KiB more (over the limit). */
const wsFragments: Attack = {
  id: 6,
  name: "WebSocket fragments",
  server: RATE_LIMIT_OFF,
  async run(ctx) {
    ctx.phase("handshake");
    const clients = (
      await inBatches(WS_CLIENTS, 50, async () => {
        const ws = rawWebSocket(ctx.wsPort, await openSocket(ctx.wsPort));
        if (!(await withDeadline(ws.handshake, 10_000, "the WebSocket handshake"))) {
          ws.socket.destroy();
          throw new Error("handshake refused");
        }
        return ws;
      })
    ).filter(isOk);
    ctx.check(clients.length === WS_CLIENTS, `all ${WS_CLIENTS} WebSocket handshakes succeeded (${clients.length})`);
    ctx.phase("fragments");
    let bytes = 0;
    const payload = Buffer.alloc(WS_FRAGMENT, "a");
    for (let k = 0; k < WS_FRAGMENTS; k++) {
      const opcode = k === 0 ? OPCODE.text : OPCODE.continuation;
      for (const c of clients) {
        const frame = clientFrame(opcode, false, payload);
        bytes += frame.length;
        c.socket.write(frame);
      }
      await sleep(WS_FRAGMENT_EVERY_MS);
    }
    ctx.phase("hold");
    await sleep(WS_HOLD_MS);
    const m = ctx.memory();
    const open = clients.filter((c) => !c.socket.destroyed && c.closeCode === null).length;
    ctx.note(
      `${clients.length} × ${(WS_FRAGMENTS * WS_FRAGMENT) / KiB} KiB unfinished messages held ${WS_HOLD_MS / 1000} s: RSS ${mb(m.rssKb)} MiB, peak ${mb(m.peakKb)} MiB → ` +
        `${((m.peakKb - ctx.rssBeforeKb) / Math.max(1, clients.length)).toFixed(1)} KiB per connection at the peak; ${open} still open`,
    );
    ctx.check(open === clients.length, "the server keeps an unfinished message under the limit (no close yet)");
    // One fragment more takes each message over 64 KiB: the server must close with 1009.
    ctx.phase("over the limit");
    const over = Buffer.alloc(WS_OVER, "a");
    for (const c of clients) {
      if (c.socket.writable) {
        const frame = clientFrame(OPCODE.continuation, false, over);
        bytes += frame.length;
        c.socket.write(frame);
      }
    }
    await until(() => clients.every((c) => c.closeCode !== null || c.socket.destroyed), 10_000, 50);
    const codes = new Map<string, number>();
    for (const c of clients) {
      const key = c.closeCode === null ? "no close frame" : String(c.closeCode);
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    const summary = [...codes].map(([code, n]) => `${n} × ${code}`).join(", ");
    ctx.note(`after 8 KiB more (68 KiB in all): ${summary}`);
    ctx.check(codes.get("1009") === clients.length, "every over-limit fragmented message is closed with 1009");
    ctx.phase("close");
    await closeAll(clients.map((c) => c.socket));
    return { attackers: clients.length, bytesSent: bytes };
  },
};

export const ATTACKS: readonly Attack[] = [slowloris, longLines, randomBinary, neverRead, connectionFlood, wsFragments, reconnectFlood, joinQuitFlood];
