import { Cancelled, timeout, type Connection, type Operation } from "../../../shared/src/loop/index.js";
import type { SessionCounter } from "../session/limits.js";
import type { SessionLog } from "../session/log.js";
import type { InputLine, NetcatInput } from "./input.js";

/*
 * Clients of another protocol on the netcat port, told apart before they choose a name. Any web
 * page can make its visitors' browsers POST a text/plain form to any host and port; to a line
 * server, the header lines would be name attempts and the body a user who joins and talks, so
 * every visitor would become a client (a cross-protocol attack). IRC servers (ergo, solanum)
 * refuse such lines before registration for the same reason. No valid name holds a space or
 * ": ", so no real user is turned away.
 */

export type ForeignProtocol = "http" | "tls";

/** "POST /form HTTP/1.1", and HTTP/2's preface "PRI * HTTP/2.0". */
const REQUEST_LINE = /^(?:GET|POST|PUT|HEAD|OPTIONS|DELETE|PATCH|CONNECT|TRACE|PRI) \S+ HTTP\/\d(?:\.\d)?$/;
/** "Content-Type: text/plain": a token of letters, digits and "-", then ": ". */
const HEADER_LINE = /^[A-Za-z0-9-]+: /;

/** An HTTP request line or header line, as typed before a name. */
export function isHttpLine(line: string): boolean {
  return REQUEST_LINE.test(line) || HEADER_LINE.test(line);
}

/** A TLS record header opening a ClientHello: handshake (0x16), version 3.0 to 3.4 (SSL 3 to TLS 1.3). */
export function isTlsHello(head: Buffer): boolean {
  return head.length >= 3 && head[0] === 0x16 && head[1] === 0x03 && head[2]! <= 0x04;
}

/** Where a browser should go instead: the address the client reached, and the HTTP port. */
export function browserUrl(localAddress: string | undefined, httpPort: number): string {
  // An IPv4 client of a dual-stack listener sees its plain IPv4 address, not "::ffff:1.2.3.4".
  const address = (localAddress ?? "localhost").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  // IPv6 goes in brackets, and a zone's "%" is written "%25" (RFC 6874).
  const host = address.includes(":") ? `[${address.replace("%", "%25")}]` : address;
  return `http://${host}:${httpPort}/`;
}

/** The one line such a client gets, as an error line of the netcat protocol ("! ..."). */
export function wrongProtocolLine(localAddress: string | undefined, httpPort: number): string {
  return `! this is a chat server for netcat and telnet; in a browser, open ${browserUrl(localAddress, httpPort)}\r\n`;
}

/** The stream's first bytes, kept until there are enough to tell a TLS ClientHello. */
const TLS_HEAD_BYTES = 3;

/**
 * The name step's reader: the next line, as `NetcatInput.next` gives it, or the protocol of a
 * client that speaks another one. Looks at the stream's first bytes before telnet filtering and
 * line splitting (a ClientHello holds no line), and at every line.
 */
export class ProtocolSniffer {
  /** The stream's first bytes while they are too few to decide; null once decided. */
  private head: Buffer | null = Buffer.alloc(0);

  constructor(private readonly input: NetcatInput) {}

  *next(): Operation<InputLine | ForeignProtocol | null> {
    for (;;) {
      const line = this.input.take();
      if (line !== undefined) return line !== null && "text" in line && isHttpLine(line.text) ? "http" : line;
      const chunk = yield* this.input.reader.read();
      if (chunk !== null && this.opensTls(chunk)) return "tls";
      this.input.feed(chunk);
    }
  }

  private opensTls(chunk: Buffer): boolean {
    if (this.head === null) return false;
    const head = Buffer.concat([this.head, chunk.subarray(0, TLS_HEAD_BYTES - this.head.length)]);
    this.head = head.length < TLS_HEAD_BYTES ? head : null;
    return isTlsHello(head);
  }
}

/** How long a turned-away client may take to hang up before its socket is closed under it. */
const LINGER_MS = 1_000;

/** What turning a client away needs besides its connection. */
export interface TurnAway {
  /** The server's HTTP port, for the address in the line. */
  httpPort: number;
  log: SessionLog;
  /** Counts the refusal (reason "wrong-protocol", in /metrics). */
  sessions: SessionCounter;
}

/**
 * Tells a client of another protocol where to go, once, then hangs up. What it still sends is
 * read and dropped until it hangs up too (briefly): closing a socket with unread bytes resets the
 * connection, and the reset may destroy the line before the client has read it.
 */
export function* turnAway(connection: Connection, protocol: ForeignProtocol, { httpPort, log, sessions }: TurnAway): Operation<void> {
  log.info({ protocol }, "refused: wrong protocol");
  sessions.turnedAway("wrong-protocol");
  try {
    yield* connection.writer.write("\r\n" + wrongProtocolLine(connection.socket.localAddress, httpPort)); // "\r\n": the prompt has none
    yield* connection.writer.end();
    yield* timeout(LINGER_MS, discardUntilEof(connection));
  } catch (error) {
    if (error instanceof Cancelled) throw error; // the session itself is cancelled (shutdown)
    // it did not hang up in time, or already had (a TLS client gives up on our first line): it is closed either way
  }
}

function* discardUntilEof(connection: Connection): Operation<void> {
  while ((yield* connection.reader.read()) !== null);
}
