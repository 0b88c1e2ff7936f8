/** The driver's side of the pair process (bench/attacks/pair.ts). */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../common/repo-root.js";
import type { FinalStats, PairReply, PairRequest, WindowStats } from "./pair.js";

export class Pair {
  private readonly replies: PairReply[] = [];
  private wake: (() => void) | null = null;
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: PairReply) => {
      this.replies.push(reply);
      this.wake?.();
    });
    child.once("exit", () => {
      this.exited = true;
      this.wake?.();
    });
  }

  /** Starts the pair on `port`; alice pings every `pingEveryMs`. */
  static async start(port: number, pingEveryMs: number): Promise<Pair> {
    const child = fork(fileURLToPath(new URL("./pair.ts", import.meta.url)), [String(port), String(pingEveryMs)], {
      cwd: repoRoot,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const pair = new Pair(child);
    const first = await pair.next(["ready", "failed"], 30_000);
    if (first.type === "failed") {
      pair.kill();
      throw new Error(`the pair could not join: ${first.error}`);
    }
    return pair;
  }

  async windowStart(): Promise<void> {
    this.request({ type: "window-start" });
    await this.next(["window-started"], 10_000);
  }

  async windowEnd(): Promise<WindowStats> {
    this.request({ type: "window-end" });
    const reply = await this.next(["window"], 30_000);
    if (reply.type !== "window") throw new Error("unexpected reply");
    return reply.stats;
  }

  async finish(): Promise<FinalStats> {
    this.request({ type: "finish" });
    const reply = await this.next(["final"], 30_000);
    if (reply.type !== "final") throw new Error("unexpected reply");
    return reply.stats;
  }

  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
  }

  private request(message: PairRequest): void {
    if (this.exited) throw new Error("the pair process has exited");
    this.child.send(message);
  }

  /** The next reply of one of `types` (others are skipped); rejects after `ms` or if the process exits. */
  private async next(types: PairReply["type"][], ms: number): Promise<PairReply> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.replies.findIndex((r) => types.includes(r.type));
      if (index >= 0) return this.replies.splice(index, 1)[0] as PairReply;
      if (this.exited) throw new Error(`the pair process exited while waiting for ${types.join("/")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the pair did not answer ${types.join("/")} within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}
