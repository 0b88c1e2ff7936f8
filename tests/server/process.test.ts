import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/src/config.js";
import { ChatClient } from "./chat-client.js";
import { freePort, startTsProcess, type RunningProcess } from "../helpers/processes.js";

const startProcess = (env: Record<string, string>): RunningProcess => startTsProcess("server/src/main.ts", env);

describe("configuration", () => {
  it("has defaults and validates every value, naming each bad one", () => {
    expect(loadConfig({})).toEqual({
      host: "0.0.0.0",
      tcpPort: 4000,
      wsPort: 4001,
      keepaliveMs: 30_000,
      historySize: 20,
      maxClients: 1000,
      maxPerAddress: 16,
      exemptAddresses: ["127.0.0.1", "::1"],
      rateLimit: 5,
      addressRateLimit: 20,
      connectsPerMinute: 30,
      joinNotices: true,
      reservedNames: [],
      reservedKey: null,
      logLevel: "info",
    });
    expect(loadConfig({ CHAT_RATE_LIMIT: "0", CHAT_JOIN_NOTICES: "0", CHAT_MAX_CLIENTS: "20000" })).toMatchObject({ rateLimit: 0, joinNotices: false, maxClients: 20_000 });
    expect(loadConfig({ CHAT_MAX_PER_ADDRESS: "0", CHAT_LIMIT_EXEMPT: " 10.0.0.1, fd00::1 " })).toMatchObject({ maxPerAddress: 0, exemptAddresses: ["10.0.0.1", "fd00::1"] });
    expect(loadConfig({ CHAT_LIMIT_EXEMPT: "none" }).exemptAddresses).toEqual([]);
    expect(loadConfig({ CHAT_ADDRESS_RATE_LIMIT: "0", CHAT_CONNECTS_PER_MINUTE: "120" })).toMatchObject({ addressRateLimit: 0, connectsPerMinute: 120 });
    expect(() => loadConfig({ CHAT_CONNECTS_PER_MINUTE: "-3" })).toThrow('CHAT_CONNECTS_PER_MINUTE must be a whole number from 0 to 1000000, got "-3"');
    expect(() => loadConfig({ CHAT_LIMIT_EXEMPT: "127.0.0.1,localhost" })).toThrow('CHAT_LIMIT_EXEMPT must be IP addresses separated by commas (or "none"), got "localhost"');
    expect(() => loadConfig({ CHAT_JOIN_NOTICES: "yes" })).toThrow('CHAT_JOIN_NOTICES must be 1 or 0 (true or false), got "yes"');
    expect(loadConfig({ CHAT_RESERVED_NAMES: " QuoteBot, Sage-2 ", CHAT_RESERVED_KEY: "k3y-of-the-bot" })).toMatchObject({ reservedNames: ["QuoteBot", "Sage-2"], reservedKey: "k3y-of-the-bot" });
    expect(loadConfig({ CHAT_RESERVED_NAMES: "", CHAT_RESERVED_KEY: "" })).toMatchObject({ reservedNames: [], reservedKey: null });
    expect(() => loadConfig({ CHAT_RESERVED_NAMES: "QuoteBot,Quote Bot,admin" })).toThrow(
      'CHAT_RESERVED_NAMES must be names (1 to 24 letters, digits, _ or -, not reserved already) separated by commas, got "Quote Bot,admin"',
    );
    // The key is never echoed: start-up errors end up in logs.
    expect(() => loadConfig({ CHAT_RESERVED_KEY: "short" })).toThrow("CHAT_RESERVED_KEY must be 8 to 256 printable ASCII characters without spaces, got 5 characters");
    expect(() => loadConfig({ CHAT_RESERVED_KEY: "with a space" })).toThrow(/^CHAT_RESERVED_KEY must be .*, got a space or a character outside printable ASCII$/);
    expect(() => loadConfig({ CHAT_TCP_PORT: "70000", CHAT_HISTORY: "-1", LOG_LEVEL: "loud" })).toThrow(
      /CHAT_TCP_PORT must be a whole number from 0 to 65535, got "70000"; CHAT_HISTORY .*; LOG_LEVEL must be one of/,
    );
  });

  it("a bad value stops the server at start with a clear message and exit code 2", async () => {
    const p = startProcess({ CHAT_MAX_CLIENTS: "lots" });
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('CHAT_MAX_CLIENTS must be a whole number from 1 to 1000000, got "lots"');
  });
});

describe("the server process (npm run server)", () => {
  it("logs pino JSON, serves netcat users, and on SIGTERM tells everyone and exits 0 within 5 s", async () => {
    const port = await freePort();
    const p = startProcess({ CHAT_HOST: "127.0.0.1", CHAT_TCP_PORT: String(port), CHAT_WS_PORT: String(await freePort()), LOG_LEVEL: "info" });
    try {
      await p.until(() => p.stdout().includes("listening for netcat users"), "the server to listen");
      const alice = await ChatClient.join(port, "alice");
      alice.send("hi there");
      await alice.waitFor(/<alice> hi there$/);
      const stoppingAt = Date.now();
      p.kill("SIGTERM");
      await alice.until(() => alice.closed, "the connection to close");
      expect(alice.lines).toContain("* The server is shutting down: the server received SIGTERM");
      expect(await p.exited).toBe(0);
      expect(Date.now() - stoppingAt).toBeLessThan(5_000);
      const logs = p.stdout().trim().split("\n").map((line) => JSON.parse(line) as { msg: string; name?: string; level: number });
      expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["listening for netcat users", "connected", "joined", "left", "shutting down", "stopped"]));
      expect(logs.find((l) => l.msg === "joined")?.name).toBe("alice");
      expect(p.stdout()).not.toContain("hi there"); // message bodies only at debug level
    } finally {
      p.kill("SIGKILL");
    }
  });
});
