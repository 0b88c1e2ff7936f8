import { describe, expect, it } from "vitest";
import { ChatClient, withServer } from "./chat-client.js";

const MESSAGE = /^\[\d\d:\d\d\] <(\S+)> (.*)$/;

describe("the netcat chat server", () => {
  it("welcomes, prompts for a name without a newline, and tells the others who joined and left", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.open(s.port);
      await alice.until(() => alice.partial === "Username: ", "prompt");
      expect(alice.lines).toEqual(["* Welcome to loopchat, a chat room on a hand-made event loop."]);
      alice.send("alice");
      await alice.waitFor(/^\* Welcome, alice! Online \(1\): alice$/);
      const bob = await ChatClient.join(s.port, "bob");
      expect(await bob.waitFor(/^\* Welcome, bob!/)).toBe("* Welcome, bob! Online (2): alice, bob");
      expect(await alice.waitFor(/joined/)).toBe("* bob joined (2 online)");
      bob.send("/quit see you");
      expect(await alice.waitFor(/left/)).toBe("* bob left (quit: see you; 1 online)");
      await bob.until(() => bob.closed, "bob's connection to close");
      expect(bob.lines.at(-1)).toBe("* bob left (quit: see you; 1 online)");
    });
  });

  it("refuses invalid and duplicate names (case-insensitively) and asks again", async () => {
    await withServer({}, async (s) => {
      await ChatClient.join(s.port, "Alice");
      const c = await ChatClient.open(s.port);
      await c.until(() => c.partial === "Username: ", "prompt");
      c.send("alice");
      expect(await c.waitFor(/^!/)).toBe("! the name alice is taken");
      c.send("no spaces please");
      expect(await c.waitFor(/^! only/)).toMatch(/letters, digits/);
      c.send("x".repeat(25));
      await c.waitFor(/^! a name is 1 to 24/);
      c.send("server");
      await c.waitFor(/^! .*reserved/);
      c.send("carol");
      await c.waitFor(/^\* Welcome, carol!/);
    });
  });

  it("broadcasts every message to every member, sender included, keeping each sender's order", async () => {
    await withServer({ limits: { linesPerSecond: 10_000, burst: 10_000 } }, async (s) => {
      const names = ["ann", "ben", "cat"];
      const clients = await Promise.all(names.map((n) => ChatClient.join(s.port, n)));
      await clients[0]!.until(() => clients[0]!.lines.some((l) => l.startsWith("* cat joined")), "cat joined");
      const perSender = 50;
      clients.forEach((c, i) => {
        for (let k = 0; k < perSender; k++) c.send(`${names[i]} ${k}`);
      });
      for (const c of clients) {
        await c.until(() => c.lines.filter((l) => MESSAGE.test(l)).length === perSender * names.length, "all messages");
        const got = c.lines.filter((l) => MESSAGE.test(l)).map((l) => (MESSAGE.exec(l) as RegExpExecArray).slice(1));
        for (const sender of names) {
          const texts = got.filter(([from]) => from === sender).map(([, text]) => text);
          expect(texts).toEqual(Array.from({ length: perSender }, (_, k) => `${sender} ${k}`));
        }
      }
      // One global order: everybody saw the messages interleaved identically.
      const order = (c: ChatClient): string[] => c.lines.filter((l) => MESSAGE.test(l)).map((l) => l.slice(8));
      expect(order(clients[1]!)).toEqual(order(clients[0]!));
      expect(order(clients[2]!)).toEqual(order(clients[0]!));
    });
  });

  it("replays the last N messages to whoever joins", async () => {
    await withServer({ historySize: 3 }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      for (const text of ["one", "two", "three", "four"]) alice.send(text);
      await alice.waitFor(/<alice> four$/);
      const bob = await ChatClient.join(s.port, "bob");
      const start = bob.lines.findIndex((l) => l.startsWith("* Welcome, bob"));
      expect(bob.lines.slice(start + 1, start + 5).map((l) => l.replace(/^\[\d\d:\d\d\] /, ""))).toEqual([
        "* Last 3 messages:",
        "<alice> two",
        "<alice> three",
        "<alice> four",
      ]);
    });
  });

  it("/nick, /me, /users and /help work, case-insensitively; unknown commands get a clear error", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      bob.send("/NICK robert");
      expect(await alice.waitFor(/known as/)).toBe("* bob is now known as robert");
      bob.send("/me waves");
      expect(await alice.waitFor(/waves/)).toMatch(/^\[\d\d:\d\d\] \* robert waves$/);
      bob.send("/who");
      expect(await bob.waitFor(/^\* Online/)).toBe("* Online (2): alice, robert");
      bob.send("/help");
      await bob.waitFor(/^\* \/msg NAME TEXT/);
      bob.send("/frobnicate");
      expect(await bob.waitFor(/^! unknown/)).toBe("! unknown command /frobnicate; type /help for the list");
      alice.send("/nick ROBERT");
      expect(await alice.waitFor(/^! the name/)).toBe("! the name ROBERT is taken");
    });
  });

  it("/msg reaches only the recipient and the sender; a third member receives nothing", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      const carol = await ChatClient.join(s.port, "carol");
      alice.send("/msg bob the secret");
      alice.send("public after"); // in the one global order, after the private message
      expect(await bob.waitFor(/private/)).toMatch(/\[private\] <alice> -> bob: the secret$/);
      expect(await alice.waitFor(/private/)).toMatch(/\[private\] <alice> -> bob: the secret$/);
      await carol.waitFor(/<alice> public after$/);
      expect(carol.lines.some((l) => l.includes("secret"))).toBe(false);
      alice.send("/msg nobody hi");
      expect(await alice.waitFor(/^! nobody/)).toBe("! nobody called nobody is online");
    });
  });
});

describe("input hygiene", () => {
  it("accepts CRLF, LF and CR NUL; strips telnet negotiation, escapes and control characters; survives invalid UTF-8", async () => {
    await withServer({}, async (s) => {
      const watcher = await ChatClient.join(s.port, "watcher");
      const raw = await ChatClient.open(s.port);
      await raw.until(() => raw.partial === "Username: ", "prompt");
      // telnet negotiation before the name, split across two writes
      raw.socket.write(Buffer.from([255, 251, 1, 255, 253]));
      raw.socket.write(Buffer.concat([Buffer.from([3]), Buffer.from("telnetuser\r\x00")]));
      await raw.waitFor(/^\* Welcome, telnetuser!/);
      raw.socket.write("lf line\n");
      raw.socket.write("crlf line\r\n");
      raw.socket.write("a bare\rCR\n");
      raw.socket.write("typo\x08\x08\x08\x08fixed\x7f\x7fed\n"); // telnet character mode sends BS/DEL raw
      raw.socket.write("\x1b[2J\x1b[31mred\x1b[0m and \x1b]0;title\x07bell\x07\n");
      raw.socket.write(Buffer.concat([Buffer.from("bad "), Buffer.from([0xc3, 0x28]), Buffer.from(" utf8 😀\n")]));
      raw.socket.write("\n\r\n   \n"); // empty lines are ignored
      raw.socket.write("last\n");
      await watcher.waitFor(/<telnetuser> last$/);
      const said = watcher.lines.filter((l) => l.includes("<telnetuser>")).map((l) => l.replace(/^.*<telnetuser> /, ""));
      expect(said).toEqual(["lf line", "crlf line", "a bareCR", "fixed", "red and bell", "bad \uFFFD( utf8 😀", "last"]);
      for (const l of watcher.lines) expect(l).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    });
  });

  it("an over-long line gets a clear error and is not sent; the connection stays usable", async () => {
    await withServer({ limits: { maxLineBytes: 100 } }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      alice.socket.write("y".repeat(100_000) + "\r\nstill here\r\n");
      expect(await alice.waitFor(/^! line too long/)).toBe("! line too long (the limit is 100 bytes); it was not sent");
      await bob.waitFor(/<alice> still here$/);
      expect(bob.lines.some((l) => l.includes("yyyy"))).toBe(false);
    });
  });
});
