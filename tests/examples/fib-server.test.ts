import { spawn as spawnProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { closeDefaultThreadPool } from "../../shared/src/loop/index.js";
import { parseRequest } from "../../shared/examples/fib-server.js";
import { fib } from "../../shared/examples/fib.js";
import { repoRoot, startLoopFibServer } from "./helpers.js";
import { LineClient } from "./line-client.js";

afterAll(async () => {
  await closeDefaultThreadPool();
});

describe("the Fibonacci API server (Version #3 + threads)", () => {
  it("answers n with fib(n), and bad input with an error line on a connection that stays usable", async () => {
    const server = await startLoopFibServer();
    try {
      const client = await LineClient.open(server.port, "c");
      expect(await client.ask("10")).toBe("55");
      expect(await client.ask("banana")).toMatch(/^error: expected a whole number from 0 to 42/);
      expect(await client.ask("43")).toMatch(/^error: expected a whole number/);
      expect(await client.ask("x".repeat(500))).toBe("error: line longer than 64 bytes");
      expect(await client.ask(" 20 ")).toBe("6765");
      expect(await client.ask("30")).toBe(String(fib(30))); // above inline-max: computed in a thread
      client.socket.destroy();
    } finally {
      await server.close();
    }
  });

  it("keeps answering small requests on other connections while a worker thread computes a large one", async () => {
    const server = await startLoopFibServer({ inlineMax: 25 });
    try {
      const arrivals: string[] = [];
      const heavy = await LineClient.open(server.port, "heavy", arrivals);
      const light = await LineClient.open(server.port, "light", arrivals);
      const heavyAnswer = heavy.ask("40"); // about a second of CPU, in a thread
      for (let i = 1; i <= 5; i++) expect(await light.ask(String(i))).toBe(String(fib(i)));
      expect(await heavyAnswer).toBe("102334155");
      // Every small answer arrived while the large one was still being computed.
      expect(arrivals).toEqual(["light:1", "light:1", "light:2", "light:3", "light:5", "heavy:102334155"]);
      heavy.socket.destroy();
      light.socket.destroy();
    } finally {
      await server.close();
    }
  });

  it("parses requests strictly", () => {
    expect(parseRequest("7")).toBe(7);
    expect(parseRequest("-1")).toBeInstanceOf(Error);
    expect(parseRequest("1e3")).toBeInstanceOf(Error);
    expect(parseRequest("")).toBeInstanceOf(Error);
  });

  it("runs as a program: npm run example:fib-server answers over TCP and stops cleanly on SIGINT", async () => {
    const child = spawnProcess(process.execPath, ["--import", "tsx", "shared/examples/fib-server.ts", "--port", "0"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      child.on("exit", () => reject(new Error(`exited early: ${stderr}`)));
    });
    try {
      const client = await LineClient.open(port, "c");
      expect(await client.ask("12")).toBe("144");
      client.socket.destroy();
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain("fib server stopped");
  });
});
