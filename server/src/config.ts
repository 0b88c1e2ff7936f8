import { isIP } from "node:net";
import { joinKeyProblem } from "../../shared/src/protocol/index.js";
import { validateName } from "./text/index.js";

/** The server's settings, from environment variables with defaults, checked at start. */
export interface ServerConfig {
  host: string;
  tcpPort: number;
  wsPort: number;
  keepaliveMs: number;
  historySize: number;
  maxClients: number;
  /** Open connections per client address (IPv6: per /64); 0 = no limit. */
  maxPerAddress: number;
  /** Addresses the per-address limit does not apply to. */
  exemptAddresses: string[];
  /** Lines per second each user may send (bursts of twice that pass at once); 0 = no limit. */
  rateLimit: number;
  /** Lines per second one client address may send over all its connections and reconnects; 0 = no limit. */
  addressRateLimit: number;
  /** New connections per minute per client address; 0 = no limit. */
  connectsPerMinute: number;
  /** Whether "x joined" / "x left" notices are broadcast. */
  joinNotices: boolean;
  /** Names (and their look-alikes) only a WebSocket join with `reservedKey` may take, e.g. the bot's. */
  reservedNames: string[];
  /** The key that grants `reservedNames`; null: nobody may take them. */
  reservedKey: string | null;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Loopback by default: behind a reverse proxy on the same host every user comes from there. */
const DEFAULT_EXEMPT = ["127.0.0.1", "::1"];

/** A comma-separated list of IP addresses; "none" for an empty list. */
function addresses(env: NodeJS.ProcessEnv, key: string, fallback: string[], problems: string[]): string[] {
  const raw = env[key];
  if (raw === undefined || raw.trim() === "") return fallback;
  if (raw.trim() === "none") return [];
  const list = raw.split(",").map((a) => a.trim()).filter((a) => a !== "");
  const bad = list.filter((a) => isIP(a) === 0);
  if (bad.length > 0) problems.push(`${key} must be IP addresses separated by commas (or "none"), got ${JSON.stringify(bad.join(","))}`);
  return bad.length > 0 ? fallback : list;
}

/** A comma-separated list of names, each one a user could otherwise take. */
function names(env: NodeJS.ProcessEnv, key: string, problems: string[]): string[] {
  const raw = env[key];
  if (raw === undefined || raw.trim() === "") return [];
  const list = raw.split(",").map((n) => n.trim()).filter((n) => n !== "");
  const bad = list.filter((n) => !validateName(n).ok);
  if (bad.length > 0) problems.push(`${key} must be names (1 to 24 letters, digits, _ or -, not reserved already) separated by commas, got ${JSON.stringify(bad.join(","))}`);
  return bad.length > 0 ? [] : list;
}

/** A key compared with what clients send; unset (or empty) is null. */
function secret(env: NodeJS.ProcessEnv, key: string, problems: string[]): string | null {
  const raw = env[key];
  if (raw === undefined || raw === "") return null;
  const problem = joinKeyProblem(key, raw);
  if (problem !== null) problems.push(problem);
  return problem === null ? raw : null;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, key: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  problems.push(`${key} must be 1 or 0 (true or false), got ${JSON.stringify(raw)}`);
  return fallback;
}

/** Reads CHAT_* and LOG_LEVEL; throws a ConfigError naming every bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const problems: string[] = [];
  const config: ServerConfig = {
    host: env.CHAT_HOST || "0.0.0.0",
    tcpPort: integer(env, "CHAT_TCP_PORT", 4000, 0, 65535, problems),
    wsPort: integer(env, "CHAT_WS_PORT", 4001, 0, 65535, problems),
    keepaliveMs: integer(env, "CHAT_WS_KEEPALIVE_S", 30, 1, 3600, problems) * 1000,
    historySize: integer(env, "CHAT_HISTORY", 20, 0, 10_000, problems),
    maxClients: integer(env, "CHAT_MAX_CLIENTS", 1000, 1, 1_000_000, problems),
    maxPerAddress: integer(env, "CHAT_MAX_PER_ADDRESS", 16, 0, 1_000_000, problems),
    exemptAddresses: addresses(env, "CHAT_LIMIT_EXEMPT", DEFAULT_EXEMPT, problems),
    rateLimit: integer(env, "CHAT_RATE_LIMIT", 5, 0, 1_000_000, problems),
    addressRateLimit: integer(env, "CHAT_ADDRESS_RATE_LIMIT", 20, 0, 1_000_000, problems),
    connectsPerMinute: integer(env, "CHAT_CONNECTS_PER_MINUTE", 30, 0, 1_000_000, problems),
    joinNotices: flag(env, "CHAT_JOIN_NOTICES", true, problems),
    reservedNames: names(env, "CHAT_RESERVED_NAMES", problems),
    reservedKey: secret(env, "CHAT_RESERVED_KEY", problems),
    logLevel: env.LOG_LEVEL || "info",
  };
  if (!LOG_LEVELS.includes(config.logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(config.logLevel)}`);
  if (problems.length > 0) throw new ConfigError(problems.join("; "));
  return config;
}
