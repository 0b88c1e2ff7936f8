/**
 * Reference chat server on plain Node `net`: a yardstick for `npm run bench`, not part of loopchat.
 * It is meant to be the fastest straightforward server one would write with net.createServer
 * callbacks (no framework, not our loop), speaking the simplest netcat protocol:
 *
 *   first line = name  -> "* Welcome, <name>!\n" to that client only
 *   every later line L -> "<name> L\n" to every joined client, the sender included
 *
 * JOIN_NOTICES=1 adds "* <name> joined\n" / "* <name> left\n" for the others. PORT (default 0)
 * and HOST (default 127.0.0.1) choose the address; "LISTENING <port>\n" on stdout when ready.
 *
 *   node dist/bench/server/ref-node-server.js   or   npx tsx bench/server/ref-node-server.ts
 */
import net from "node:net";

const MAX_LINE = 64 * 1024; // longer line: disconnect (measured in UTF-16 units, = bytes for ASCII)
const MAX_PENDING = 8 * 1024 * 1024; // output a slow reader may leave unsent before it is dropped
const JOIN_NOTICES = process.env["JOIN_NOTICES"] === "1";

interface Client {
  socket: net.Socket;
  name: string | null; // null until the first line
  rest: string; // the incomplete line after the last "\n" received
}

/** Joined clients; a Set so that leaving is O(1) with 10,000 of them. */
const joined = new Set<Client>();

/**
 * Lines for everyone, gathered during one event-loop iteration and written in the next
 * (setImmediate): one write per client per iteration, however many chunks arrived. Without
 * this, every small incoming chunk costs a syscall per client, and under load the clients
 * drown in tiny reads; loopchat's writers batch the same way.
 */
let pending = "";

function broadcast(text: string): void {
  if (pending === "") setImmediate(flush);
  pending += text;
}

function flush(): void {
  const text = pending;
  pending = "";
  if (text !== "") writeToAll(text);
}

/** One write per client: the text is encoded once and the same Buffer is shared by all sockets. */
function writeToAll(text: string): void {
  const data = Buffer.from(text, "utf8");
  for (const client of joined) {
    client.socket.write(data);
    if (client.socket.writableLength > MAX_PENDING) drop(client); // deleting while iterating a Set is safe
  }
}

/** Idempotent; removes at once so that no later write goes to a dead socket. */
function leave(client: Client): void {
  joined.delete(client);
}

function drop(client: Client): void {
  leave(client);
  client.socket.destroy();
}

function onConnection(socket: net.Socket): void {
  socket.setNoDelay(true); // chat lines are small: don't let Nagle hold them back
  socket.setEncoding("utf8"); // a StringDecoder: multi-byte characters split across chunks stay whole
  const client: Client = { socket, name: null, rest: "" };

  socket.on("data", (chunk: string) => {
    const text = client.rest + chunk;
    let out = ""; // every complete line of this chunk, so each peer gets one write per chunk
    let start = 0;
    let tooLong = false;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl; // strip "\r"
      if (end - start > MAX_LINE) {
        tooLong = true;
        break;
      }
      const line = text.slice(start, end);
      start = nl + 1;
      if (client.name !== null) {
        out += `<${client.name}> ${line}\n`;
      } else {
        client.name = line;
        flush(); // what was said before the join goes to those who were there
        socket.write(`* Welcome, ${line}!\n`); // before anything broadcast to it
        if (JOIN_NOTICES) writeToAll(`* ${line} joined\n`); // the joiner isn't in `joined` yet
        joined.add(client);
      }
    }
    client.rest = tooLong ? "" : text.slice(start);
    if (out !== "") broadcast(out); // the complete lines before an overlong one still count
    if (tooLong || client.rest.length > MAX_LINE) drop(client);
  });
  // Half-close from the peer: Node ends our side after the pending output (allowHalfOpen is false),
  // so stop writing to it now; a write after end() would be an error.
  socket.on("end", () => leave(client));
  socket.on("error", () => leave(client)); // ECONNRESET, EPIPE...: 'close' follows
  socket.on("close", () => {
    leave(client);
    // Never called from inside broadcast(), so every client sees the notice in the same place.
    if (JOIN_NOTICES && client.name !== null) broadcast(`* ${client.name} left\n`);
  });
}

const server = net.createServer(onConnection);
let listening = false;
server.on("error", (error: NodeJS.ErrnoException) => {
  if (!listening) throw error; // e.g. EADDRINUSE: fail loudly
  console.error(`accept: ${error.code ?? error.message}`); // e.g. EMFILE: keep serving the others
});
server.listen({ port: Number(process.env["PORT"] ?? 0), host: process.env["HOST"] ?? "127.0.0.1", backlog: 4096 }, () => {
  listening = true;
  const address = server.address();
  const port = address !== null && typeof address === "object" ? address.port : 0;
  process.stdout.write(`LISTENING ${port}\n`);
});

function shutdown(): void {
  server.close();
  process.exit(0); // open client sockets die with the process
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
