/**
 * The client's tasks on the loop, against a real server, with a recording view instead of a
 * terminal: keys go in through the `ui` Queue (as blessed's callbacks put them), and the state
 * is what the view would draw.
 */
import { afterAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { Loop } from "../../shared/src/loop/index.js";
import { TuiClient, type View } from "../../client-tui/src/client.js";
import type { ChatState } from "../../client-tui/src/state.js";
import { ChatClient, startServer, type RunningServer } from "../server/chat-client.js";
import { Waiters } from "../helpers/waiters.js";

/**
 * Counts renders, and wakes the test's waits on each one: the client redraws after every change
 * of its state, so a wait on the state is a wait for a render. Other events (what a stub server
 * receives) call `changes.notify()` too.
 */
class RecordingView implements View {
  renders = 0;
  readonly changes = new Waiters(() => this.seen());
  private last: ChatState | null = null;

  render(state: ChatState): { scrollMax: number; pageRows: number } {
    this.renders++;
    this.last = state;
    this.changes.notify();
    return { scrollMax: 0, pageRows: 10 };
  }

  /** Waits until `condition` holds, re-checking after each render (or `changes.notify()`). */
  until(what: string, condition: () => boolean): Promise<void> {
    return this.changes.until(condition, what);
  }

  private seen(): string {
    const state = this.last;
    if (state === null) return "(nothing rendered)";
    return JSON.stringify({ status: state.status, connected: state.connected, outbox: state.outbox, lines: state.lines.map((l) => `${l.kind}: ${l.text}`) }, null, 1);
  }
}

function typeLine(client: TuiClient, text: string): void {
  for (const ch of text.split("")) client.ui.tryPut({ type: "key", key: { ch } });
  client.ui.tryPut({ type: "key", key: { name: "return", ch: "\r" } });
}

describe("TuiClient on the loop", () => {
  const servers: RunningServer[] = [];
  const netcats: ChatClient[] = [];
  afterAll(async () => {
    for (const n of netcats) n.close();
    for (const s of servers) await s.stop().catch(() => {});
  });

  it("sends, receives, keeps what is typed offline, reconnects under the same name, and quits", async () => {
    const first = await startServer({});
    servers.push(first);
    const { port: tcpPort } = first;
    const wsPort = first.server.wsPort;
    const view = new RecordingView();
    const client = new TuiClient({ url: `ws://127.0.0.1:${wsPort}/ws`, name: "alice", backoff: { baseMs: 50, capMs: 200 } }, view);
    const state = client.state;
    const done = new Loop().run(client.run());
    await view.until("the welcome", () => state.connected);
    const bob = await ChatClient.join(tcpPort, "bob");
    netcats.push(bob);
    typeLine(client, "héllo 👋");
    await bob.waitFor(/<alice> héllo 👋$/);
    bob.send("hi there alice");
    await view.until("bob's line", () => state.lines.some((l) => l.kind === "chat" && l.text === "hi there alice" && l.highlight === true));
    expect(state.members.sort()).toEqual(["alice", "bob"]);

    await first.stop();
    await view.until("the disconnect", () => state.status.state === "disconnected");
    typeLine(client, "said while offline");
    await view.until("the line to be queued", () => state.outbox.length === 1 && state.lines.at(-1)?.kind === "pending");
    const second = await startServer({ tcpPort, wsPort });
    servers.push(second);
    await view.until("the rejoin", () => state.connected && state.lines.some((l) => l.kind === "chat" && l.mine === true && l.text === "said while offline"));
    expect(state.me).toBe("alice");
    expect(state.lines.filter((l) => l.kind === "gap").map((l) => l.text)).toEqual([
      expect.stringMatching(/^the server is shutting down/),
      expect.stringMatching(/^── disconnected at/),
      expect.stringMatching(/^── reconnected as alice/),
    ]);
    const carol = await ChatClient.join(second.port, "carol");
    netcats.push(carol);
    client.ui.tryPut({ type: "quit", reason: "bye all" });
    await done;
    await carol.waitFor(/\* alice left \(quit: bye all/);
    expect(view.renders).toBeGreaterThan(3);
  });

  it("resends, exactly once, a line written into a dead connection before anyone noticed", async () => {
    // A server that welcomes alice and then swallows everything (a connection already dead).
    const stub = new WebSocketServer({ host: "127.0.0.1", port: 0, autoPong: false });
    await new Promise((resolve) => stub.once("listening", resolve));
    const view = new RecordingView();
    const swallowed: string[] = [];
    stub.on("connection", (socket) => {
      let welcomed = false;
      socket.on("message", (data) => {
        if (welcomed) {
          swallowed.push(String(data));
          view.changes.notify();
          return;
        }
        welcomed = true;
        const limits = { maxLineBytes: 1024, linesPerSecond: 5, burst: 10, maxNameLength: 24 };
        socket.send(JSON.stringify({ type: "welcome", protocol: 1, name: "alice", users: ["alice"], history: [], limits }));
      });
    });
    const wsPort = (stub.address() as { port: number }).port;
    const client = new TuiClient({ url: `ws://127.0.0.1:${wsPort}/ws`, name: "alice", backoff: { baseMs: 50, capMs: 200 } }, view);
    const state = client.state;
    const done = new Loop().run(client.run());
    let stubClosed = false;
    try {
      await view.until("the stub's welcome", () => state.connected);
      typeLine(client, "into the void");
      await view.until("the line to reach the dead connection", () => swallowed.some((raw) => raw.includes("into the void")));
      expect(state.awaiting).toHaveLength(1); // shown as nothing yet: no echo
      // The connection is finally noticed as gone; the real server comes up on the same port.
      for (const c of stub.clients) c.terminate();
      await new Promise((resolve) => stub.close(resolve));
      stubClosed = true;
      await view.until("the disconnect", () => state.status.state === "disconnected");
      expect(state.lines.some((l) => l.kind === "pending" && l.text === "not confirmed; will send after reconnecting: into the void")).toBe(true);
      const server = await startServer({ wsPort });
      servers.push(server);
      await view.until("the rejoin", () => state.connected);
      typeLine(client, "marker");
      await view.until("the marker's echo", () => state.lines.some((l) => l.kind === "chat" && l.mine === true && l.text === "marker"));
      const mine = state.lines.filter((l) => l.kind === "chat" && l.mine === true).map((l) => l.text);
      expect(mine).toEqual(["into the void", "marker"]);
      expect(state.awaiting).toEqual([]);
      expect(state.outbox).toEqual([]);
      expect(state.lines.some((l) => l.text === "sent after reconnecting: into the void")).toBe(true);
    } finally {
      client.ui.tryPut({ type: "quit" });
      await done;
      if (!stubClosed) {
        for (const c of stub.clients) c.terminate();
        await new Promise((resolve) => stub.close(resolve));
      }
    }
    expect(client.unsent).toEqual([]);
  });

  it("lists what was never sent when the user quits while offline", async () => {
    const view = new RecordingView();
    const client = new TuiClient({ url: "ws://127.0.0.1:1/ws", name: "alice", backoff: { baseMs: 50, capMs: 200 } }, view);
    const done = new Loop().run(client.run());
    await view.until("the failed connect", () => client.state.status.state === "disconnected");
    typeLine(client, "nobody hears this");
    await view.until("the line to be queued", () => client.state.outbox.length === 1);
    client.ui.tryPut({ type: "quit" });
    await done;
    expect(client.unsent).toEqual(["nobody hears this"]);
    expect(client.state.lines.at(-1)).toMatchObject({ kind: "error", text: "not sent: nobody hears this" });
  });

  it("drops a connection whose server no longer answers pings, and reconnects", async () => {
    // A server that welcomes everyone and never answers a ping (as behind a dead network).
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, autoPong: false });
    await new Promise((resolve) => wss.once("listening", resolve));
    const view = new RecordingView();
    let joins = 0;
    wss.on("connection", (socket) => {
      socket.on("message", () => {
        joins++;
        view.changes.notify();
        const limits = { maxLineBytes: 1024, linesPerSecond: 5, burst: 10, maxNameLength: 24 };
        socket.send(JSON.stringify({ type: "welcome", protocol: 1, name: "alice", users: ["alice"], history: [], limits }));
      });
    });
    const port = (wss.address() as { port: number }).port;
    const client = new TuiClient({ url: `ws://127.0.0.1:${port}/ws`, name: "alice", keepaliveMs: 100, backoff: { baseMs: 20, capMs: 50 } }, view);
    const done = new Loop().run(client.run());
    try {
      await view.until("the silent server to be noticed and rejoined", () => joins >= 2);
      expect(client.state.lines.some((l) => l.kind === "gap" && /disconnected at .*connection lost/.test(l.text))).toBe(true);
    } finally {
      client.ui.tryPut({ type: "quit" });
      await done;
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
