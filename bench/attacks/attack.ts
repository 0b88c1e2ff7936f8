/**
 * What an attack is to the driver (bench/attacks/run.ts): how its server is started, and a run
 * against that server with a context to report through.
 */
import type { ProcessMemory } from "../common/proc.js";
import type { Metrics } from "./monitor.js";

/** The servers an attack can run against: ours, or the build in LOOPCHAT_BASELINE (before/after figures). */
export const ATTACK_SERVERS = ["loopchat", "baseline"] as const;
export type AttackServer = (typeof ATTACK_SERVERS)[number];

export interface AttackContext {
  port: number;
  wsPort: number;
  /** Which server this run is against: an attack may expect other things of the baseline. */
  server: AttackServer;
  /** Server RSS just before the attack started, KiB. */
  rssBeforeKb: number;
  /** The server's memory now. */
  memory(): ProcessMemory;
  metrics(): Promise<Metrics>;
  /** A line printed under the table for this attack. */
  note(text: string): void;
  /** Marks the start of a phase of the attack (printed with its time, to place latency spikes). */
  phase(name: string): void;
  /** An expectation: printed as "ok" or "CHECK FAILED". */
  check(ok: boolean, text: string): void;
  /** Run the slowloris until the server's own name timeout (60 s) cuts it off. */
  fullTimeout: boolean;
}

export interface AttackReport {
  attackers: number;
  bytesSent: number;
}

/** How the server is started for an attack, and how often the pair may ping through it. */
export interface ServerSetup {
  /** Set over bench/server/servers.ts's defaults (CHAT_MAX_CLIENTS=20000, join notices on, LOG_LEVEL=warn). */
  env: Readonly<Record<string, string>>;
  /** alice's ping interval: 50 ms, unless a per-user rate limit would delay her pings. */
  pingEveryMs: number;
}

/** Attacks 1–6 measure the server's own bounds: no rate limit, so only those bounds act. */
export const RATE_LIMIT_OFF: ServerSetup = { env: { CHAT_RATE_LIMIT: "0" }, pingEveryMs: 50 };

/**
 * The production defaults (server/src/config.ts), set explicitly so that the checks in
 * address-floods.ts and the server agree; the server's buckets allow bursts of twice the line rate.
 */
export const ADDRESS_LIMITS = { userLinesPerSecond: 5, linesPerSecond: 20, burst: 40, connectsPerMinute: 30 } as const;

/**
 * Attacks 7 and 8 get the production limits, loopback included (CHAT_LIMIT_EXEMPT=none): the
 * floods are about getting around the per-user limit by reconnecting. alice pings every 250 ms,
 * 4 lines/s, under the per-user limit of 5.
 */
export const PRODUCTION_LIMITS: ServerSetup = {
  env: {
    CHAT_RATE_LIMIT: String(ADDRESS_LIMITS.userLinesPerSecond),
    CHAT_ADDRESS_RATE_LIMIT: String(ADDRESS_LIMITS.linesPerSecond),
    CHAT_CONNECTS_PER_MINUTE: String(ADDRESS_LIMITS.connectsPerMinute),
    CHAT_LIMIT_EXEMPT: "none",
  },
  pingEveryMs: 250,
};

export interface Attack {
  id: number;
  name: string;
  server: ServerSetup;
  run(ctx: AttackContext): Promise<AttackReport>;
}
