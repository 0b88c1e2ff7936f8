/**
 * Property-based tests of the JSON protocol's decoders (issue 8): `decodeClientCommand` and
 * `decodeServerEvent` never throw, accept exactly the documented shapes, and round-trip.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeClientCommand,
  decodeServerEvent,
  encodeClientCommand,
  encodeServerEvent,
  PROTOCOL_VERSION,
  type ClientCommand,
  type ErrorCode,
  type ServerEvent,
} from "../../shared/src/protocol/index.js";
import { codeUnitString, unicodeString } from "./arbitraries.js";

const RUNS = { seed: 42, numRuns: 500 };

/** The codes decodeClientCommand documents (its `fail` calls). */
const DECODE_ERROR_CODES: readonly ErrorCode[] = ["too-large", "bad-json", "bad-command", "unknown-command"];
const COMMAND_FIELDS = {
  join: ["name"],
  say: ["text"],
  me: ["text"],
  nick: ["name"],
  msg: ["to", "text"],
  users: [],
  quit: [],
} as const satisfies Record<ClientCommand["type"], readonly string[]>;
/** The optional string field of a command, if it has one. */
const OPTIONAL_FIELD: Partial<Record<ClientCommand["type"], string>> = { join: "key", quit: "reason" };
const COMMAND_TYPES = Object.keys(COMMAND_FIELDS) as ClientCommand["type"][];
const EVENT_TYPES: readonly ServerEvent["type"][] = ["message", "action", "joined", "left", "renamed", "private", "welcome", "users", "info", "error", "shutdown"];
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** Strings of any code point, plus lone surrogates (JSON.stringify escapes them; they must survive). */
const textArb = fc.oneof(
  unicodeString(20),
  codeUnitString(20),
);
/** Keys that trip naive object handling, plus the command fields and random keys. */
const keyArb = fc.oneof(
  fc.constantFrom("type", "name", "text", "to", "reason", "key", "__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"),
  fc.string({ maxLength: 8 }),
);
const jsonValueArb = fc.jsonValue({ maxDepth: 2 });
/** A field value: usually a string (so commands are often valid), sometimes any JSON value. */
const fieldValueArb = fc.oneof({ weight: 3, arbitrary: textArb }, { weight: 1, arbitrary: jsonValueArb });

/**
 * JSON object text built by hand from (key, value) entries, so keys like "__proto__" and duplicate
 * keys reach JSON.parse as they would from a hostile client.
 */
function objectText(entries: readonly (readonly [string, unknown])[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
}

/** Command-shaped objects: a known (or near-known) type, then its fields and extra ones, in any order. */
const commandTextArb = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom<unknown>(...COMMAND_TYPES) }, { weight: 1, arbitrary: fc.constantFrom<unknown>("JOIN", "help", "__proto__", "toString", "", 1, null) }),
    fc.array(fc.tuple(fc.constantFrom("name", "text", "to", "reason", "key"), fieldValueArb), { maxLength: 4 }),
    fc.array(fc.tuple(keyArb, jsonValueArb), { maxLength: 3 }),
    fc.boolean(),
  )
  .map(([type, fields, extras, typeLast]) => {
    const typeEntry = ["type", type] as const;
    return objectText(typeLast ? [...fields, ...extras, typeEntry] : [typeEntry, ...fields, ...extras]);
  });

/** A valid command's fields (in generated order), then extra fields: mostly accepted frames. */
const validCommandTextArb = fc
  .tuple(
    fc.constantFrom(...COMMAND_TYPES),
    fc.record({ name: textArb, text: textArb, to: textArb, reason: textArb, key: textArb }),
    fc.boolean(),
    fc.array(fc.tuple(fc.constantFrom("__proto__", "constructor", "toString", "colour", "id", ""), jsonValueArb), { maxLength: 3 }),
  )
  .map(([type, values, withOptional, extras]) => {
    const fields: [string, unknown][] = COMMAND_FIELDS[type].map((f) => [f, values[f]]);
    const optional = OPTIONAL_FIELD[type] as keyof typeof values | undefined;
    if (optional !== undefined && withOptional) fields.push([optional, values[optional]]);
    return objectText([["type", type], ...extras, ...fields]);
  });

/** Every kind of raw frame: arbitrary text, JSON of any shape, command-shaped JSON. */
const rawArb = fc.oneof(
  textArb,
  fc.json({ maxDepth: 3 }),
  jsonValueArb.map((v) => JSON.stringify(v)),
  { weight: 2, arbitrary: commandTextArb },
  { weight: 2, arbitrary: validCommandTextArb },
);

/** What the documented rules say about a frame (given it is within the size limit). */
function expectedOutcome(raw: string): { ok: true; command: Record<string, unknown> } | { ok: false; code: ErrorCode } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: "bad-json" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, code: "bad-command" };
  const fields = new Map(Object.entries(value));
  const type = fields.get("type");
  if (typeof type !== "string" || !(COMMAND_TYPES as string[]).includes(type)) return { ok: false, code: "unknown-command" };
  const command: Record<string, unknown> = { type };
  for (const field of COMMAND_FIELDS[type as ClientCommand["type"]]) {
    const v = fields.get(field);
    if (typeof v !== "string") return { ok: false, code: "bad-command" };
    command[field] = v;
  }
  const optional = OPTIONAL_FIELD[type as ClientCommand["type"]];
  if (optional !== undefined && fields.has(optional)) {
    const v = fields.get(optional);
    if (typeof v !== "string") return { ok: false, code: "bad-command" };
    command[optional] = v;
  }
  return { ok: true, command };
}

describe("decodeClientCommand properties", () => {
  it("never throws; gives a command that round-trips through encodeClientCommand, or an error with a documented code", () => {
    fc.assert(
      fc.property(rawArb, fc.integer({ min: 0, max: 400 }), (raw, maxBytes) => {
        const decoded = decodeClientCommand(raw, maxBytes);
        if (decoded.ok) {
          expect(decodeClientCommand(encodeClientCommand(decoded.command), UNLIMITED)).toEqual(decoded);
        } else {
          expect(decoded.error.type).toBe("error");
          expect(DECODE_ERROR_CODES).toContain(decoded.error.code);
          expect(typeof decoded.error.text).toBe("string");
        }
      }),
      RUNS,
    );
  });

  it("refuses every frame over maxBytes (UTF-8 bytes) with too-large, and no frame within it", () => {
    fc.assert(
      fc.property(rawArb, fc.integer({ min: 0, max: 200 }), (raw, maxBytes) => {
        const decoded = decodeClientCommand(raw, maxBytes);
        const tooLarge = Buffer.byteLength(raw, "utf8") > maxBytes;
        expect(!decoded.ok && decoded.error.code === "too-large").toBe(tooLarge);
      }),
      RUNS,
    );
  });

  it("agrees with the documented rules: known type, required string fields, optional string reason for quit and key for join, unknown fields dropped", () => {
    fc.assert(
      fc.property(rawArb, (raw) => {
        const decoded = decodeClientCommand(raw, UNLIMITED);
        const expected = expectedOutcome(raw);
        if (expected.ok) expect(decoded).toEqual({ ok: true, command: expected.command });
        else expect(decoded.ok ? "ok" : decoded.error.code).toBe(expected.code);
      }),
      RUNS,
    );
  });

  it("decodes every encoded command back to itself", () => {
    const commandArb: fc.Arbitrary<ClientCommand> = fc.oneof(
      textArb.map((name) => ({ type: "join" as const, name })),
      fc.tuple(textArb, textArb).map(([name, key]) => ({ type: "join" as const, name, key })),
      textArb.map((text) => ({ type: "say" as const, text })),
      textArb.map((text) => ({ type: "me" as const, text })),
      textArb.map((name) => ({ type: "nick" as const, name })),
      fc.tuple(textArb, textArb).map(([to, text]) => ({ type: "msg" as const, to, text })),
      fc.constant({ type: "users" as const }),
      fc.constant({ type: "quit" as const }),
      textArb.map((reason) => ({ type: "quit" as const, reason })),
    );
    fc.assert(
      fc.property(commandArb, (command) => {
        expect(decodeClientCommand(encodeClientCommand(command), UNLIMITED)).toEqual({ ok: true, command });
      }),
      RUNS,
    );
  });
});

describe("decodeServerEvent properties", () => {
  const at = fc.integer({ min: 0, max: 2 ** 48 });
  const count = fc.nat({ max: 100_000 });
  const names = fc.array(textArb, { maxLength: 5 });
  const chatLine = fc.oneof(
    fc.record({ type: fc.constant("message" as const), from: textArb, text: textArb, at }),
    fc.record({ type: fc.constant("action" as const), from: textArb, text: textArb, at }),
  );
  const eventArb: fc.Arbitrary<ServerEvent> = fc.oneof(
    chatLine,
    fc.record({ type: fc.constant("joined" as const), name: textArb, at, online: count }),
    fc.record({ type: fc.constant("left" as const), name: textArb, reason: textArb, at, online: count }),
    fc.record({ type: fc.constant("renamed" as const), from: textArb, to: textArb, at }),
    fc.record({ type: fc.constant("private" as const), from: textArb, to: textArb, text: textArb, at }),
    fc.record({
      type: fc.constant("welcome" as const),
      protocol: fc.constant(PROTOCOL_VERSION),
      name: textArb,
      users: names,
      history: fc.array(chatLine, { maxLength: 3 }),
      limits: fc.record({ maxLineBytes: count, linesPerSecond: count, burst: count, maxNameLength: count }),
    }),
    fc.record({ type: fc.constant("users" as const), users: names }),
    fc.record({ type: fc.constant("info" as const), text: textArb }),
    fc.record({
      type: fc.constant("error" as const),
      code: fc.constantFrom<ErrorCode>("name-invalid", "name-taken", "unknown-command", "bad-arguments", "no-such-user", "line-too-long", "rate-limited", "too-slow", "flooding", "server-full", "too-many-connections", "timeout", "bad-json", "bad-command", "too-large", "not-joined", "already-joined", "blank-message"),
      text: textArb,
    }),
    fc.record({ type: fc.constant("shutdown" as const), reason: textArb }),
  );

  it("never throws; returns null or an object whose type is a known event type", () => {
    const anyRaw = fc.oneof(rawArb, fc.record({ type: fc.oneof(fc.constantFrom<unknown>(...EVENT_TYPES), jsonValueArb) }).map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(anyRaw, (raw) => {
        const event = decodeServerEvent(raw);
        if (event !== null) {
          expect(typeof event).toBe("object");
          expect(EVENT_TYPES).toContain(event.type);
        }
      }),
      RUNS,
    );
  });

  it("decodes every encoded event back to an equal event", () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        expect(decodeServerEvent(encodeServerEvent(event))).toEqual(event);
      }),
      RUNS,
    );
  });
});
