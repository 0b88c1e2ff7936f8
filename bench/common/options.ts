/**
 * The benchmarks' command-line options, declared once per driver and parsed the same way
 * everywhere: `--name value` or `--name=value`, flags without a value, numbers checked against a
 * lower bound, comma-separated lists and single choices checked against what exists. Anything
 * else (an unknown option, a missing or bad value, a stray argument) is refused with the problem
 * and the usage line, exit status 2; `--help` prints the usage and each option's help, exit 0.
 */

interface Flag {
  kind: "flag";
  help: string;
}

interface NumberOption {
  kind: "number";
  min: number;
  integer: boolean;
  /** The placeholder in the usage line ("N", "MIB", ...). */
  arg: string;
  help: string;
}

interface ListOption<T extends string> {
  kind: "list";
  choices: readonly T[];
  help: string;
}

interface ChoiceOption<T extends string> {
  kind: "choice";
  choices: readonly T[];
  help: string;
}

export type OptionSpec = Flag | NumberOption | ListOption<string> | ChoiceOption<string>;
export type OptionSpecs = Record<string, OptionSpec>;

/** What was given: flags as booleans, the rest undefined when absent. */
export type Parsed<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends Flag
    ? boolean
    : S[K] extends NumberOption
      ? number | undefined
      : S[K] extends ListOption<infer T>
        ? T[] | undefined
        : S[K] extends ChoiceOption<infer T>
          ? T | undefined
          : never;
};

export const flag = (help = ""): Flag => ({ kind: "flag", help });

export const number = (options: { min?: number; integer?: boolean; arg?: string; help?: string } = {}): NumberOption => ({
  kind: "number",
  min: options.min ?? 0,
  integer: options.integer ?? false,
  arg: options.arg ?? "N",
  help: options.help ?? "",
});

export const list = <T extends string>(choices: readonly T[], help = ""): ListOption<T> => ({ kind: "list", choices, help });

export const choice = <T extends string>(choices: readonly T[], help = ""): ChoiceOption<T> => ({ kind: "choice", choices, help });

/** A driver's command line: what to type before the options, and the options. */
export interface Command<S extends OptionSpecs> {
  /** Prefixes its complaints ("bench:loop: unknown option --x"). */
  name: string;
  /** What runs it, before the options ("npm run bench:loop --"). */
  invocation: string;
  options: S;
  /** Printed by --help after the options. */
  about?: string;
}

export class OptionError extends Error {}

function placeholder(spec: OptionSpec): string | null {
  switch (spec.kind) {
    case "flag":
      return null;
    case "number":
      return spec.arg;
    case "list":
      return spec.choices.join(",");
    case "choice":
      return spec.choices.join("|");
  }
}

/** "usage: npm run bench:loop -- [--reps N] [--quick] ...", every option in the order declared. */
export function usageLine<S extends OptionSpecs>(command: Command<S>): string {
  const options = Object.entries(command.options).map(([name, spec]) => {
    const arg = placeholder(spec);
    return `[--${name}${arg === null ? "" : ` ${arg}`}]`;
  });
  return `usage: ${command.invocation} ${options.join(" ")}`;
}

function helpText<S extends OptionSpecs>(command: Command<S>): string {
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const arg = placeholder(spec);
    return [`--${name}${arg === null ? "" : ` ${arg}`}`, spec.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`.trimEnd());
  return [usageLine(command), "", ...lines, ...(command.about === undefined ? [] : ["", command.about])].join("\n");
}

function value(name: string, spec: OptionSpec, raw: string): unknown {
  switch (spec.kind) {
    case "flag":
      throw new OptionError(`--${name} takes no value`);
    case "number": {
      const n = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(n) || n < spec.min || (spec.integer && !Number.isInteger(n))) {
        throw new OptionError(`--${name} needs ${spec.integer ? "a whole number" : "a number"} >= ${spec.min}, got ${JSON.stringify(raw)}`);
      }
      return n;
    }
    case "list":
    case "choice": {
      const items = spec.kind === "list" ? raw.split(",").map((s) => s.trim()) : [raw];
      const bad = items.filter((item) => !spec.choices.includes(item));
      if (bad.length > 0) throw new OptionError(`--${name}: unknown ${bad.map((b) => JSON.stringify(b)).join(", ")} (one of ${spec.choices.join(", ")})`);
      return spec.kind === "list" ? items : raw;
    }
  }
}

/** Parses `argv` against `specs`; throws an OptionError that says what is wrong. `--help` is the caller's. */
export function parseArgv<S extends OptionSpecs>(argv: readonly string[], specs: S): Parsed<S> {
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) parsed[name] = spec.kind === "flag" ? false : undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) throw new OptionError(`unexpected argument ${JSON.stringify(arg)}`);
    const equals = arg.indexOf("=");
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) throw new OptionError(`unknown option --${name}`);
    if (equals >= 0) parsed[name] = value(name, spec, arg.slice(equals + 1));
    else if (spec.kind === "flag") parsed[name] = true;
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new OptionError(`--${name} needs a value`);
      parsed[name] = value(name, spec, next);
      i++;
    }
  }
  return parsed as Parsed<S>;
}

/** Prints `problem` and the usage line to stderr and exits with status 2: for checks that involve several options. */
export function refuse<S extends OptionSpecs>(command: Command<S>, problem: string): never {
  process.stderr.write(`${command.name}: ${problem}\n${usageLine(command)}\n`);
  process.exit(2);
}

/** The options of this process's command line; exits on `--help` (0) and on anything it cannot use (2). */
export function parseOptions<S extends OptionSpecs>(command: Command<S>, argv: readonly string[] = process.argv.slice(2)): Parsed<S> {
  if (argv.includes("--help")) {
    process.stdout.write(helpText(command) + "\n");
    process.exit(0);
  }
  try {
    return parseArgv(argv, command.options);
  } catch (error) {
    if (error instanceof OptionError) refuse(command, error.message);
    throw error;
  }
}
