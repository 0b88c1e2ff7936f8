/**
 * What the loop did recently, for an operator's live view (the server's `/loop`): steps and turns
 * per second and the slowest turn and step, over the last 5 to 10 seconds. Two 5-second windows
 * roll at turn ends and at reads, so an idle loop needs no timer to keep this current.
 */
const WINDOW_MS = 5_000;

interface Window {
  startedAt: number;
  steps: number;
  turns: number;
  slowestTurnMs: number;
  slowestStepMs: number;
  slowestStepTask: string;
}

export interface Activity {
  /** The span the figures cover. */
  seconds: number;
  steps: number;
  turns: number;
  stepsPerSecond: number;
  /** The longest turn: the longest socket and timer events waited behind our tasks. */
  slowestTurnMs: number;
  /** The slowest step among those timed (a sample; every step in debug mode), and whose. */
  slowestStepMs: number;
  slowestStepTask: string;
}

export class RecentActivity {
  private previous: Window | null = null;
  private current: Window;

  constructor(now: number) {
    this.current = fresh(now, 0, 0);
  }

  turnEnded(now: number, turnMs: number, steps: number, turns: number): void {
    this.roll(now, steps, turns);
    if (turnMs > this.current.slowestTurnMs) this.current.slowestTurnMs = turnMs;
  }

  stepTimed(ms: number, task: string): void {
    if (ms > this.current.slowestStepMs) {
      this.current.slowestStepMs = ms;
      this.current.slowestStepTask = task;
    }
  }

  read(now: number, steps: number, turns: number): Activity {
    this.roll(now, steps, turns);
    const since = this.previous ?? this.current;
    const seconds = Math.max(now - since.startedAt, 1) / 1000;
    const windows = this.previous === null ? [this.current] : [this.previous, this.current];
    const slowestStep = windows.reduce((a, b) => (b.slowestStepMs > a.slowestStepMs ? b : a));
    return {
      seconds: round(seconds),
      steps: steps - since.steps,
      turns: turns - since.turns,
      stepsPerSecond: Math.round((steps - since.steps) / seconds),
      slowestTurnMs: round(Math.max(...windows.map((w) => w.slowestTurnMs))),
      slowestStepMs: round(slowestStep.slowestStepMs),
      slowestStepTask: slowestStep.slowestStepTask,
    };
  }

  private roll(now: number, steps: number, turns: number): void {
    const age = now - this.current.startedAt;
    if (age < WINDOW_MS) return;
    // After a long idle spell the current window is stale too: nothing recent to keep.
    this.previous = age < 2 * WINDOW_MS ? this.current : null;
    this.current = fresh(now, steps, turns);
  }
}

function fresh(now: number, steps: number, turns: number): Window {
  return { startedAt: now, steps, turns, slowestTurnMs: 0, slowestStepMs: 0, slowestStepTask: "" };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
