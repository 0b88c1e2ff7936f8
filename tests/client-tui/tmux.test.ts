/**
 * End to end: the real client in a real terminal (tmux), against a real ChatServer, with a
 * netcat user on the other side. Waits on the screen poll it (tmux announces no redraw), waits on
 * the netcat side wake on its lines; both against a generous deadline. Nothing sleeps a fixed time.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, startServer, type RunningServer } from "../server/chat-client.js";
import { eventually } from "../helpers/waiters.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** A tmux server of our own (its socket in a temporary folder), so that nothing here touches the user's sessions. */
const SOCKET_DIR = mkdtempSync(join(tmpdir(), "loopchat-tui-"));
const SOCKET = join(SOCKET_DIR, "tmux.sock");
const DEADLINE_MS = 25_000;

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-S", SOCKET, ...args], { encoding: "utf8" });
}

/**
 * Starts the client in a new 120x30 tmux session. After the client exits, the pane shows its
 * exit status and stays open: if the pane's last process exits at once, tmux may drop the final
 * output (the terminal reset and the status line) that is still in the pty.
 */
function startClient(session: string, url: string, name?: string): void {
  const args = ["--url", url, ...(name === undefined ? [] : ["--name", name])].join(" ");
  const command = `env TERM=xterm-256color NCURSES_NO_UTF8_ACS=1 CHAT_NAME= node --import tsx client-tui/src/main.ts ${args}; echo "client exited with status $?"; sleep 300`;
  tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "-c", ROOT, command);
}

function screen(session: string): string {
  return tmux("capture-pane", "-p", "-t", session);
}

/** Types `keys` literally (then presses Enter unless told otherwise). */
function typeLine(session: string, text: string, enter = true): void {
  tmux("send-keys", "-t", session, "-l", text);
  if (enter) tmux("send-keys", "-t", session, "Enter");
}

/** Waits until the screen matches `pattern`; returns the screen. (tmux tells nobody of a redraw: this polls.) */
async function screenShows(session: string, pattern: RegExp | string): Promise<string> {
  const test = (s: string): boolean => (typeof pattern === "string" ? s.includes(pattern) : pattern.test(s));
  let shown = "";
  await eventually(() => test((shown = screen(session))), `${String(pattern)} on screen`, { seen: () => `the screen:\n${shown}`, deadlineMs: DEADLINE_MS, everyMs: 50 });
  return shown;
}

function statusBar(s: string): string {
  return s.trimEnd().split("\n").at(-1) ?? "";
}

describe("the terminal client in tmux", () => {
  const servers: RunningServer[] = [];
  const clients: ChatClient[] = [];

  beforeAll(() => {
    tmux("start-server");
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    try {
      tmux("kill-server");
    } catch {
      // already gone
    }
    rmSync(SOCKET_DIR, { recursive: true, force: true });
    for (const s of servers) await s.stop().catch(() => {});
  });

  it("chats with a netcat user, shows renames and leaves, and survives a server restart", { timeout: 120_000 }, async () => {
    const first = await startServer({});
    servers.push(first);
    const tcpPort = first.port;
    const wsPort = first.server.wsPort;
    const url = `ws://127.0.0.1:${wsPort}/ws`;
    const session = "chat";
    startClient(session, url, "alice");
    let s = await screenShows(session, "Welcome, alice!");
    expect(statusBar(s)).toMatch(/connected │ ws:\/\/127\.0\.0\.1:\d+\/ws │ alice │ 1 online/);

    const bob = await ChatClient.join(tcpPort, "bob");
    clients.push(bob);
    s = await screenShows(session, "bob joined (2 online)");
    expect(s).toContain("Users (2)");

    // alice → bob, with Unicode typed in the terminal
    typeLine(session, "hello from the tui: ünïcödé 漢字 ok");
    await bob.waitFor(/<alice> hello from the tui: ünïcödé 漢字 ok$/);

    // bob → alice: braces and an escape are shown as text
    bob.send("hi alice, {bold}not bold{/bold}");
    s = await screenShows(session, "<bob> hi alice, {bold}not bold{/bold}");

    // commands from the input line
    typeLine(session, "/me waves");
    await bob.waitFor(/\* alice waves$/);
    bob.send("/nick robert");
    await screenShows(session, "bob is now known as robert");
    typeLine(session, "/msg rob", false);
    tmux("send-keys", "-t", session, "Tab");
    typeLine(session, "psst");
    await bob.waitFor(/\[private\] <alice> -> robert: psst$/);
    typeLine(session, "/help");
    await screenShows(session, "/msg NAME TEXT");
    bob.send("/quit");
    s = await screenShows(session, "robert left (quit; 1 online)");

    // the server goes away: the status bar says so, and what is typed is kept
    await first.stop();
    s = await screenShows(session, /✕ disconnected/);
    expect(s).toMatch(/── disconnected at \d\d:\d\d/);
    typeLine(session, "typed while the server was down");
    await screenShows(session, "will send after reconnecting: typed while the server was down");

    // a new server on the same ports: the client rejoins as alice and sends what was queued
    const second = await startServer({ tcpPort, wsPort });
    servers.push(second);
    s = await screenShows(session, /── reconnected as alice at/);
    await screenShows(session, "sent after reconnecting: typed while the server was down");
    await screenShows(session, "<alice> typed while the server was down");
    const carol = await ChatClient.join(second.port, "carol");
    clients.push(carol);
    carol.send("welcome back, alice");
    s = await screenShows(session, "<carol> welcome back, alice");
    expect(statusBar(s)).toMatch(/● connected │ .* │ alice │ 2 online/);
    typeLine(session, "thanks carol");
    await carol.waitFor(/<alice> thanks carol$/);

    // Ctrl-C leaves cleanly: the room sees alice quit, the process exits with 0
    tmux("send-keys", "-t", session, "C-c");
    await carol.waitFor(/\* alice left \(quit/);
    await screenShows(session, "client exited with status 0");
  });

  it("asks for a name when none is given, and again when it is taken", { timeout: 60_000 }, async () => {
    const server = await startServer({});
    servers.push(server);
    const dora = await ChatClient.join(server.port, "dora");
    clients.push(dora);
    const session = "naming";
    startClient(session, `ws://127.0.0.1:${server.server.wsPort}/ws`);
    await screenShows(session, "Type the name you want to chat under");
    expect(statusBar(screen(session))).toContain("choose a name");
    typeLine(session, "DORA");
    await screenShows(session, "the name DORA is taken. Type another name");
    typeLine(session, "ana");
    await screenShows(session, "Welcome, ana!");
    await dora.waitFor(/\* ana joined/);
    typeLine(session, "/quit");
    await dora.waitFor(/\* ana left/);
    await screenShows(session, "client exited with status 0");
  });
});
