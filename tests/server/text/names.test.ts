import { describe, expect, it } from "vitest";
import { NAME_MAX_LENGTH, RESERVED_NAMES, nameKey, validateName } from "../../../server/src/text/index.js";

describe("validateName", () => {
  it.each(["alice", "Bob", "x", "user_42", "zero-cool", "A-b_C-9", "_", "a".repeat(24)])("accepts %j", (name) => {
    expect(validateName(name)).toEqual({ ok: true, name });
  });

  it("trims surrounding whitespace first", () => {
    expect(validateName("  alice \t")).toEqual({ ok: true, name: "alice" });
    expect(validateName("\u00a0bob\u3000")).toEqual({ ok: true, name: "bob" });
  });

  it.each([
    ["", "a name is 1 to 24 characters; this one is empty"],
    ["   ", "a name is 1 to 24 characters; this one is empty"],
    ["a".repeat(25), "a name is 1 to 24 characters; this one has 25"],
    ["john smith", "only letters, digits, _ and - are allowed; a space is not"],
    ["bob!", 'only letters, digits, _ and - are allowed; "!" is not'],
    ["José", "only letters, digits, _ and - are allowed; U+00E9 is not"],
    ["аlice", "only letters, digits, _ and - are allowed; U+0430 is not"], // Cyrillic а look-alike
    ["ab\u200bc", "only letters, digits, _ and - are allowed; U+200B is not"],
    ["\u202eevil", "only letters, digits, _ and - are allowed; U+202E is not"],
    ["bad\x1b[2J", "only letters, digits, _ and - are allowed; U+001B is not"],
    ["😀", "only letters, digits, _ and - are allowed; U+1F600 is not"],
    ["*", 'the name "*" is reserved'],
    ["server", 'the name "server" is reserved'],
    ["SYSTEM", 'the name "SYSTEM" is reserved'],
    [" Server ", 'the name "Server" is reserved'],
  ])("refuses %j with a reason", (raw, reason) => {
    expect(validateName(raw)).toEqual({ ok: false, reason });
  });

  it("reserves every name in RESERVED_NAMES, in any case", () => {
    expect(RESERVED_NAMES.has("server")).toBe(true);
    expect(RESERVED_NAMES.has("system")).toBe(true);
    for (const key of RESERVED_NAMES) {
      expect(validateName(key).ok).toBe(false);
      expect(validateName(key.toUpperCase()).ok).toBe(false);
    }
  });

  it("allows names that merely contain a reserved word", () => {
    expect(validateName("server2").ok).toBe(true);
    expect(validateName("my-system").ok).toBe(true);
  });

  it("uses the documented maximum", () => {
    expect(NAME_MAX_LENGTH).toBe(24);
  });
});

describe("nameKey", () => {
  it("is the same for names that differ only in case", () => {
    expect(nameKey("Alice")).toBe("alice");
    expect(nameKey("ALICE")).toBe(nameKey("alice"));
    expect(nameKey("Zero-Cool_9")).toBe("zero-cool_9");
    expect(nameKey("alice")).not.toBe(nameKey("alice_"));
  });
});
