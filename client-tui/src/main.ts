/**
 * The terminal client's entry point:
 *
 *   npm run client -- --name alice [--url ws://localhost:4001/ws]
 *
 * (or CHAT_NAME / CHAT_URL). Without a name the client asks for one on screen. The client owns
 * the terminal, so nothing is printed: logs go to the file named by CHAT_LOG_FILE, if any.
 */
import { pino, type Logger } from "pino";
import { run } from "../../shared/src/loop/index.js";
import { parseArgs, type CliOptions } from "./args.js";
import { TuiClient } from "./client.js";
import { TerminalView } from "./view.js";

function makeLogger(file: string | undefined): Logger {
  if (file === undefined || file === "") return pino({ enabled: false });
  return pino({ base: { service: "client-tui" } }, pino.destination({ dest: file, sync: true }));
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`loopchat client: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const log = makeLogger(process.env.CHAT_LOG_FILE);
  log.info({ url: options.url, name: options.name }, "starting");
  let client: TuiClient | null = null;
  const view = new TerminalView({ onEvent: (event) => client?.ui.tryPut(event) });
  client = new TuiClient({ url: options.url, name: options.name, log }, view);
  const quit = (signal: string): void => {
    client?.ui.tryPut({ type: "quit", reason: signal === "SIGHUP" ? "terminal closed" : undefined });
  };
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) process.on(signal, () => quit(signal));
  try {
    await run(client.run(), { logger: log });
    view.destroy();
    // The screen is gone: print what was not sent, so the user can copy it.
    for (const line of client.unsent) process.stderr.write(`not sent: ${line}\n`);
    log.info("bye");
    process.exit(0);
  } catch (error) {
    view.destroy();
    log.error({ err: error }, "failed");
    process.stderr.write(`loopchat client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}

void main();
