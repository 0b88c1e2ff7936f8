/**
 * `npm start`: the services of docker-compose.yml as plain processes, the way `docker compose up`
 * runs them — same commands, same environment (service host names mean this machine), same
 * order (a service waits until the services it depends on are healthy), and Ctrl-C / SIGTERM
 * stops them all, last started first. Written on our own loop: a task per service.
 */
import { spawn as spawnProcess, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  Event,
  once,
  race,
  run,
  scope,
  sleep,
  spawn,
  timeout,
  TimeoutError,
  type Operation,
  type Task,
} from "../loop/index.js";
import { loadCompose, onThisMachine, startOrder, type ServiceSpec } from "./compose-file.js";

export interface UpOptions {
  /** The folder the commands run in (where dist/ is). */
  cwd: string;
  composeFile: string;
  env?: NodeJS.ProcessEnv;
  /** Where a line about the supervisor itself goes. */
  say?: (line: string) => void;
  /** `up` stops the services and returns once this is set (it throws if a service dies first). */
  stop?: Event;
  /** How long a service may take to exit after SIGTERM before it is killed. */
  stopTimeoutMs?: number;
}

/** A service that exited while it should have been running. */
export class ServiceDied extends Error {
  override name = "ServiceDied";
}

/** Runs the default-profile services until `stop` is set or one of them dies. */
export function* up(options: UpOptions): Operation<void> {
  const env = options.env ?? process.env;
  const say = options.say ?? ((line: string) => process.stderr.write(`[npm start] ${line}\n`));
  const all = loadCompose(options.composeFile, env);
  const names = all.map((s) => s.name);
  const healthy = new Map(all.map((s) => [s.name, new Event()]));
  const running: { service: ServiceSpec; child: ChildProcess; exited: Task<number | null> }[] = [];
  const stop = options.stop ?? new Event();
  try {
    yield* scope(function* (s) {
      for (const service of startOrder(all)) {
        for (const dep of service.waitsFor) {
          say(`${service.name} waits for ${dep} to be healthy`);
          yield* (healthy.get(dep) as Event).wait();
        }
        const [file, ...args] = service.command as [string, ...string[]];
        const child = spawnProcess(file, args, {
          cwd: options.cwd,
          env: { ...env, ...onThisMachine(service.environment, names) },
          stdio: ["ignore", "inherit", "inherit"],
        });
        say(`started ${service.name} (pid ${child.pid}): ${service.command.join(" ")}`);
        const exited = s.spawn(watch(service, child, stop), { name: `process ${service.name}` });
        running.push({ service, child, exited });
        const ready = healthy.get(service.name) as Event;
        if (service.healthcheck === null) ready.set();
        else s.spawn(checkHealth(service, options.cwd, env, ready, say), { name: `health ${service.name}` });
      }
      yield* stop.wait();
      s.cancelAll("stopping");
    });
  } finally {
    // Last started, first stopped: the bot leaves before the server says goodbye.
    for (const { service, child } of running.reverse()) yield* stopProcess(service, child, options.stopTimeoutMs ?? 10_000, say);
  }
}

/** Fails (so everything stops) if the process exits before we asked it to. */
function* watch(service: ServiceSpec, child: ChildProcess, stop: Event): Operation<number | null> {
  const code = child.exitCode ?? (yield* once<number | null>(child, "exit", { waitingOn: `${service.name} to exit` }));
  if (!stop.isSet) throw new ServiceDied(`${service.name} exited with code ${code}`);
  return code;
}

/** Runs the health check every interval until it passes; gives up after its retries and a grace period. */
function* checkHealth(service: ServiceSpec, cwd: string, env: NodeJS.ProcessEnv, ready: Event, say: (l: string) => void): Operation<void> {
  const check = service.healthcheck as NonNullable<ServiceSpec["healthcheck"]>;
  const environment = { ...env, ...onThisMachine(service.environment, [service.name]) };
  for (let attempt = 1; ; attempt++) {
    const [file, ...args] = check.test as [string, ...string[]];
    const probe = spawnProcess(file, args, { cwd, env: environment, stdio: "ignore" });
    const code = probe.exitCode ?? (yield* once<number | null>(probe, "exit"));
    if (code === 0) {
      say(`${service.name} is healthy`);
      ready.set();
      return;
    }
    if (attempt > check.retries * 3) throw new ServiceDied(`${service.name} did not become healthy`);
    yield* sleep(Math.min(check.intervalMs, 500));
  }
}

function* stopProcess(service: ServiceSpec, child: ChildProcess, graceMs: number, say: (l: string) => void): Operation<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  say(`stopping ${service.name}`);
  child.kill("SIGTERM");
  try {
    const code = yield* timeout(graceMs, once<number | null>(child, "exit"));
    say(`${service.name} exited with code ${code}`);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    say(`${service.name} did not stop in ${graceMs} ms: killing it`);
    child.kill("SIGKILL");
    yield* once(child, "exit");
  }
}

/** `npm start`: up until Ctrl-C or SIGTERM. */
function* main(): Operation<void> {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const stop = new Event();
  const services = spawn(up({ cwd: root, composeFile: `${root}docker-compose.yml`, stop }), { name: "compose up" });
  const signal = yield* race<string | null>([once<string>(process, "SIGINT"), once<string>(process, "SIGTERM"), ended(services)]);
  if (signal !== null) {
    process.stderr.write(`[npm start] ${signal}: stopping\n`);
    stop.set();
    yield* services.join();
  }
}

function* ended(task: Task<void>): Operation<null> {
  yield* task.join();
  return null;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(main()).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`[npm start] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
