import { describe, expect, it } from "vitest";
import {
  decodeClientCommand,
  decodeServerEvent,
  encodeServerEvent,
  PROTOCOL_VERSION,
  type ServerEvent,
} from "../../shared/src/protocol/index.js";
import { textCodec } from "../../server/src/netcat/text-codec.js";

const at = Date.UTC(2026, 10, 25, 14, 5);
const limits = { maxLineBytes: 1024, linesPerSecond: 5, burst: 10, maxNameLength: 24 };

/** One sample of every event type: a missing type is a compile error (the Record's keys). */
const SAMPLES: { [K in ServerEvent["type"]]: Extract<ServerEvent, { type: K }> } = {
  message: { type: "message", from: "alice", text: "hello 世界", at },
  action: { type: "action", from: "alice", text: "waves", at },
  joined: { type: "joined", name: "bob", at, online: 2 },
  left: { type: "left", name: "bob", reason: "quit", at, online: 1 },
  renamed: { type: "renamed", from: "bob", to: "robert", at },
  private: { type: "private", from: "alice", to: "bob", text: "psst", at },
  welcome: {
    type: "welcome",
    protocol: PROTOCOL_VERSION,
    name: "carol",
    users: ["alice", "carol"],
    history: [{ type: "message", from: "alice", text: "earlier", at }],
    limits,
  },
  users: { type: "users", users: ["alice", "bob"] },
  info: { type: "info", text: "line one\nline two" },
  error: { type: "error", code: "name-taken", text: "the name bob is taken" },
  shutdown: { type: "shutdown", reason: "maintenance" },
};

const TEXT: { [K in ServerEvent["type"]]: string } = {
  message: "[14:05] <alice> hello 世界\r\n",
  action: "[14:05] * alice waves\r\n",
  joined: "* bob joined (2 online)\r\n",
  left: "* bob left (quit; 1 online)\r\n",
  renamed: "* bob is now known as robert\r\n",
  private: "[14:05] [private] <alice> -> bob: psst\r\n",
  welcome:
    "* Welcome, carol! Online (2): alice, carol\r\n* Last 1 messages:\r\n[14:05] <alice> earlier\r\n" +
    "* Type a line to talk to everyone, or /help for commands.\r\n",
  users: "* Online (2): alice, bob\r\n",
  info: "* line one\r\n* line two\r\n",
  error: "! the name bob is taken\r\n",
  shutdown: "* The server is shutting down: maintenance\r\n",
};

describe("every event encodes in both transports", () => {
  for (const [type, event] of Object.entries(SAMPLES) as [ServerEvent["type"], ServerEvent][]) {
    it(`${type}: text lines for netcat, JSON that decodes back to the same event`, () => {
      expect(textCodec.encode(event).toString()).toBe(TEXT[type]);
      expect(decodeServerEvent(encodeServerEvent(event))).toEqual(event);
    });
  }

  it("in a big room the netcat welcome names the first 50 and counts the rest", () => {
    const users = Array.from({ length: 1_000 }, (_, i) => `u${i}`);
    const [first] = textCodec.encode({ ...SAMPLES.welcome, users, history: [] }).toString().split("\r\n");
    expect(first).toBe(`* Welcome, carol! Online (1000): ${users.slice(0, 50).join(", ")} and 950 more (/users lists everyone)`);
  });

  it("a client skips what it does not know instead of failing", () => {
    expect(decodeServerEvent('{"type":"from-the-future","x":1}')).toBeNull();
    expect(decodeServerEvent("not json")).toBeNull();
    expect(decodeServerEvent("[1,2]")).toBeNull();
  });
});

describe("decodeClientCommand: validation at the boundary", () => {
  const decode = (raw: string) => decodeClientCommand(raw, 4096);

  it("accepts every command and ignores unknown fields", () => {
    expect(decode('{"type":"join","name":"alice","colour":"red"}')).toEqual({ ok: true, command: { type: "join", name: "alice" } });
    expect(decode('{"type":"say","text":"hi"}')).toEqual({ ok: true, command: { type: "say", text: "hi" } });
    expect(decode('{"type":"me","text":"waves"}')).toEqual({ ok: true, command: { type: "me", text: "waves" } });
    expect(decode('{"type":"nick","name":"bob"}')).toEqual({ ok: true, command: { type: "nick", name: "bob" } });
    expect(decode('{"type":"msg","to":"bob","text":"psst"}')).toEqual({ ok: true, command: { type: "msg", to: "bob", text: "psst" } });
    expect(decode('{"type":"users"}')).toEqual({ ok: true, command: { type: "users" } });
    expect(decode('{"type":"quit","reason":"bye"}')).toEqual({ ok: true, command: { type: "quit", reason: "bye" } });
    expect(decode('{"type":"quit"}')).toEqual({ ok: true, command: { type: "quit" } });
    expect(decode('{"type":"join","name":"QuoteBot","key":"s3cret-key"}')).toEqual({ ok: true, command: { type: "join", name: "QuoteBot", key: "s3cret-key" } });
    expect(decode('{"type":"nick","name":"bob","key":"s3cret-key"}')).toEqual({ ok: true, command: { type: "nick", name: "bob" } }); // only a join carries a key
  });

  it("gives a coded error for malformed JSON, wrong shapes, unknown types and oversize input", () => {
    const code = (raw: string) => {
      const result = decode(raw);
      return result.ok ? "ok" : result.error.code;
    };
    expect(code("{not json")).toBe("bad-json");
    expect(code('"a string"')).toBe("bad-command");
    expect(code("[]")).toBe("bad-command");
    expect(code("null")).toBe("bad-command");
    expect(code('{"text":"no type"}')).toBe("unknown-command");
    expect(code('{"type":"dance"}')).toBe("unknown-command");
    expect(code('{"type":"__proto__"}')).toBe("unknown-command");
    expect(code('{"type":"say","text":42}')).toBe("bad-command");
    expect(code('{"type":"msg","to":"bob"}')).toBe("bad-command");
    expect(code('{"type":"quit","reason":{}}')).toBe("bad-command");
    expect(code('{"type":"join","name":"bot","key":42}')).toBe("bad-command");
    expect(code(JSON.stringify({ type: "say", text: "x".repeat(5000) }))).toBe("too-large");
  });

  it("never throws, whatever it is given", () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ['{"type":', '"say"', ',"text":', '"hi"', "}", "[", "]", "null", "1e999", "\\u0000", '"', ",", ":", "{"];
    for (let i = 0; i < 2_000; i++) {
      const raw = Array.from({ length: 1 + Math.floor(random() * 8) }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      expect(() => decode(raw)).not.toThrow();
    }
  });
});
