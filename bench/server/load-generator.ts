/**
 * One load-generator process (forked by the driver, told what to do over IPC): plain Node `net`
 * clients that join a chat server, send time-stamped lines at a set rate, and check every line
 * they receive. It must cost as little as possible per received line, because on a 2-core
 * machine the generator's one core is often the limit: lines are found with `indexOf` on the raw
 * bytes and their headers parsed digit by digit, without making strings.
 */
import { connect, type Socket } from "node:net";
import { Histogram } from "./histogram.js";
import { monotonicUs, type ConnectResult, type LoadCommand, type LoadReply, type Report, type SendResult } from "./load-protocol.js";

const LF = 10;
const HASH = 35;
const COLON = 58;
const JOINED = Buffer.from(" joined");
const WELCOME = "Welcome, ";

class Client {
  socket: Socket | null = null;
  joined = false;
  closed = false;
  /** Bytes after the last LF of the previous chunk. */
  partial: Buffer | null = null;
  /** Highest sequence number seen per sender index (-1 = none yet). */
  lastSeq: Int32Array = new Int32Array(0);
  nextSeq = 0;
  constructor(readonly id: number) {}
}

const clients: Client[] = [];
let senderCount = 0;

// Window counters, since the last "reset".
let received = 0;
let reads = 0;
let outOfOrder = 0;
let gaps = 0;
let lastReceivedUs = 0;
let latency = new Histogram();
let windowCpu = process.cpuUsage();
let windowStart = monotonicUs();
// Since connect.
let notices = 0;
let dropped = 0;

function reply(message: LoadReply): void {
  process.send?.(message);
}

/** Every complete line of `chunk` (with what was left over from the previous one). */
function onData(client: Client, chunk: Buffer): void {
  const now = monotonicUs(); // one arrival time for every line of the chunk
  reads++;
  let buf = chunk;
  if (client.partial !== null) {
    buf = Buffer.concat([client.partial, chunk]);
    client.partial = null;
  }
  let start = 0;
  for (;;) {
    const end = buf.indexOf(LF, start);
    if (end < 0) break;
    if (client.joined) onLine(client, buf, start, end, now);
    else if (buf.toString("latin1", start, end).includes(WELCOME)) onJoined(client);
    start = end + 1;
  }
  // Copy the rest: keeping a view would keep the whole chunk alive.
  if (start < buf.length) client.partial = Buffer.from(buf.subarray(start));
}

function onLine(client: Client, buf: Buffer, start: number, end: number, now: number): void {
  let i = start;
  while (i < end && buf[i] !== HASH) i++;
  if (i === end) {
    const at = buf.indexOf(JOINED, start);
    if (at >= 0 && at < end) notices++;
    return;
  }
  let sender = 0;
  let seq = 0;
  let sentAt = 0;
  let c: number;
  for (i++; (c = buf[i] as number) !== COLON && i < end; i++) sender = sender * 10 + c - 48;
  for (i++; (c = buf[i] as number) !== COLON && i < end; i++) seq = seq * 10 + c - 48;
  for (i++; (c = buf[i] as number) !== COLON && i < end; i++) sentAt = sentAt * 10 + c - 48;
  if (i >= end || sender >= client.lastSeq.length) return; // not one of ours
  received++;
  lastReceivedUs = now;
  latency.record(now - sentAt);
  const last = client.lastSeq[sender] as number;
  if (seq <= last) outOfOrder++;
  else {
    gaps += seq - last - 1;
    client.lastSeq[sender] = seq;
  }
}

let onJoinedHook: (() => void) | null = null;

function onJoined(client: Client): void {
  client.joined = true;
  onJoinedHook?.();
}

function connectAll(command: Extract<LoadCommand, { cmd: "connect" }>): Promise<ConnectResult> {
  const { host, port, first, count, concurrency, deadlineMs } = command;
  const started = monotonicUs();
  let next = first;
  let inFlight = 0;
  let joined = 0;
  let errors = 0;
  let lastJoinUs = started;
  const errorSamples = new Set<string>();
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(deadline);
      onJoinedHook = null;
      resolve({ ev: "connected", joined, errors, errorSamples: [...errorSamples], ms: (lastJoinUs - started) / 1000 });
    };
    const deadline = setTimeout(() => {
      errorSamples.add(`${first + count - joined - errors} not joined in ${deadlineMs} ms`);
      finish();
    }, deadlineMs);
    const settle = (): void => {
      inFlight--;
      if (joined + errors === count) finish();
      else startMore();
    };
    onJoinedHook = () => {
      joined++;
      lastJoinUs = monotonicUs();
      settle();
    };
    const startMore = (): void => {
      while (inFlight < concurrency && next < first + count) {
        inFlight++;
        open(new Client(next++), host, port, (code) => {
          errors++;
          errorSamples.add(code);
          settle();
        });
      }
    };
    startMore();
  });
}

/**
 * Every socket reads into this one buffer (`onread`): no Buffer per chunk and no stream machinery
 * per 'data' event, which at hundreds of thousands of small chunks a second is most of the cost.
 * Safe because each chunk is parsed to the end before the next read.
 */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

function open(client: Client, host: string, port: number, failed: (code: string) => void): void {
  const socket = connect({
    host,
    port,
    onread: {
      buffer: readBuffer,
      callback: (bytes: number, buffer: Uint8Array) => {
        onData(client, (buffer as Buffer).subarray(0, bytes));
        return true;
      },
    },
  });
  client.socket = socket;
  client.lastSeq = new Int32Array(senderCount).fill(-1);
  clients.push(client);
  socket.setNoDelay(true);
  socket.on("connect", () => socket.write(`u${client.id}\n`));
  socket.on("error", (error: NodeJS.ErrnoException) => {
    if (!client.joined && !client.closed) failed(error.code ?? error.message);
    client.closed = true;
  });
  socket.on("close", () => {
    if (client.joined) dropped++;
    else if (!client.closed) failed("closed before joining");
    client.closed = true;
  });
}

function send(command: Extract<LoadCommand, { cmd: "send" }>): Promise<SendResult> {
  const { rate, durationMs, padding } = command;
  const indexOf = new Map(command.allSenders.map((id, i) => [id, i]));
  // Sequence numbers go on across sends (a saturation run is several steps on the same clients).
  const senders = clients
    .filter((c) => command.senders.includes(c.id))
    .map((client) => ({ client, index: indexOf.get(client.id) as number, base: client.nextSeq }));
  const pad = "x".repeat(padding);
  const cpu = process.cpuUsage();
  const started = monotonicUs();
  let sent = 0;
  let lastTick = started;
  let maxTickGapMs = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = monotonicUs();
      maxTickGapMs = Math.max(maxTickGapMs, (now - lastTick) / 1000);
      lastTick = now;
      const elapsedUs = Math.min(now - started, durationMs * 1000);
      const stamp = Math.round(now);
      const sendersInAll = command.allSenders.length;
      for (const { client, index, base } of senders) {
        // Each sender has its own phase, so 10 senders at 50/s send every 2 ms, not 10 at once every 20 ms.
        const due = Math.floor((rate * elapsedUs) / 1e6 + index / sendersInAll);
        let lines = "";
        for (; client.nextSeq < base + due; client.nextSeq++) lines += `#${index}:${client.nextSeq}:${stamp}:${pad}\n`;
        if (lines !== "" && client.socket !== null && !client.closed) {
          client.socket.write(lines);
        }
      }
      sent = senders.reduce((sum, s) => sum + s.client.nextSeq - s.base, 0);
      if (now - started < durationMs * 1000) setTimeout(tick, 5);
      else {
        const used = process.cpuUsage(cpu);
        const wallUs = monotonicUs() - started;
        resolve({ ev: "sent", sent, due: senders.length * Math.floor((rate * durationMs) / 1000), cpuShare: (used.user + used.system) / wallUs, maxTickGapMs });
      }
    };
    tick();
  });
}

function reset(): void {
  received = 0;
  reads = 0;
  outOfOrder = 0;
  gaps = 0;
  lastReceivedUs = 0;
  latency = new Histogram();
  windowCpu = process.cpuUsage();
  windowStart = monotonicUs();
}

function report(): Report {
  const used = process.cpuUsage(windowCpu);
  return {
    ev: "report",
    received,
    reads,
    outOfOrder,
    gaps,
    notices,
    latency: Array.from(latency.counts),
    maxLatencyUs: latency.max,
    lastReceivedUs,
    dropped,
    cpuShare: (used.user + used.system) / Math.max(1, monotonicUs() - windowStart),
  };
}

process.on("message", (message: LoadCommand) => {
  const handle = async (): Promise<LoadReply | null> => {
    switch (message.cmd) {
      case "connect":
        return connectAll(message);
      case "reset":
        reset();
        return report();
      case "send":
        // Each receiver tracks one sequence per sender; the plan is known before anything is sent.
        if (senderCount !== message.allSenders.length) {
          senderCount = message.allSenders.length;
          for (const c of clients) c.lastSeq = new Int32Array(senderCount).fill(-1);
        }
        return send(message);
      case "report":
        return report();
      case "exit":
        for (const c of clients) c.socket?.destroy();
        process.disconnect?.();
        return null;
    }
  };
  handle().then(
    (result) => {
      if (result !== null) reply(result);
    },
    (error: unknown) => reply({ ev: "error", message: String(error) }),
  );
});
