/**
 * What a line typed in the input means: plain text is said to the room, `/commands` become the
 * JSON protocol's commands (`ClientCommand`), and a few are answered by the client itself.
 */
import type { ClientCommand } from "../../shared/src/protocol/index.js";

export type Parsed =
  | { kind: "send"; command: ClientCommand }
  | { kind: "help" }
  | { kind: "quit"; reason?: string }
  | { kind: "error"; text: string }
  | { kind: "empty" };

export interface CommandHelp {
  name: string;
  usage: string;
  help: string;
}

/** The commands, in the order /help lists them (also what Tab completes). */
export const COMMANDS: readonly CommandHelp[] = [
  { name: "help", usage: "/help", help: "list the commands and keys" },
  { name: "users", usage: "/users", help: "who is online (also /who)" },
  { name: "nick", usage: "/nick NEWNAME", help: "change your name" },
  { name: "me", usage: "/me ACTION", help: "say what you are doing (* alice waves)" },
  { name: "msg", usage: "/msg NAME TEXT", help: "a private message to NAME" },
  { name: "quit", usage: "/quit [REASON]", help: "leave the chat" },
];

export const COMMAND_NAMES: readonly string[] = [...COMMANDS.map((c) => c.name), "who"];

export const HELP_TEXT = [
  "Commands:",
  ...COMMANDS.map((c) => `  ${c.usage.padEnd(16)} ${c.help}`),
  "  //text           say a line that starts with /",
  "Keys: Enter send · Up/Down history · Tab complete · PgUp/PgDn scroll",
  "      Esc clear · Ctrl-C or Ctrl-D quit",
].join("\n");

/** Parses one line typed by the user. */
export function parseInput(line: string): Parsed {
  const text = line.trim();
  if (text === "") return { kind: "empty" };
  if (text.startsWith("//")) return { kind: "send", command: { type: "say", text: text.slice(1) } };
  if (!text.startsWith("/")) return { kind: "send", command: { type: "say", text } };
  const match = /^\/(\S*)\s*(.*)$/su.exec(text) as unknown as [string, string, string];
  const name = match[1].toLowerCase();
  const args = match[2].trim();
  switch (name) {
    case "help":
    case "?":
      return { kind: "help" };
    case "quit":
    case "exit":
      return args === "" ? { kind: "quit" } : { kind: "quit", reason: args };
    case "users":
    case "who":
      return { kind: "send", command: { type: "users" } };
    case "nick":
      if (args === "" || /\s/u.test(args)) return usage("nick");
      return { kind: "send", command: { type: "nick", name: args } };
    case "me":
      if (args === "") return usage("me");
      return { kind: "send", command: { type: "me", text: args } };
    case "msg": {
      const m = /^(\S+)\s+(.+)$/su.exec(args);
      if (m === null) return usage("msg");
      return { kind: "send", command: { type: "msg", to: m[1] as string, text: (m[2] as string).trim() } };
    }
    default:
      return { kind: "error", text: `unknown command /${name}; type /help for the list` };
  }
}

function usage(name: string): Parsed {
  const command = COMMANDS.find((c) => c.name === name);
  return { kind: "error", text: `usage: ${command?.usage ?? "/" + name}` };
}
