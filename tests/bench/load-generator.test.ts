import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Histogram } from "../../bench/server/histogram.js";
import { LoadGenerator } from "../../bench/server/load.js";
import { startServer, type RunningServer } from "../../bench/server/servers.js";

describe("the benchmark's latency histogram", () => {
  it("gives quantiles within its ~6 % bucket width, and merges", () => {
    const h = new Histogram();
    for (let us = 1; us <= 100_000; us++) h.record(us);
    for (const p of [0.5, 0.9, 0.99]) {
      expect(h.quantile(p)).toBeGreaterThanOrEqual(p * 100_000);
      expect(h.quantile(p)).toBeLessThanOrEqual(p * 100_000 * 1.07);
    }
    const other = new Histogram();
    other.record(5_000_000);
    h.merge(other.counts, other.max);
    expect(h.count).toBe(100_001);
    expect(h.max).toBe(5_000_000);
    expect(h.quantile(1)).toBe(5_000_000);
  });
});

/**
 * A broken chat server for the checks that must catch one: it welcomes, then broadcasts lines
 * in swapped pairs (`swap`) or drops every fifth line (`drop`).
 */
function brokenServer(fault: "swap" | "drop"): Promise<{ port: number; server: Server }> {
  const clients = new Set<Socket>();
  let held: string | null = null;
  let count = 0;
  const server = createServer((socket) => {
    let rest = "";
    let named = false;
    socket.on("error", () => clients.delete(socket));
    socket.on("close", () => clients.delete(socket));
    socket.on("data", (chunk) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (!named) {
          named = true;
          clients.add(socket);
          socket.write(`* Welcome, ${line}!\n`);
          continue;
        }
        let out: string[] = [line];
        if (fault === "drop") out = ++count % 5 === 0 ? [] : [line];
        else if (held === null) [held, out] = [line, []];
        else [out, held] = [[line, held], null];
        for (const c of clients) for (const l of out) c.write(`<x> ${l}\n`);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as { port: number }).port, server })));
}

describe("the load generator (npm run bench)", () => {
  let load: LoadGenerator | null = null;
  let server: RunningServer | null = null;
  afterEach(async () => {
    await load?.close();
    await server?.stop();
    load = null;
    server = null;
  });

  for (const kind of ["loopchat", "node"] as const) {
    it(`counts every delivery from ${kind}, in order, with a latency for each`, async () => {
      server = await startServer(kind, { core: null, joinNotices: false });
      load = LoadGenerator.start(2, null);
      const connected = await load.connect(server.host, server.port, 20);
      expect(connected).toMatchObject({ joined: 20, errors: 0 });
      await load.reset();
      const sent = await load.send([0, 13], 100, 300);
      expect(sent.sent).toBe(60);
      const totals = await load.until((t) => t.received >= 60 * 20, 20_000);
      expect(totals).toMatchObject({ received: 1_200, outOfOrder: 0, gaps: 0, dropped: 0 });
      expect(totals.latency.count).toBe(1_200);
    });
  }

  it("counts join notices when the server sends them", async () => {
    server = await startServer("node", { core: null, joinNotices: true });
    load = LoadGenerator.start(1, null);
    await load.connect(server.host, server.port, 10, { concurrency: 1 });
    const totals = await load.until((t) => t.notices >= 45, 20_000);
    expect(totals.notices).toBe(45); // 9 + 8 + … + 1: each client hears of those who came after it
  });

  it("reports lines that arrive out of order, and lines that never arrive", async () => {
    for (const fault of ["swap", "drop"] as const) {
      const broken = await brokenServer(fault);
      load = LoadGenerator.start(1, null);
      try {
        await load.connect("127.0.0.1", broken.port, 3);
        await load.reset();
        await load.send([0], 100, 200); // 20 lines from one sender
        const totals = await load.until((t) => t.received >= (fault === "drop" ? 16 : 20) * 3, 20_000);
        if (fault === "swap") expect(totals).toMatchObject({ received: 60, outOfOrder: 30 });
        else expect(totals).toMatchObject({ received: 48, outOfOrder: 0, gaps: 9 }); // the last drop has no successor to reveal it
      } finally {
        await load.close();
        load = null;
        broken.server.close();
      }
    }
  });
});
