import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCompose, onThisMachine, startOrder } from "../../shared/src/compose/compose-file.js";
import { up } from "../../shared/src/compose/run-compose.js";
import { Event, Loop } from "../../shared/src/loop/index.js";
import { ChatClient } from "../server/chat-client.js";
import { freePort } from "../helpers/processes.js";
import { Waiters } from "../helpers/waiters.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const composeFile = `${root}docker-compose.yml`;

describe("docker-compose.yml as npm start reads it", () => {
  it("has the server and the bot by default, the client behind a profile, and the bot after the server", () => {
    const services = loadCompose(composeFile, {});
    expect(services.map((s) => s.name)).toEqual(["server", "bot", "client-tui"]);
    expect(startOrder(services).map((s) => s.name)).toEqual(["server", "bot"]);
    const [server, bot] = services;
    expect(server?.command).toEqual(["node", "dist/server/src/main.js"]);
    expect(server?.environment).toMatchObject({ CHAT_TCP_PORT: "4000", CHAT_WS_PORT: "4001", LOG_LEVEL: "info" });
    expect(server?.healthcheck?.test[0]).toBe("node");
    expect(bot?.waitsFor).toEqual(["server"]);
    expect(bot?.healthcheck).toBeNull();
    expect(onThisMachine(bot?.environment ?? {}, ["server", "bot"]).CHAT_URL).toBe("ws://127.0.0.1:4001/ws");
  });

  it("fills ${VAR:-default} from the environment", () => {
    const [server, bot] = loadCompose(composeFile, { CHAT_WS_PORT: "5001", LOG_LEVEL: "debug" });
    expect(server?.environment.CHAT_WS_PORT).toBe("5001");
    expect(bot?.environment.CHAT_URL).toBe("ws://server:5001/ws");
    expect(bot?.environment.LOG_LEVEL).toBe("debug");
  });

  it("keeps the bot's name for the bot: one key, LOOPCHAT_BOT_KEY, for the server and the bot, with a development default", () => {
    const [server, bot] = loadCompose(composeFile, {});
    expect(server?.environment).toMatchObject({ CHAT_RESERVED_NAMES: "QuoteBot", CHAT_RESERVED_KEY: "loopchat-dev-bot-key" });
    expect(bot?.environment).toMatchObject({ BOT_NAME: "QuoteBot", BOT_KEY: "loopchat-dev-bot-key" });
    const [server2, bot2] = loadCompose(composeFile, { LOOPCHAT_BOT_KEY: "a-key-of-our-own", BOT_NAME: "Sage" });
    expect(server2?.environment).toMatchObject({ CHAT_RESERVED_NAMES: "Sage", CHAT_RESERVED_KEY: "a-key-of-our-own" });
    expect(bot2?.environment).toMatchObject({ BOT_NAME: "Sage", BOT_KEY: "a-key-of-our-own" });
  });
});

describe("the production layout: compose services as plain processes on a production install", () => {
  // What the Dockerfile's runtime stage holds, reproduced without Docker: the package files, a
  // production-only install, and the built output.
  let app = "";
  beforeAll(async () => {
    await promisify(execFile)("npm", ["run", "build"], { cwd: root });
    app = mkdtempSync(join(tmpdir(), "loopchat-runtime-"));
    for (const file of ["package.json", "package-lock.json", "docker-compose.yml"]) cpSync(`${root}${file}`, join(app, file));
    for (const pkg of ["shared", "server", "bot", "client-tui"]) cpSync(`${root}${pkg}/package.json`, join(app, pkg, "package.json"));
    cpSync(`${root}dist`, join(app, "dist"), { recursive: true });
    await promisify(execFile)("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: app, env: { ...process.env, NODE_ENV: "production" } });
  }, 300_000);

  afterAll(() => {
    if (app !== "") rmSync(app, { recursive: true, force: true });
  });

  it("has no dev dependency in it", () => {
    expect(existsSync(join(app, "node_modules", "typescript"))).toBe(false);
    expect(existsSync(join(app, "node_modules", "ws"))).toBe(true);
  });

  it("starts the server, waits until it is healthy, starts the bot; a netcat user chats and hears a quote; stop ends both", async () => {
    const tcpPort = await freePort();
    const wsPort = await freePort();
    const env = { ...process.env, CHAT_TCP_PORT: String(tcpPort), CHAT_WS_PORT: String(wsPort), BOT_INTERVAL_S: "0.3", LOG_LEVEL: "warn" };
    const lines: string[] = [];
    const said = new Waiters(() => lines.join("\n"));
    const say = (line: string): void => {
      lines.push(line);
      said.notify();
    };
    const stop = new Event();
    const done = new Loop().run(up({ cwd: app, composeFile: join(app, "docker-compose.yml"), env, stop, say }));
    try {
      // Healthy means its /healthz answered, and the server listens for netcat users before that.
      await said.until(() => lines.includes("server is healthy"), "the server to be healthy", 30_000);
      const alice = await ChatClient.join(tcpPort, "alice");
      await alice.waitFor(/QuoteBot joined|Online \(2\): QuoteBot, alice/);
      expect(await alice.waitFor(/<QuoteBot> .+ — .+/)).toMatch(/^\[\d\d:\d\d\] <QuoteBot> /);
      alice.send("hello from a plain process");
      await alice.waitFor(/<alice> hello from a plain process$/);
      expect(lines.indexOf("server is healthy")).toBeLessThan(lines.findIndex((l) => l.startsWith("started bot")));
      stop.set();
      await done;
      await alice.until(() => alice.closed, "the server to close the connection");
      expect(alice.lines.some((l) => l.startsWith("* QuoteBot left"))).toBe(true);
      expect(alice.lines).toContain("* The server is shutting down: the server received SIGTERM");
      expect(lines.filter((l) => l.includes("exited"))).toEqual(["bot exited with code 0", "server exited with code 0"]);
    } finally {
      stop.set();
      await done.catch(() => undefined);
    }
  }, 90_000);
});
