import type { Operation } from "../../../shared/src/loop/index.js";
import type { ClientCommand, ServerEvent } from "../../../shared/src/protocol/index.js";
import { isBlank } from "../text/index.js";
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

/**
 * One command, for every transport: a netcat user types `/name rest`, which `parse` turns into
 * the arguments (undefined: they do not fit `usage`); a WebSocket client sends the arguments as
 * JSON fields (`runJsonCommand` below). Either way `run` does the work, with the same checks and errors.
 */
export interface Command<A = unknown> {
  name: string;
  aliases?: string[];
  usage: string;
  help: string;
  parse(rest: string): A | undefined;
  run(ctx: CommandContext, args: A): Operation<void>;
}

/** The longest quit reason shown to the room. */
const MAX_QUIT_REASON = 200;

const help: Command<null> = {
  name: "help",
  usage: "/help",
  help: "list the commands",
  parse: () => null,
  *run(ctx) {
    const lines = COMMANDS.map((c) => `${c.usage.padEnd(22)} ${c.help}${c.aliases ? ` (also /${c.aliases.join(", /")})` : ""}`);
    yield* ctx.reply({ type: "info", text: ["Commands:", ...lines, "Anything else you type is said to everyone."].join("\n") });
  },
};

const users: Command<null> = {
  name: "users",
  aliases: ["who"],
  usage: "/users",
  help: "who is online",
  parse: () => null,
  *run(ctx) {
    yield* ctx.reply({ type: "users", users: ctx.room.users() });
  },
};

const nick: Command<string> = {
  name: "nick",
  usage: "/nick NEWNAME",
  help: "change your name",
  parse: (rest) => (rest === "" ? undefined : rest),
  *run(ctx, name) {
    // The room changes nothing and tells nobody; the asker still gets an answer. ("alice" to
    // "Alice" is a rename: the name is shown as typed.)
    if (name.trim() === ctx.member.name) {
      yield* ctx.reply({ type: "info", text: `you are already called ${ctx.member.name}` });
      return;
    }
    const error = yield* ctx.room.rename(ctx.member, name);
    if (error !== null) yield* ctx.reply(error);
  },
};

const me: Command<string> = {
  name: "me",
  usage: "/me ACTION",
  help: "say what you are doing (* alice waves)",
  parse: (rest) => (isBlank(rest) ? undefined : rest), // an ACTION that would show nothing is none
  *run(ctx, text) {
    yield* ctx.room.act(ctx.member, text);
  },
};

const msg: Command<{ to: string; text: string }> = {
  name: "msg",
  usage: "/msg NAME TEXT",
  help: "a private message to NAME",
  parse(rest) {
    const match = /^(\S+)\s+(.+)$/s.exec(rest); // s: TEXT is all the rest, whatever it holds
    return match === null || isBlank(match[2] as string) ? undefined : { to: match[1] as string, text: match[2] as string };
  },
  *run(ctx, { to, text }) {
    if (!(yield* ctx.room.whisper(ctx.member, to, text))) {
      yield* ctx.reply({ type: "error", code: "no-such-user", text: `nobody called ${to} is online` });
    }
  },
};

const quit: Command<string> = {
  name: "quit",
  usage: "/quit [REASON]",
  help: "leave the chat",
  parse: (rest) => rest,
  *run(ctx, reason) {
    // A reason of invisible characters only would show as a dangling "quit: ".
    ctx.quit(isBlank(reason) ? "quit" : `quit: ${reason.slice(0, MAX_QUIT_REASON)}`);
  },
};

/** The commands, in the order /help lists them (ssh-chat's declarative registry). */
export const COMMANDS: readonly Command<never>[] = [help, users, nick, me, msg, quit] as Command<never>[];

const BY_NAME = new Map<string, Command<never>>();
for (const command of COMMANDS) {
  BY_NAME.set(command.name, command);
  for (const alias of command.aliases ?? []) BY_NAME.set(alias, command);
}

/**
 * Runs a line that starts with "/"; command names are case-insensitive. A line starting with "//"
 * is no command: it says the rest from the second "/" on ("//shrug" says "/shrug"), as IRC
 * clients do.
 */
export function* runCommand(ctx: CommandContext, line: string): Operation<void> {
  if (line.startsWith("//")) {
    yield* ctx.room.say(ctx.member, line.slice(1));
    return;
  }
  const match = /^\/(\S*)\s*(.*)$/s.exec(line) as [string, string, string] | null;
  const name = (match?.[1] ?? "").toLowerCase();
  const command = BY_NAME.get(name) as Command | undefined;
  if (command === undefined) {
    yield* ctx.reply({ type: "error", code: "unknown-command", text: `unknown command /${name}; type /help for the list` });
    return;
  }
  const args = command.parse((match?.[2] ?? "").trim());
  if (args === undefined) {
    yield* ctx.reply({ type: "error", code: "bad-arguments", text: `usage: ${command.usage}` });
    return;
  }
  yield* command.run(ctx, args);
}

/**
 * Runs a WebSocket client's command (decoded and with its text already cleaned) through the same
 * commands. `say` and `join` are not commands: the session handles them.
 */
export function* runJsonCommand(ctx: CommandContext, command: Exclude<ClientCommand, { type: "say" } | { type: "join" }>): Operation<void> {
  switch (command.type) {
    case "me":
      return yield* me.run(ctx, command.text);
    case "nick":
      return yield* nick.run(ctx, command.name);
    case "msg":
      return yield* msg.run(ctx, { to: command.to, text: command.text });
    case "users":
      return yield* users.run(ctx, null);
    case "quit":
      return yield* quit.run(ctx, command.reason ?? "");
  }
}
