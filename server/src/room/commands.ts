import type { Operation } from "../../../shared/src/loop/index.js";
import type { ServerEvent } from "../../../shared/src/protocol/index.js";
import type { Member } from "./member.js";
import type { Room } from "./room.js";

/** What a command can touch: the room, who typed it, and a way to answer only them. */
export interface CommandContext {
  room: Room;
  member: Member;
  reply(event: ServerEvent): Operation<void>;
  /** Ends the session after this command (for /quit). */
  quit(reason: string): void;
}

export interface Command {
  name: string;
  aliases?: string[];
  usage: string;
  help: string;
  run(ctx: CommandContext, args: string): Operation<void>;
}

function usageError(ctx: CommandContext, command: Command): Operation<void> {
  return ctx.reply({ type: "error", code: "bad-arguments", text: `usage: ${command.usage}` });
}

/** The commands, in the order /help lists them (ssh-chat's declarative registry). */
export const COMMANDS: readonly Command[] = [
  {
    name: "help",
    usage: "/help",
    help: "list the commands",
    *run(ctx) {
      const lines = COMMANDS.map((c) => `${c.usage.padEnd(22)} ${c.help}${c.aliases ? ` (also /${c.aliases.join(", /")})` : ""}`);
      yield* ctx.reply({ type: "info", text: ["Commands:", ...lines, "Anything else you type is said to everyone."].join("\n") });
    },
  },
  {
    name: "users",
    aliases: ["who"],
    usage: "/users",
    help: "who is online",
    *run(ctx) {
      yield* ctx.reply({ type: "users", users: ctx.room.users() });
    },
  },
  {
    name: "nick",
    usage: "/nick NEWNAME",
    help: "change your name",
    *run(ctx, args) {
      if (args === "") return yield* usageError(ctx, this);
      const error = yield* ctx.room.rename(ctx.member, args);
      if (error !== null) yield* ctx.reply(error);
    },
  },
  {
    name: "me",
    usage: "/me ACTION",
    help: "say what you are doing (* alice waves)",
    *run(ctx, args) {
      if (args === "") return yield* usageError(ctx, this);
      yield* ctx.room.act(ctx.member, args);
    },
  },
  {
    name: "msg",
    usage: "/msg NAME TEXT",
    help: "a private message to NAME",
    *run(ctx, args) {
      const match = /^(\S+)\s+(.+)$/s.exec(args); // s: TEXT may hold U+2028/U+2029, which sanitize keeps
      if (match === null) return yield* usageError(ctx, this);
      const [, to, text] = match as unknown as [string, string, string];
      if (!(yield* ctx.room.whisper(ctx.member, to, text))) {
        yield* ctx.reply({ type: "error", code: "no-such-user", text: `nobody called ${to} is online` });
      }
    },
  },
  {
    name: "quit",
    usage: "/quit [REASON]",
    help: "leave the chat",
    *run(ctx, args) {
      ctx.quit(args === "" ? "quit" : `quit: ${args}`);
    },
  },
];

const BY_NAME = new Map<string, Command>();
for (const command of COMMANDS) {
  BY_NAME.set(command.name, command);
  for (const alias of command.aliases ?? []) BY_NAME.set(alias, command);
}

/** Runs a line that starts with "/"; command names are case-insensitive. */
export function* runCommand(ctx: CommandContext, line: string): Operation<void> {
  const match = /^\/(\S*)\s*(.*)$/s.exec(line) as [string, string, string] | null;
  const name = (match?.[1] ?? "").toLowerCase();
  const command = BY_NAME.get(name);
  if (command === undefined) {
    yield* ctx.reply({ type: "error", code: "unknown-command", text: `unknown command /${name}; type /help for the list` });
    return;
  }
  yield* command.run(ctx, (match?.[2] ?? "").trim());
}
