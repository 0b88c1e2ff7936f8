"""Reference chat server on Python asyncio: a yardstick for `npm run bench`, not part of loopchat.

Standard library only (no uvloop), in the lecture's style: asyncio.start_server, and per client
a reader task, a writer task and an asyncio.Queue that broadcasts put into. The netcat protocol:

    first line = name  -> "* Welcome, <name>!\\n" to that client only
    every later line L -> "<name> L\\n" to every joined client, the sender included

JOIN_NOTICES=1 adds "* <name> joined\\n" / "* <name> left\\n" for the others. PORT (default 0)
and HOST (default 127.0.0.1) choose the address; prints "LISTENING <port>" when ready.

    python3 bench/server/ref_asyncio_server.py
"""

import asyncio
import os
import signal

MAX_LINE = 64 * 1024  # StreamReader limit: a longer line disconnects the client
MAX_PENDING = 8 * 1024 * 1024  # queued + in-flight output beyond which a slow reader is dropped
JOIN_NOTICES = os.environ.get("JOIN_NOTICES") == "1"


class Client:
    def __init__(self, name, writer):
        self.name = name
        self.writer = writer
        self.queue = asyncio.Queue()  # bytes to send; None = flush and close
        self.pending = 0  # bytes put in the queue and not yet drained
        self.writer_task = None


clients = set()  # joined clients
connections = set()  # every connection's StreamWriter, joined or not (for shutdown)


def broadcast(msg, exclude=None):
    # Lines stay bytes end to end: no decoding/encoding per client.
    size = len(msg)
    slow = None
    for client in clients:
        if client is not exclude:
            client.queue.put_nowait(msg)
            client.pending += size
            if client.pending > MAX_PENDING:
                slow = slow or []
                slow.append(client)
    for client in slow or ():  # not inside the loop: the set must not change while iterated
        drop(client)


def drop(client):
    clients.discard(client)
    client.writer_task.cancel()
    client.writer.transport.abort()  # the reader task sees EOF and cleans up


async def read_line(reader):
    """The next line without its "\\n" or "\\r\\n"; None at end of input (a partial line is dropped)."""
    line = await reader.readline()  # ValueError if longer than the limit
    if not line.endswith(b"\n"):
        return None
    return line[:-2] if line.endswith(b"\r\n") else line[:-1]


async def client_writer(client):
    """Writer task: sends everything queued in one write, then waits for the socket to drain."""
    queue, writer = client.queue, client.writer
    try:
        while True:
            batch = [await queue.get()]
            while not queue.empty():
                batch.append(queue.get_nowait())
            done = batch[-1] is None  # the sentinel is last: the client already left `clients`
            if done:
                batch.pop()
            if writer.transport.is_closing():
                break
            data = b"".join(batch)
            writer.write(data)
            await writer.drain()  # back-pressure: the queue, not the transport, absorbs a slow reader
            client.pending -= len(data)
            if done:
                break
    except OSError:  # ConnectionResetError, BrokenPipeError...: the peer is gone
        pass
    finally:
        writer.close()


async def handle_client(reader, writer):
    """Reader task (start_server runs each connection's callback in a task of its own)."""
    client = None
    connections.add(writer)
    try:
        name = await read_line(reader)
        if name is None:
            return
        client = Client(name, writer)
        client.queue.put_nowait(b"* Welcome, " + name + b"!\n")  # queued before any broadcast
        client.writer_task = asyncio.create_task(client_writer(client))
        if JOIN_NOTICES:
            broadcast(b"* " + name + b" joined\n")  # the joiner isn't in `clients` yet
        clients.add(client)
        prefix = b"<" + name + b"> "
        while (line := await read_line(reader)) is not None:
            broadcast(prefix + line + b"\n")
    except (OSError, ValueError):  # reset connection; line over the limit
        pass
    finally:
        connections.discard(writer)
        if client is None:
            writer.close()
        else:
            clients.discard(client)
            if JOIN_NOTICES:
                broadcast(b"* " + client.name + b" left\n")
            client.queue.put_nowait(None)  # the writer task flushes what is queued, then closes


async def main():
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "0") or 0)
    server = await asyncio.start_server(handle_client, host, port, limit=MAX_LINE, backlog=4096)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"LISTENING {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()
    await asyncio.sleep(0)  # connections accepted just now start their reader task
    clients.clear()  # so that the reader tasks ending now broadcast no "left" notices
    for writer in connections:
        writer.transport.abort()
    # Let every client task end by itself (EOF, reset) rather than be cancelled by asyncio.run:
    # Python 3.11 logs a traceback for each cancelled start_server callback task.
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        await asyncio.wait(others, timeout=5)


if __name__ == "__main__":
    asyncio.run(main())
