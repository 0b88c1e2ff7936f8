/**
 * Child of idle-cpu.ts: the reference, plain Node with no loop of ours. The same TCP server on
 * 127.0.0.1 and a 60 s timer re-armed forever. Prints "ready <port>" once listening.
 */
import net from "node:net";

const server = net.createServer((socket) => socket.end("hello from plain node\n"));
server.listen(0, "127.0.0.1", () => {
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`ready ${address.port}\n`);
});
const tick = (): void => void setTimeout(tick, 60_000);
tick();
