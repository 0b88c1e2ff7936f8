/** Command line and environment of the terminal client. */

export interface CliOptions {
  url: string;
  name: string | undefined;
}

const USAGE = "usage: npm run client -- [--name NAME] [--url ws://HOST:PORT/ws]";

/** Parses argv (after the script) and the environment; throws with a message on bad arguments. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  let url = env.CHAT_URL && env.CHAT_URL !== "" ? env.CHAT_URL : "ws://localhost:4001/ws";
  let name = env.CHAT_NAME && env.CHAT_NAME !== "" ? env.CHAT_NAME : undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === "--name" || flag === "-n") name = value();
    else if (flag === "--url" || flag === "-u") url = value();
    else if (flag === "--help" || flag === "-h") throw new Error(USAGE);
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (!/^wss?:\/\//.test(url)) throw new Error(`the URL must start with ws:// or wss://, got ${url}\n${USAGE}`);
  return { url, name };
}
