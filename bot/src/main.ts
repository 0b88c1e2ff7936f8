/**
 * The quote bot's entry point: configuration and quotes checked at start, pino logs on stdout,
 * the loop, and signals. The bot itself lives in bot.ts.
 *
 *   npm run bot        (CHAT_URL=ws://localhost:4001/ws by default)
 */
import { pino } from "pino";
import { once, race, run, spawn, type Operation, type Task } from "../../shared/src/loop/index.js";
import { QuoteBot } from "./bot.js";
import { ConfigError, loadConfig, type BotConfig } from "./config.js";
import { loadQuotes, QuoteDeck, QuotesError, type Quote } from "./quotes.js";

function* main(config: BotConfig, quotes: Quote[]): Operation<void> {
  const log = pino({ level: config.logLevel, base: { service: "bot" } });
  log.info({ config: { ...config, botKey: config.botKey === undefined ? undefined : "(set)" }, quotes: quotes.length, pid: process.pid, node: process.version }, "starting");
  const bot = new QuoteBot({ url: config.chatUrl, name: config.botName, key: config.botKey, intervalMs: config.intervalMs, deck: new QuoteDeck(quotes) }, log);
  const running = spawn(bot.run(), { name: "quote bot" });
  // SIGINT (Ctrl-C) or SIGTERM (docker stop): cancel the bot, whose hang-up says `quit`; exit 0.
  const signal = yield* race<string | null>([once<string>(process, "SIGINT"), once<string>(process, "SIGTERM"), ended(running)]);
  if (signal !== null) {
    log.info({ signal }, "signal received");
    yield* running.halt();
    log.info("stopped");
  }
}

/** The bot only ends on its own by failing (e.g. its name is refused): join rethrows that. */
function* ended(task: Task<never>): Operation<null> {
  yield* task.join();
  return null;
}

let config: BotConfig;
let quotes: Quote[];
try {
  config = loadConfig();
  quotes = loadQuotes(config.quotesFile);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof QuotesError)) throw error;
  process.stderr.write(`loopchat bot: bad configuration: ${error.message}\n`);
  process.exit(2);
}
run(main(config, quotes)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`loopchat bot: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
