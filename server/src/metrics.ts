import type { DurationHistogram } from "../../shared/src/loop/index.js";

/**
 * `GET /metrics` in the Prometheus text format (version 0.0.4): what an operator graphs and
 * alerts on. Rendering is a pure function of a sample, so it is tested without a server.
 */

export interface MetricsSample {
  members: number;
  connections: { tcp: number; ws: number };
  /** Connections refused at the door, by error code. */
  refused: ReadonlyMap<string, number>;
  /** Messages and actions accepted into the room. */
  messagesIn: number;
  /** Events handed to members' outboxes (one per member per event). */
  deliveries: number;
  /** Members disconnected by the server, by reason ("too slow", "flooding"). */
  drops: ReadonlyMap<string, number>;
  /** The most lines any outbox has held at once. */
  outboxHighWater: number;
  /** Per-address rate: lines that waited for their address's turn, addresses remembered. */
  address: { linesDelayed: number; tracked: number };
  loop: { steps: number; turns: number; spawned: number; liveTasks: number; readyHighWater: number; slowSteps: number };
  /** How long the loop's steps and turns held the thread. */
  stepTimes: DurationHistogram;
  turnTimes: DurationHistogram;
  /** process.memoryUsage(), in bytes. */
  memory: { rss: number; heapUsed: number };
}

type Kind = "gauge" | "counter";

function metric(name: string, kind: Kind, help: string, values: [labels: string, value: number][]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`];
  for (const [labels, value] of values) lines.push(`${name}${labels} ${value}`);
  return lines.join("\n");
}

/** A histogram in seconds: cumulative `_bucket`s up to `le="+Inf"`, then `_sum` and `_count`. */
function histogram(name: string, help: string, h: DurationHistogram): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const [boundMs, n] of h.cumulative()) lines.push(`${name}_bucket{le="${boundMs === Infinity ? "+Inf" : boundMs / 1000}"} ${n}`);
  lines.push(`${name}_sum ${h.sumMs / 1000}`, `${name}_count ${h.count}`);
  return lines.join("\n");
}

/** Label values are quoted, with backslash, quote and newline escaped as the format requires. */
function label(name: string, value: string): string {
  return `{${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"}`;
}

export function renderMetrics(s: MetricsSample): string {
  const drops: [string, number][] = [...s.drops].map(([reason, n]) => [label("reason", reason), n]);
  const refused: [string, number][] = [...s.refused].map(([reason, n]) => [label("reason", reason), n]);
  return (
    [
      metric("loopchat_members", "gauge", "Members in the room.", [["", s.members]]),
      metric("loopchat_connections", "gauge", "Open connections by transport.", [
        [label("transport", "tcp"), s.connections.tcp],
        [label("transport", "ws"), s.connections.ws],
      ]),
      metric("loopchat_refused_connections_total", "counter", "Connections refused at the door, by reason.", refused),
      metric("loopchat_messages_in_total", "counter", "Messages and actions accepted into the room.", [["", s.messagesIn]]),
      metric("loopchat_deliveries_total", "counter", "Events handed to members (one per member per event).", [["", s.deliveries]]),
      metric("loopchat_drops_total", "counter", "Members disconnected by the server, by reason.", drops),
      metric("loopchat_outbox_high_water_lines", "gauge", "The most lines any member's outbox has held at once.", [["", s.outboxHighWater]]),
      metric("loopchat_address_lines_delayed_total", "counter", "Lines that waited because their client address was over its rate.", [["", s.address.linesDelayed]]),
      metric("loopchat_addresses_tracked", "gauge", "Client addresses whose recent use is remembered.", [["", s.address.tracked]]),
      metric("loopchat_loop_steps_total", "counter", "Task steps run by the event loop.", [["", s.loop.steps]]),
      metric("loopchat_loop_turns_total", "counter", "Event-loop turns (batches of steps between libuv polls).", [["", s.loop.turns]]),
      metric("loopchat_loop_tasks_spawned_total", "counter", "Tasks spawned.", [["", s.loop.spawned]]),
      metric("loopchat_loop_tasks", "gauge", "Tasks alive now.", [["", s.loop.liveTasks]]),
      metric("loopchat_loop_ready_high_water", "gauge", "The longest the ready queue has been.", [["", s.loop.readyHighWater]]),
      metric("loopchat_loop_slow_steps_total", "counter", "Steps slower than LOOP_SLOW_MS (counted when LOOP_DEBUG=1).", [["", s.loop.slowSteps]]),
      histogram("loopchat_loop_step_seconds", "How long each task step held the thread.", s.stepTimes),
      histogram(
        "loopchat_loop_lag_seconds",
        "How long each loop turn held the thread: socket and timer events wait this long behind the tasks.",
        s.turnTimes,
      ),
      metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [["", s.memory.rss]]),
      metric("nodejs_heap_used_bytes", "gauge", "V8 heap in use, in bytes.", [["", s.memory.heapUsed]]),
    ].join("\n") + "\n"
  );
}
