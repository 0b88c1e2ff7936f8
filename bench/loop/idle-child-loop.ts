/**
 * Child of idle-cpu.ts: our loop kept idle. A TCP server on 127.0.0.1 (held with `loop.host.addWaker()` so
 * that the deadlock detector knows a socket may still wake a task), one task parked forever on
 * `Queue.get` (it answers each connection the server hands it) and one task sleeping 60 s at a time.
 * Prints "ready <port>" once listening, then should use no CPU at all.
 */
import net from "node:net";
import { Loop, Queue, sleep, spawn, type Operation } from "../../shared/src/loop/index.js";

function* answerer(connections: Queue<net.Socket>): Operation<void> {
  for (;;) {
    const socket = yield* connections.get();
    socket.end("hello from our loop\n");
  }
}

function* sleeper(): Operation<void> {
  for (;;) yield* sleep(60_000);
}

function* main(loop: Loop): Operation<void> {
  const connections = new Queue<net.Socket>();
  const server = net.createServer((socket) => connections.tryPut(socket));
  const release = loop.host.addWaker();
  server.on("close", release);
  server.listen(0, "127.0.0.1", () => {
    const address = server.address() as net.AddressInfo;
    process.stdout.write(`ready ${address.port}\n`);
  });
  const tasks = [spawn(answerer(connections), { name: "answerer" }), spawn(sleeper(), { name: "sleeper" })];
  for (const task of tasks) yield* task.join();
}

const loop = new Loop();
await loop.run(main(loop), { name: "idle-main" });
