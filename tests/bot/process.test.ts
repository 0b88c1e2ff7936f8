import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ChatClient, startServer } from "../server/chat-client.js";
import { messagesFrom, waitForLines } from "./helpers.js";
import { startTsProcess, type RunningProcess } from "../helpers/processes.js";

/** `node --import tsx bot/src/main.ts`, as `npm run bot` runs it. */
const startBotProcess = (env: Record<string, string>): RunningProcess => startTsProcess("bot/src/main.ts", env);

describe("the bot process (npm run bot)", () => {
  it("a bad setting stops it at start with a clear message and exit code 2", async () => {
    const p = startBotProcess({ BOT_INTERVAL_S: "never" });
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('BOT_INTERVAL_S must be a number of seconds > 0 (at most 86400), got "never"');
  });

  it("a bad quotes file stops it at start, naming the file and line, with exit code 2", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bot-quotes-")), "quotes.txt");
    writeFileSync(file, "Well begun is half done. — Aristotle\nan orphan line\n");
    const p = startBotProcess({ BOT_QUOTES_FILE: file });
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain(`${file}:2: a quote needs its author`);
  });

  it("posts quotes, and on SIGTERM leaves the room and exits 0", async () => {
    const chat = await startServer();
    const p = startBotProcess({ CHAT_URL: `ws://127.0.0.1:${chat.server.wsPort}/ws`, BOT_INTERVAL_S: "0.2", LOG_LEVEL: "info" });
    try {
      const alice = await ChatClient.join(chat.port, "alice");
      await waitForLines(alice, messagesFrom("QuoteBot"), 1);
      p.kill("SIGTERM");
      await alice.waitFor(/^\* QuoteBot left \(quit; 1 online\)$/);
      expect(await p.exited).toBe(0);
      const logs = p.stdout().trim().split("\n").map((line) => JSON.parse(line) as { msg: string; service: string; signal?: string });
      expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["starting", "joined", "posted a quote", "signal received", "stopped"]));
      expect(logs.every((l) => l.service === "bot")).toBe(true);
      expect(logs.find((l) => l.msg === "signal received")?.signal).toBe("SIGTERM");
      alice.close();
    } finally {
      p.kill("SIGKILL");
      await chat.stop();
    }
  });
});
