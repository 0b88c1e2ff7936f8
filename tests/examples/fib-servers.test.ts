/**
 * The lecture's three Fibonacci API servers side by side, over real TCP on 127.0.0.1:
 * Version #1 (a thread per client), Version #2 (a pool of worker processes) and Version #3 (our
 * loop, large `n` in worker threads). They speak one protocol, so one set of protocol tests runs
 * against each; then what sets each apart. Everything waits for events (answers, exits) under
 * generous deadlines; nothing sleeps for a fixed time.
 */
import { spawn as spawnProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDefaultThreadPool } from "../../shared/src/loop/index.js";
import { startProcessesServer, type ProcessesServer } from "../../shared/examples/fib-server-processes.js";
import { startThreadsServer, type ThreadsServer } from "../../shared/examples/fib-server-threads.js";
import type { RunningFibServer } from "../../shared/examples/fib-net.js";
import { fib } from "../../shared/examples/fib.js";
import { repoRoot, startLoopFibServer } from "./helpers.js";
import { DEADLINE_MS, LineClient } from "./line-client.js";
import { eventually } from "../helpers/waiters.js";

/** Waits for the server's count of client threads (no event announces a thread's exit: this polls). */
function threadsBecome(server: () => ThreadsServer, count: number): Promise<void> {
  return eventually(() => server().threads === count, `${count} client thread(s)`, { seen: () => `${server().threads} client thread(s)`, deadlineMs: DEADLINE_MS });
}

/** One server for a describe block: started before its tests, closed after them. */
function serverFor<S extends RunningFibServer>(start: () => Promise<S>): () => S {
  let server: S | null = null;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (server === null) throw new Error("the server did not start");
    return server;
  };
}

const tooLong = "error: line longer than 64 bytes";
const notANumber = (text: string) => `error: expected a whole number from 0 to 42, got ${JSON.stringify(text)}`;

/** The protocol, the same for all three versions. */
function protocolTests(server: () => RunningFibServer): void {
  it("answers n with fib(n), and bad input with an error line on a connection that stays usable", async () => {
    const client = await LineClient.open(server().port, "c");
    expect(await client.ask("0")).toBe("0");
    expect(await client.ask("10")).toBe("55");
    expect(await client.ask("25")).toBe(String(fib(25)));
    expect(await client.ask(" 20 ")).toBe("6765");
    expect(await client.ask("abc")).toBe(notANumber("abc"));
    expect(await client.ask("10")).toBe("55");
    expect(await client.ask("-1")).toBe(notANumber("-1"));
    expect(await client.ask("10")).toBe("55");
    expect(await client.ask("43")).toBe(notANumber("43"));
    expect(await client.ask("10")).toBe("55");
    expect(await client.ask("7".repeat(100))).toBe(tooLong); // 100 bytes: one error, the rest of the line skipped
    expect(await client.ask("10")).toBe("55");
    client.destroy();
  });

  it("answers pipelined lines in order, ignores blank lines, accepts CRLF, and splits lines across writes", async () => {
    const client = await LineClient.open(server().port, "c");
    await client.send(`1\n\n2\r\nabc\n${"x".repeat(100)}\n   \n30\n3`);
    await client.send("\n2");
    await client.send("0\n");
    const answers: string[] = [];
    for (let i = 0; i < 7; i++) answers.push(await client.nextLine());
    expect(answers).toEqual(["1", "1", notANumber("abc"), tooLong, String(fib(30)), "2", "6765"]);
    client.destroy();
  });

  it("serves several clients at once", async () => {
    const clients = await Promise.all([1, 2, 3].map((i) => LineClient.open(server().port, `c${i}`)));
    const conversations = clients.map(async (client, i) => {
      const answers: string[] = [];
      for (const n of [i, 28 + i, 20, 12 + i]) answers.push(await client.ask(String(n)));
      return answers;
    });
    const results = await Promise.all(conversations);
    results.forEach((answers, i) => expect(answers).toEqual([i, 28 + i, 20, 12 + i].map((n) => String(fib(n)))));
    for (const client of clients) client.destroy();
  });

  it("answers the last line of a client that closes its side, then closes the connection", async () => {
    const client = await LineClient.open(server().port, "c");
    await client.send("11\n12"); // no newline after the last line
    client.socket.end();
    expect(await client.nextLine()).toBe("89");
    expect(await client.nextLine()).toBe("144");
    await withDeadline(client.closed, "the server to close the connection");
  });
}

/** `promise`, or a failure naming `what` if it takes longer than the deadline. */
function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), DEADLINE_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Runs a server as a program (what the npm script runs), asks it two questions, stops it with `signal`. */
async function runAsProgram(file: string, signal: NodeJS.Signals, extraArgs: string[] = []): Promise<{ code: number | null; stdout: string }> {
  const args = ["--import", "tsx", `shared/examples/${file}`, "--port", "0", "--host", "127.0.0.1", ...extraArgs];
  const child = spawnProcess(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`${file} exited before listening: ${stderr}`)));
  });
  try {
    const port = await withDeadline(listening, `${file} to listen`);
    const client = await LineClient.open(port, "c");
    expect(await client.ask("12")).toBe("144");
    expect(await client.ask("x")).toBe(notANumber("x"));
    client.destroy();
    child.kill(signal);
    const code = await withDeadline(exited, `${file} to exit after ${signal} (stderr: ${stderr})`);
    return { code, stdout };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

afterAll(async () => {
  await closeDefaultThreadPool();
});

describe("Version #1: a thread per client (fib-server-threads.ts)", () => {
  const server = serverFor<ThreadsServer>(() => startThreadsServer());
  protocolTests(server);

  it("starts a thread when a client connects and terminates it when the client leaves", async () => {
    const before = server().clients;
    const [first, second] = await Promise.all([1, 2].map((i) => LineClient.open(server().port, `c${i}`)));
    if (first === undefined || second === undefined) throw new Error("unreachable");
    expect(await first.ask("1")).toBe("1");
    expect(await second.ask("2")).toBe("1");
    expect(server().clients).toBe(before + 2);
    await threadsBecome(server, 2); // the threads of earlier tests are gone
    first.destroy();
    await threadsBecome(server, 1);
    expect(await second.ask("3")).toBe("2");
    second.destroy();
    await threadsBecome(server, 0);
  });

  it("a client's large n blocks only that client's thread", async () => {
    const arrivals: string[] = [];
    const heavy = await LineClient.open(server().port, "heavy", arrivals);
    const light = await LineClient.open(server().port, "light", arrivals);
    expect(await heavy.ask("1")).toBe("1"); // both threads are up
    expect(await light.ask("1")).toBe("1");
    arrivals.length = 0;
    // fib(36) is a few hundred ms of CPU even on a fast machine; 10 small round trips take a few ms.
    const heavyAnswer = heavy.ask("36");
    for (let i = 0; i < 10; i++) expect(await light.ask("10")).toBe("55");
    expect(await heavyAnswer).toBe(String(fib(36)));
    expect(arrivals).toEqual([...Array.from({ length: 10 }, () => "light:55"), `heavy:${fib(36)}`]);
    heavy.destroy();
    light.destroy();
  });

  it("runs as a program: prints its port, answers, and exits 0 on SIGINT with every thread terminated", async () => {
    const { code, stdout } = await runAsProgram("fib-server-threads.ts", "SIGINT");
    expect(stdout.split("\n")[0]).toMatch(/^fib server \(threads\) listening on 127\.0\.0\.1:\d+ /);
    expect(stdout).toContain("fib server (threads) stopped by SIGINT");
    expect(code).toBe(0);
  });
});

describe("Version #2: a pool of worker processes (fib-server-processes.ts)", () => {
  const server = serverFor<ProcessesServer>(() => startProcessesServer({ procs: 2 }));
  protocolTests(server);

  it("computes in real child processes and counts what crossed the IPC channels", async () => {
    const { pids } = server();
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(pid).not.toBe(process.pid);
    const before = server().stats();
    const client = await LineClient.open(server().port, "c");
    for (let n = 0; n < 10; n++) expect(await client.ask(String(n))).toBe(String(fib(n)));
    expect(await client.ask("abc")).toBe(notANumber("abc")); // answered by the main process: no IPC
    client.destroy();
    const after = server().stats();
    expect(after.requests - before.requests).toBe(10);
    expect(after.messages - before.messages).toBe(20); // a request and its answer each
    expect(after.bytes - before.bytes).toBeGreaterThan(20 * 10); // every message is a JSON text of its own
    expect(after.roundTripMs - before.roundTripMs).toBeGreaterThanOrEqual(after.computeMs - before.computeMs);
  });

  it("stops its worker processes on close", async () => {
    const own = await startProcessesServer({ procs: 1 });
    const [pid] = own.pids;
    expect(pid).toBeGreaterThan(0);
    const client = await LineClient.open(own.port, "c");
    expect(await client.ask("5")).toBe("5");
    await own.close(); // resolves once the processes have exited
    expect(() => process.kill(pid as number, 0)).toThrow(/ESRCH/);
    await withDeadline(client.closed, "the server to drop the connection");
  });

  it("runs as a program: prints its port, answers, and exits 0 on SIGTERM with its IPC counts", async () => {
    const { code, stdout } = await runAsProgram("fib-server-processes.ts", "SIGTERM", ["--procs", "1"]);
    expect(stdout.split("\n")[0]).toMatch(/^fib server \(processes\) listening on 127\.0\.0\.1:\d+ \(1 worker process\)$/);
    expect(stdout).toMatch(/fib server \(processes\) stopped by SIGTERM: requests answered: 1, IPC messages: 2 \(\d+ bytes\)/);
    expect(code).toBe(0);
  });
});

describe("Version #3: our loop, large n in worker threads (fib-server.ts)", () => {
  const server = serverFor(() => startLoopFibServer());
  protocolTests(server);

  it("answers 20 small requests of one client while two others' fib(38) run in worker threads", async () => {
    // fib(38) is ~0.8 s of CPU on this kind of machine (and each thread has to start first);
    // 20 round trips through the loop take milliseconds, even with both cores busy.
    const arrivals: string[] = [];
    const heavy = await Promise.all(["heavy1", "heavy2"].map((name) => LineClient.open(server().port, name, arrivals)));
    const light = await LineClient.open(server().port, "light", arrivals);
    for (const client of [...heavy, light]) expect(await client.ask("1")).toBe("1");
    arrivals.length = 0;
    const heavyAnswers = heavy.map((client) => client.nextLine());
    await Promise.all(heavy.map((client) => client.send("38\n"))); // both requests are with the kernel
    for (let i = 0; i < 20; i++) expect(await light.ask("10")).toBe("55");
    expect(await Promise.all(heavyAnswers)).toEqual([String(fib(38)), String(fib(38))]);
    // By order of arrival: every small answer came before either large one.
    expect(arrivals.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => "light:55"));
    expect(arrivals.slice(20).sort()).toEqual(["heavy1:39088169", "heavy2:39088169"]);
    for (const client of [...heavy, light]) client.destroy();
  });

  it("with everything computed in the loop (inline-max 99), a large request blocks every other client", async () => {
    const blocking = await startLoopFibServer({ inlineMax: 99 });
    try {
      const arrivals: string[] = [];
      const heavy = await LineClient.open(blocking.port, "heavy", arrivals);
      const light = await LineClient.open(blocking.port, "light", arrivals);
      for (const client of [heavy, light]) expect(await client.ask("1")).toBe("1");
      arrivals.length = 0;
      const heavyAnswer = heavy.nextLine();
      await heavy.send("34\n");
      const lightAnswer = light.nextLine();
      await light.send("10\n");
      arrivals.push("light:(sent 10)");
      expect(await lightAnswer).toBe("55");
      expect(await heavyAnswer).toBe(String(fib(34)));
      // The small request was on its way before the large answer, yet it was answered after it.
      expect(arrivals).toEqual(["light:(sent 10)", `heavy:${fib(34)}`, "light:55"]);
      heavy.destroy();
      light.destroy();
    } finally {
      await blocking.close();
    }
  });
});
