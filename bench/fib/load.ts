/**
 * Closed-loop load: each client sends n, waits for the answer, sends again, until the window
 * ends. Every request sent inside the window is waited for (at most `timeoutMs`), so a slow
 * answer shows up in the latencies instead of being cut off at the window's end.
 */
import type { FibClient } from "./clients.js";

export class LoadRecord {
  /** When each answered request was sent and answered (performance.now() ms), in answer order per client. */
  readonly sentAt: number[] = [];
  readonly doneAt: number[] = [];
  wrong = 0;
  /** Requests that got no answer (timeout, closed connection), and the first reason. */
  failed = 0;
  firstFailure: string | null = null;

  latencies(): number[] {
    return this.sentAt.map((sent, i) => (this.doneAt[i] as number) - sent);
  }

  /** Answers that arrived in [from, to]. */
  answeredBetween(from: number, to: number): number {
    return this.doneAt.filter((t) => t >= from && t <= to).length;
  }

  get answered(): number {
    return this.doneAt.length;
  }
}

/** One client's closed loop; resolves once its last request is answered or has failed. */
export async function closedLoop(client: FibClient, n: number, endAt: number, timeoutMs: number, record: LoadRecord): Promise<void> {
  while (performance.now() < endAt) {
    try {
      const answer = await client.ask(n, timeoutMs);
      const now = performance.now();
      record.sentAt.push(now - answer.ms);
      record.doneAt.push(now);
      if (!answer.correct) record.wrong++;
    } catch (error) {
      record.failed++;
      record.firstFailure ??= error instanceof Error ? error.message : String(error);
      return; // a client whose answer is late or lost is out of step: it stops here
    }
  }
}

/** Every client asks n once, all at the same time; resolves with the time until the last answer (ms). */
export async function warmUp(clients: readonly FibClient[], n: number, timeoutMs: number): Promise<number> {
  const start = performance.now();
  await Promise.all(clients.map((client) => client.ask(n, timeoutMs)));
  return performance.now() - start;
}
