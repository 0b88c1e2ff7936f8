/**
 * The loop's own metrics, as hooks: step and turn counters, how long steps and turns held the
 * thread (for `/metrics`), what it did recently (for `/loop`), and in debug mode a log line for
 * every step slower than a threshold.
 */
import { RecentActivity, type Activity } from "./activity.js";
import { DurationHistogram } from "./histogram.js";
import { NoHooks } from "./hooks.js";
import type { Task } from "./task.js";

/** Where the loop reports what it cannot throw anywhere (pino's logger fits). */
export interface LoopLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Counters the services read for health checks and metrics. */
export interface LoopStats {
  /** Coroutine resumptions. */
  steps: number;
  /** Steps that resumed a different task than the previous step. */
  switches: number;
  /** Turns of libuv that ran our scheduler. */
  turns: number;
  spawned: number;
  liveTasks: number;
  readyHighWater: number;
  /** Steps slower than the debug threshold (counted only in debug mode). */
  slowSteps: number;
}

export class LoopMetrics extends NoHooks {
  /**
   * How long steps held the thread (real time, whatever the clock), sampled: reading the clock
   * costs about 60 ns, a fifth of a whole step, so one step in 32 on average is timed (every step
   * in debug mode). The sample is spaced at random, so that a steady rhythm of tasks (ping-pong)
   * cannot alias with it; a step too slow to miss also shows in `turnTimes`.
   */
  readonly stepTimes = new DurationHistogram();
  /**
   * How long each turn held the thread: while a turn runs, libuv polls nothing, so this is the
   * lag our tasks add to every socket and timer event (the "loop lag" of a Node process).
   */
  readonly turnTimes = new DurationHistogram();
  private readonly recent = new RecentActivity(performance.now());
  private stepsUntilTimed = 1;
  /** When the step being timed began; -1 when this step is not timed. */
  private stepStartedAt = -1;
  private turnStartedAt = 0;
  /** Which task the previous step resumed (an id, so that an ended task is not kept alive). */
  private lastStepped = 0;

  constructor(
    private readonly stats: LoopStats,
    private readonly logger: LoopLogger,
    /** Time every step, and log those slower than `slowStepMs`. */
    private readonly debug: boolean,
    private readonly slowStepMs: number,
  ) {
    super();
  }

  override turnStarted(): void {
    this.stats.turns++;
    this.turnStartedAt = performance.now();
  }

  override turnEnded(): void {
    const endedAt = performance.now();
    const ms = endedAt - this.turnStartedAt;
    this.turnTimes.observe(ms);
    this.recent.turnEnded(endedAt, ms, this.stats.steps, this.stats.turns);
  }

  override stepStarted(task: Task<unknown>): void {
    const stats = this.stats;
    stats.steps++;
    if (task.id !== this.lastStepped) {
      stats.switches++;
      this.lastStepped = task.id;
    }
    this.stepStartedAt = this.debug || --this.stepsUntilTimed === 0 ? performance.now() : -1;
  }

  override stepEnded(task: Task<unknown>): void {
    if (this.stepStartedAt < 0) return;
    const ms = performance.now() - this.stepStartedAt;
    this.stepTimes.observe(ms);
    this.recent.stepTimed(ms, task.name);
    if (this.stepsUntilTimed <= 0) this.stepsUntilTimed = 16 + Math.floor(Math.random() * 32);
    if (this.debug && ms >= this.slowStepMs) {
      this.stats.slowSteps++;
      this.logger.warn(
        { task: task.name, taskId: task.id, ms: Math.round(ms * 10) / 10 },
        `slow step: task ${task} blocked the loop for ${ms.toFixed(1)} ms`,
      );
    }
  }

  /** Steps per second and the slowest turn and step of the last 5 to 10 seconds. */
  activity(): Activity {
    return this.recent.read(performance.now(), this.stats.steps, this.stats.turns);
  }
}
