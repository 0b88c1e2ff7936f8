import { connect as netConnect, type Socket } from "node:net";

/** How long any single expected event may take on a loaded shared machine before we call it lost. */
export const DEADLINE_MS = 20_000;

/** A line-oriented test client (plain Node). Lines of all clients sharing `arrivals` are logged there in order. */
export class LineClient {
  private buffer = "";
  private readonly lines: string[] = [];
  private readonly waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: Socket,
    readonly name: string,
    readonly arrivals: string[],
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      for (let i = this.buffer.indexOf("\n"); i >= 0; i = this.buffer.indexOf("\n")) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.arrivals.push(`${name}:${line}`);
        const next = this.waiting.shift();
        if (next) next.resolve(line);
        else this.lines.push(line);
      }
    });
    socket.on("error", () => {}); // "close" follows
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.ended = true;
        for (const w of this.waiting.splice(0)) w.reject(new Error(`${name}: the server closed the connection`));
        resolve();
      }),
    );
  }

  static open(port: number, name: string, arrivals: string[] = []): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: "127.0.0.1", port }, () => resolve(new LineClient(socket, name, arrivals)));
      socket.once("error", reject);
    });
  }

  /** Writes `text` as is; resolves when the kernel has it. */
  send(text: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(text, (error) => (error ? reject(error) : resolve())));
  }

  ask(line: string): Promise<string> {
    void this.send(line + "\n");
    return this.nextLine();
  }

  nextLine(): Promise<string> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.ended) return Promise.reject(new Error(`${this.name}: the connection is closed`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no answer within ${DEADLINE_MS} ms`)), DEADLINE_MS);
      this.waiting.push({
        resolve: (line) => (clearTimeout(timer), resolve(line)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
