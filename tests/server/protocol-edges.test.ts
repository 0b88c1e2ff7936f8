import { request, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import type { InfoEvent, MessageEvent } from "../../shared/src/protocol/index.js";
import { renderText } from "../../server/src/netcat/text-codec.js";
import { ChatClient, withServer } from "./chat-client.js";
import { clientFrame, OP, RawWs } from "./raw-ws.js";
import { WsClient } from "./ws-client.js";

/** Small protocol faults (issue 15): WebSocket close frames, the HTTP port's manners, command edges. */

/** A close frame's payload: the code, big-endian. */
const NORMAL_CLOSURE = Buffer.from([0x03, 0xe8]);
/** Well under ws's 30 s close timeout, which is what the leave used to wait for. */
const BEFORE_CLOSE_TIMEOUT_MS = 15_000;

describe("a WebSocket member whose close frame arrives", () => {
  it("leaves at once, though it keeps TCP open: its name is free and /users no longer lists it", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const dana = await RawWs.join(s.server.wsPort, "dana", { halfOpen: true });
      await alice.waitFor(/dana joined/);
      const mark = alice.lines.length;

      // A last message and the close frame in one write: what came before the close is still said.
      dana.socket.write(Buffer.concat([clientFrame(OP.text, JSON.stringify({ type: "say", text: "bye" })), clientFrame(OP.close, NORMAL_CLOSURE)]));
      expect(await alice.waitFor(/dana left/, mark, BEFORE_CLOSE_TIMEOUT_MS)).toBe("* dana left (connection closed; 1 online)");
      expect(alice.lines.slice(mark, -1).map((l) => l.replace(/^\[\d\d:\d\d\] /, ""))).toEqual(["<dana> bye"]);
      await dana.until(() => dana.closeCode !== null, "the server's close frame", BEFORE_CLOSE_TIMEOUT_MS);
      expect(dana.closeCode).toBe(1000);
      expect(dana.closed).toBe(false); // we never hung up: the leave did not wait for us to

      alice.send("/users");
      expect(await alice.waitFor(/^\* Online/, mark)).toBe("* Online (1): alice");
      const dana2 = await WsClient.join(s.server.wsPort, "dana");
      expect(await alice.waitFor(/dana joined/, mark)).toBe("* dana joined (2 online)");
      dana.socket.destroy();
      dana2.close();
      alice.close();
    });
  });
});

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function http(port: number, method: string, path: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The raw bytes of a whole answer (the server closes after it): HEAD's "no body" seen on the wire. */
function rawAnswer(port: number, requestText: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(requestText));
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
}

describe("the HTTP port's manners", () => {
  it("/ws without an upgrade: 426 Upgrade Required, with Upgrade: websocket", async () => {
    await withServer({}, async (s) => {
      for (const method of ["GET", "POST"]) {
        const answer = await http(s.server.wsPort, method, "/ws");
        expect(answer.status).toBe(426);
        expect(answer.headers.upgrade).toBe("websocket");
      }
    });
  });

  it("/healthz, /metrics and /loop: 405 with Allow: GET, HEAD for other methods; HEAD gives the headers and no body", async () => {
    await withServer({}, async (s) => {
      const port = s.server.wsPort;
      for (const path of ["/healthz", "/metrics", "/loop"]) {
        for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
          const answer = await http(port, method, path);
          expect([path, method, answer.status, answer.headers.allow]).toEqual([path, method, 405, "GET, HEAD"]);
        }
        const get = await http(port, "GET", path);
        const head = await http(port, "HEAD", path);
        expect([path, head.status, head.headers["content-type"], head.body]).toEqual([path, 200, get.headers["content-type"], ""]);
        expect(Number(head.headers["content-length"])).toBeGreaterThan(0);

        const raw = await rawAnswer(port, `HEAD ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
        const [headers, rest] = raw.split("\r\n\r\n");
        expect(headers).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(headers).toMatch(/\r\ncontent-length: [1-9]\d*(\r\n|$)/i);
        expect([path, rest]).toEqual([path, ""]);
      }
      expect((await http(port, "GET", "/nope")).status).toBe(404);
    });
  });

  it("echoes no WebSocket subprotocol: the server speaks none of the client's", async () => {
    await withServer({}, async (s) => {
      const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
        const req = request({
          host: "127.0.0.1",
          port: s.server.wsPort,
          path: "/ws",
          agent: false,
          headers: {
            Connection: "Upgrade",
            Upgrade: "websocket",
            "Sec-WebSocket-Key": Buffer.from("protocol-edges!!").toString("base64"),
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Protocol": "chat, superchat",
          },
        });
        req.on("upgrade", (res, socket) => {
          socket.destroy();
          resolve(res.headers);
        });
        req.on("response", (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
        req.on("error", reject);
        req.end();
      });
      expect(headers.upgrade).toBe("websocket");
      expect(headers["sec-websocket-protocol"]).toBeUndefined();
    });
  });
});

describe("command edges", () => {
  it("/nick to one's own name is answered, on both transports; another case is a rename", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await WsClient.join(s.server.wsPort, "bob");
      await alice.waitFor(/bob joined/);
      const mark = alice.lines.length;

      alice.send("/nick alice");
      expect(await alice.waitFor(/already/, mark)).toBe("* you are already called alice");
      bob.send({ type: "nick", name: "bob" });
      expect(await bob.waitFor<InfoEvent>((e) => e.type === "info")).toEqual({ type: "info", text: "you are already called bob" });

      alice.send("/nick Alice");
      expect(await alice.waitFor(/known as/, mark)).toBe("* alice is now known as Alice");
      // The room keeps one order: a rename for either "/nick" to one's own name would have come first.
      await bob.waitFor((e) => e.type === "renamed" && e.to === "Alice");
      expect(bob.events.filter((e) => e.type === "renamed")).toMatchObject([{ from: "alice", to: "Alice" }]);
      expect(alice.lines.slice(mark)).toEqual(["* you are already called alice", "* alice is now known as Alice"]);
      alice.close();
      bob.close();
    });
  });

  it('a netcat line starting with "//" says the rest from the second "/" on', async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await WsClient.join(s.server.wsPort, "bob");
      alice.send("//shrug");
      expect(await bob.waitFor<MessageEvent>((e) => e.type === "message")).toMatchObject({ from: "alice", text: "/shrug" });
      expect(await alice.waitFor(/<alice>/)).toMatch(/^\[\d\d:\d\d\] <alice> \/shrug$/);
      alice.close();
      bob.close();
    });
  });

  it("a blank quit reason shows as a plain quit, on both transports", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const carol = await ChatClient.join(s.port, "carol");
      await alice.waitFor(/carol joined/);
      carol.send("/quit \u200b\u2800"); // invisible characters only
      expect(await alice.waitFor(/carol left/)).toBe("* carol left (quit; 1 online)");
      const dave = await WsClient.join(s.server.wsPort, "dave");
      await alice.waitFor(/dave joined/);
      dave.send({ type: "quit", reason: " \u200b " });
      expect(await alice.waitFor(/dave left/)).toBe("* dave left (quit; 1 online)");
      alice.close();
    });
  });

  it("a notice with an empty reason shows no empty part", () => {
    expect(renderText({ type: "left", name: "carol", reason: "", at: 0, online: 2 })).toEqual(["* carol left (2 online)"]);
    expect(renderText({ type: "shutdown", reason: "" })).toEqual(["* The server is shutting down"]);
  });
});
