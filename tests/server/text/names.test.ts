import { describe, expect, it } from "vitest";
import { NAME_MAX_LENGTH, RESERVED_NAMES, nameKey, nameSkeleton, validateName } from "../../../server/src/text/index.js";

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
    // Reserved by skeleton (look-alikes) and, for all but root, by prefix.
    ["adm1n", 'the name "adm1n" is reserved'],
    ["Admin2", 'the name "Admin2" is reserved'],
    ["adm1nistrator", 'the name "adm1nistrator" is reserved'],
    ["server_", 'the name "server_" is reserved'],
    ["server2", 'the name "server2" is reserved'],
    ["SYSTEM-bot", 'the name "SYSTEM-bot" is reserved'],
    ["L00PCHAT", 'the name "L00PCHAT" is reserved'],
    ["rnoderator", 'the name "rnoderator" is reserved'],
    ["0perat0r_42", 'the name "0perat0r_42" is reserved'],
    ["R00T", 'the name "R00T" is reserved'],
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

  it("allows names that contain a reserved word after their start, and names that merely start with root", () => {
    for (const name of ["my-system", "the_server", "sysadmin", "rooted", "root-beer", "5ystem", "servo", "admiral", "mod", "op"]) {
      expect(validateName(name), name).toEqual({ ok: true, name });
    }
  });

  it("uses the documented maximum", () => {
    expect(NAME_MAX_LENGTH).toBe(24);
  });
});

describe("nameSkeleton", () => {
  it("folds case and the look-alikes of its table into one spelling", () => {
    expect(nameSkeleton("alice")).toBe("allce");
    for (const lookAlike of ["aIice", "a1ice", "ALICE", "AlIcE", "alIce", "a1lce"]) expect(nameSkeleton(lookAlike), lookAlike).toBe(nameSkeleton("alice"));
    expect(nameSkeleton("rnallory")).toBe(nameSkeleton("mallory"));
    expect(nameSkeleton("vvalter")).toBe(nameSkeleton("Walter"));
    expect(nameSkeleton("c1ave")).toBe(nameSkeleton("dave"));
    expect(nameSkeleton("b0b")).toBe(nameSkeleton("BOB"));
    expect(nameSkeleton("vvv")).toBe(nameSkeleton("vw")); // wherever the look-alike stands
  });

  it("keeps apart what its table does not join", () => {
    for (const [a, b] of [["alice", "alice_"], ["bob", "bop"], ["sam", "5am"], ["a-b", "a_b"], ["zed", "2ed"], ["ben", "8en"], ["carol", "karol"]]) {
      expect(nameSkeleton(a as string), `${a} / ${b}`).not.toBe(nameSkeleton(b as string));
    }
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
