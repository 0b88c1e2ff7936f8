import type { Socket } from "node:net";
import { LineClient as Lines, openSocket } from "../../bench/common/line-client.js";

/** How long any single expected event may take on a loaded shared machine before we call it lost. */
export const DEADLINE_MS = 20_000;

/**
 * A test client of the Fibonacci servers (plain Node): LF lines, each read once and in order by
 * `nextLine`. Lines of all clients sharing `arrivals` are logged there in order.
 */
export class LineClient {
  private read = 0;
  readonly closed: Promise<void>;

  private constructor(
    private readonly lines: Lines,
    readonly name: string,
    readonly arrivals: string[],
  ) {
    lines.onLine = (line) => arrivals.push(`${name}:${line}`);
    this.closed = new Promise((resolve) => lines.socket.once("close", () => resolve()));
  }

  static async open(port: number, name: string, arrivals: string[] = []): Promise<LineClient> {
    return new LineClient(new Lines(await openSocket(port), { eol: "\n", stripPrompt: false }), name, arrivals);
  }

  get socket(): Socket {
    return this.lines.socket;
  }

  /** Writes `text` as is; resolves when the kernel has it. */
  send(text: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(text, (error) => (error ? reject(error) : resolve())));
  }

  ask(line: string): Promise<string> {
    void this.send(line + "\n");
    return this.nextLine();
  }

  async nextLine(): Promise<string> {
    const index = this.read++;
    if (index >= this.lines.lines.length && this.lines.closed) throw new Error(`${this.name}: the connection is closed`);
    await this.lines.until(() => index < this.lines.lines.length || this.lines.closed, `${this.name}'s next line`, DEADLINE_MS);
    const line = this.lines.lines[index];
    if (line === undefined) throw new Error(`${this.name}: the server closed the connection`);
    return line;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
