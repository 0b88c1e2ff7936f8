/**
 * The chat server's entry point: configuration from the environment, pino logs on stdout, the
 * loop, and signals. Everything else lives in server.ts and below.
 *
 *   npm run server        (CHAT_TCP_PORT=4000 by default; then: nc localhost 4000)
 */
import { pino } from "pino";
import { once, race, run, spawn, type Operation, type Task } from "../../shared/src/loop/index.js";
import { ConfigError, loadConfig, type ServerConfig } from "./config.js";
import { ChatServer } from "./server.js";

function* main(config: ServerConfig): Operation<void> {
  const log = pino({ level: config.logLevel, base: { service: "server" } });
  log.info({ config: { ...config, reservedKey: config.reservedKey === null ? null : "(set)" }, pid: process.pid, node: process.version }, "starting");
  const server = new ChatServer(config, log);
  const running = spawn(server.run(), { name: "chat server" });
  // SIGINT (Ctrl-C) or SIGTERM (docker stop): say goodbye to everyone, flush, exit 0.
  const signal = yield* race<string | null>([once<string>(process, "SIGINT"), once<string>(process, "SIGTERM"), ended(running)]);
  if (signal !== null) {
    log.info({ signal }, "signal received");
    server.stop(`the server received ${signal}`);
    yield* running.join();
  }
}

/** Null when the server task ends on its own (e.g. it could not listen: then it throws). */
function* ended(task: Task<void>): Operation<null> {
  yield* task.join();
  return null;
}

let config: ServerConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`loopchat server: bad configuration: ${error.message}\n`);
  process.exit(2);
}
run(main(config)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`loopchat server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
