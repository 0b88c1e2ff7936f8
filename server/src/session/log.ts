import type { Logger } from "pino";

type Level = "debug" | "info" | "warn";

/**
 * A connection's logger: the server's pino logger plus the connection's fields (`conn`,
 * `transport`, `remote`, later `name`), merged into each line as it is written. A pino child
 * per connection would carry the same fields but cost about half a kilobyte for every idle
 * connection; this costs one small object, and allocates only when a line is actually logged.
 */
export class SessionLog {
  constructor(
    private readonly base: Logger,
    private readonly fields: Record<string, unknown>,
  ) {}

  /** Adds fields to every later line (e.g. the member's name once chosen). */
  bind(fields: Record<string, unknown>): void {
    Object.assign(this.fields, fields);
  }

  debug(objOrMsg: object | string, msg?: string): void {
    this.write("debug", objOrMsg, msg);
  }

  info(objOrMsg: object | string, msg?: string): void {
    this.write("info", objOrMsg, msg);
  }

  warn(objOrMsg: object | string, msg?: string): void {
    this.write("warn", objOrMsg, msg);
  }

  private write(level: Level, objOrMsg: object | string, msg?: string): void {
    if (!this.base.isLevelEnabled(level)) return;
    if (typeof objOrMsg === "string") this.base[level](this.fields, objOrMsg);
    else this.base[level]({ ...this.fields, ...objOrMsg }, msg);
  }
}
