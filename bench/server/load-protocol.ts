/**
 * What the benchmark driver and its load-generator processes say to each other over IPC, and the
 * shape of the chat lines the generator sends: `#<sender>:<seq>:<sent µs>:` plus padding, so a
 * receiver can find the sender, the sequence number and the send time in any server's rendering
 * of the line (`[14:05] <u3> #3:17:…` or `<u3> #3:17:…`).
 */

/** Driver → generator. */
export type LoadCommand =
  | {
      cmd: "connect";
      host: string;
      port: number;
      /** Global client ids [first, first + count); client i joins as `u<i>`. */
      first: number;
      count: number;
      /** Connections being set up at once. */
      concurrency: number;
      /** Give up on clients not joined after this long. */
      deadlineMs: number;
    }
  | { cmd: "reset" }
  | {
      cmd: "send";
      /** Global ids of the clients of this generator that send; their sender index is their position in `allSenders`. */
      senders: number[];
      allSenders: number[];
      /** Messages per second per sender. */
      rate: number;
      durationMs: number;
      /** Bytes of padding after the header, to set the line size. */
      padding: number;
    }
  | { cmd: "report" }
  | { cmd: "exit" };

export interface ConnectResult {
  ev: "connected";
  joined: number;
  errors: number;
  /** A few error codes, to say what went wrong. */
  errorSamples: string[];
  /** From the first connect to the last welcome. */
  ms: number;
}

export interface SendResult {
  ev: "sent";
  sent: number;
  /** Messages the generator should have sent at the rate in the time (a shortfall means it could not keep up). */
  due: number;
  /** The generator's CPU time during sending, over wall time (near 1 = the generator itself is the limit). */
  cpuShare: number;
  /** The longest gap between two send ticks (ms): how late the generator's own timer ran. */
  maxTickGapMs: number;
}

export interface Report {
  ev: "report";
  /** Chat lines carrying a `#` header received since the last reset. */
  received: number;
  /** Socket reads since the last reset: received / reads says how much the server batched its writes. */
  reads: number;
  /** A line from a sender with a sequence number not above the last one seen from it (reordered or duplicated). */
  outOfOrder: number;
  /** Sequence numbers skipped over (lines lost, or still to come out of order). */
  gaps: number;
  /** "x joined" lines received since the client connected. */
  notices: number;
  /** Histogram counts and max of latency in µs (send time stamp to arrival). */
  latency: number[];
  maxLatencyUs: number;
  /** Monotonic µs of the last chat line received (0 = none). */
  lastReceivedUs: number;
  /** Clients whose connection closed after they joined. */
  dropped: number;
  /** CPU time of this generator since the last reset, over wall time. */
  cpuShare: number;
}

export type LoadReply = ConnectResult | SendResult | Report | { ev: "error"; message: string };

/** Microseconds on CLOCK_MONOTONIC, which every process on the machine shares (unlike `performance.now()`). */
export function monotonicUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}
