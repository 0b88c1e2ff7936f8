/** The bot's settings, from environment variables with defaults, checked at start. */
import { joinKeyProblem } from "../../shared/src/protocol/index.js";
import { BUNDLED_QUOTES_FILE } from "./quotes.js";

export interface BotConfig {
  /** The chat server's WebSocket endpoint. */
  chatUrl: string;
  botName: string;
  /** Sent with the join: the server grants a name it keeps for the bot only with its key. */
  botKey: string | undefined;
  /** Time between two periodic quotes. */
  intervalMs: number;
  quotesFile: string;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** The server's name rule (server/src/text/names.ts), checked here so a typo fails at start, not at join. */
const NAME = /^[A-Za-z0-9_-]{1,24}$/;

/** Reads CHAT_URL, BOT_NAME, BOT_KEY, BOT_INTERVAL_S, BOT_QUOTES_FILE and LOG_LEVEL; throws a ConfigError naming every bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const problems: string[] = [];
  const config: BotConfig = {
    chatUrl: env.CHAT_URL || "ws://localhost:4001/ws",
    botName: env.BOT_NAME || "QuoteBot",
    botKey: env.BOT_KEY || undefined,
    intervalMs: 30_000,
    quotesFile: env.BOT_QUOTES_FILE || BUNDLED_QUOTES_FILE,
    logLevel: env.LOG_LEVEL || "info",
  };
  if (!isWebSocketUrl(config.chatUrl)) problems.push(`CHAT_URL must be a ws:// or wss:// URL, got ${JSON.stringify(config.chatUrl)}`);
  if (!NAME.test(config.botName)) problems.push(`BOT_NAME must be 1 to 24 letters, digits, "_" or "-", got ${JSON.stringify(config.botName)}`);
  const keyProblem = config.botKey === undefined ? null : joinKeyProblem("BOT_KEY", config.botKey);
  if (keyProblem !== null) problems.push(keyProblem);
  const interval = env.BOT_INTERVAL_S;
  if (interval !== undefined && interval !== "") {
    const seconds = Number(interval);
    // Up to a day: setTimeout-sized, and a bot that never speaks is a misconfiguration.
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) problems.push(`BOT_INTERVAL_S must be a number of seconds > 0 (at most 86400), got ${JSON.stringify(interval)}`);
    else config.intervalMs = seconds * 1000;
  }
  if (!LOG_LEVELS.includes(config.logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(config.logLevel)}`);
  if (problems.length > 0) throw new ConfigError(problems.join("; "));
  return config;
}

function isWebSocketUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === "ws:" || url.protocol === "wss:";
  } catch {
    return false;
  }
}
