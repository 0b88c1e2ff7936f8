import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { browserUrl, isHttpLine, isTlsHello } from "../../server/src/netcat/wrong-protocol.js";
import { ChatClient, withServer } from "./chat-client.js";
import { WsClient } from "./ws-client.js";

/**
 * Other protocols on the netcat port (issue 15): a web page's form POST, a GET, header lines or a
 * TLS handshake get one line pointing to the HTTP port, and the connection is closed before any
 * of it reaches the room.
 */

const WELCOME = "* Welcome to loopchat, a chat room on a hand-made event loop.";

function notice(httpPort: number): string {
  return `! this is a chat server for netcat and telnet; in a browser, open http://127.0.0.1:${httpPort}/`;
}

/** Connects to the netcat port, sends `chunks` (one write each), and resolves with every line once the server has hung up. */
async function sendAndCollect(port: number, chunks: (string | Buffer)[]): Promise<string[]> {
  const client = await ChatClient.open(port);
  for (const chunk of chunks) client.socket.write(chunk);
  await client.until(() => client.closed, "the server to hang up");
  return client.lines;
}

function metrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/metrics", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A TLS 1.2 record header and the start of a ClientHello. */
const CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03, ...Array.from({ length: 32 }, (_, i) => i * 7)]);

describe("other protocols on the netcat port", () => {
  it("get one line and are closed; nobody in the room sees anything; real users still join; /metrics counts them", async () => {
    await withServer({}, async (s) => {
      const http = s.server.wsPort;
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await WsClient.join(http, "bob");
      await alice.waitFor(/bob joined/);
      const aliceMark = alice.lines.length;
      const bobMark = bob.events.length;

      // A web page's <form enctype="text/plain" method="post"> aimed at the chat port.
      const body = "mallory=x\r\nmallory\r\nhello from every visitor's browser\r\n";
      const post = `POST /submit HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      expect(await sendAndCollect(s.port, [post])).toEqual([WELCOME, "", notice(http)]);
      expect(await sendAndCollect(s.port, [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`])).toEqual([WELCOME, "", notice(http)]);
      expect(await sendAndCollect(s.port, ["PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"])).toEqual([WELCOME, "", notice(http)]);
      // Header lines without a request line (e.g. after one too long to be read as a line).
      expect(await sendAndCollect(s.port, ["Host: example.org\r\nmallory\r\n"])).toEqual([WELCOME, "", notice(http)]);
      const afterTry = await sendAndCollect(s.port, ["not a name!\r\nContent-Type: text/plain\r\nmallory\r\n"]);
      expect(afterTry[1]).toMatch(/^! only letters/);
      expect(afterTry.slice(2)).toEqual(["", notice(http)]);
      // A TLS ClientHello, whole or in pieces: seen in the first bytes, though it holds no line.
      expect(await sendAndCollect(s.port, [CLIENT_HELLO])).toEqual([WELCOME, "", notice(http)]);
      expect(await sendAndCollect(s.port, [CLIENT_HELLO.subarray(0, 1), CLIENT_HELLO.subarray(1, 2), CLIENT_HELLO.subarray(2)])).toEqual([WELCOME, "", notice(http)]);

      // A netcat user whose first try only looks a little like a header still gets to choose a name.
      const carol = await ChatClient.open(s.port);
      carol.send("carol:x");
      await carol.waitFor(/^! only letters/);
      carol.send("carol");
      await carol.waitFor(/^\* Welcome, carol!/);
      expect(await alice.waitFor(/carol joined/, aliceMark)).toBe("* carol joined (3 online)");
      await bob.waitFor((e) => e.type === "joined" && e.name === "carol", bobMark);
      expect(alice.lines.slice(aliceMark)).toEqual(["* carol joined (3 online)"]);
      expect(bob.events.slice(bobMark).map((e) => e.type)).toEqual(["joined"]);
      expect(s.server.room.users()).toEqual(["alice", "bob", "carol"]);

      expect(await metrics(http)).toContain('loopchat_refused_connections_total{reason="wrong-protocol"} 7\n');
      alice.close();
      bob.close();
      carol.close();
    });
  });
});

describe("telling protocols apart", () => {
  it("HTTP request lines and header lines; nothing a user types as a name or a word", () => {
    // "hi: there" too: no name holds ": ", so a user typing it before a name has no name to lose.
    for (const line of ["GET / HTTP/1.1", "POST /form?x=1 HTTP/1.0", "OPTIONS * HTTP/1.1", "PRI * HTTP/2.0", "CONNECT example.org:443 HTTP/1.1", "Host: x", "content-type: text/plain", "X-Forwarded-For: 10.0.0.1", "hi: there"]) {
      expect(isHttpLine(line), line).toBe(true);
    }
    for (const line of ["alice", "a:b", "Host:x", "get / HTTP/1.1", "GET / HTTP", "GET /", "note:", "x_y: z", " Host: x"]) {
      expect(isHttpLine(line), line).toBe(false);
    }
  });

  it("a TLS record header opening a handshake, SSL 3.0 to TLS 1.3", () => {
    expect(isTlsHello(Buffer.from([0x16, 0x03, 0x01]))).toBe(true);
    expect(isTlsHello(Buffer.from([0x16, 0x03, 0x04, 0x00]))).toBe(true);
    expect(isTlsHello(Buffer.from([0x16, 0x03, 0x05]))).toBe(false);
    expect(isTlsHello(Buffer.from([0x16, 0x03]))).toBe(false);
    expect(isTlsHello(Buffer.from("ali"))).toBe(false);
  });

  it("the browser's address: the one the client reached, IPv6 in brackets", () => {
    expect(browserUrl("127.0.0.1", 4001)).toBe("http://127.0.0.1:4001/");
    expect(browserUrl("::1", 4001)).toBe("http://[::1]:4001/");
    expect(browserUrl("::ffff:192.0.2.7", 4001)).toBe("http://192.0.2.7:4001/");
    expect(browserUrl("fe80::1%eth0", 4001)).toBe("http://[fe80::1%25eth0]:4001/");
  });
});
