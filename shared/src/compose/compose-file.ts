/**
 * Reads docker-compose.yml the way Compose would for what `npm start` needs: each service's
 * command, environment (with `${VAR:-default}` filled in from our environment), profiles,
 * `depends_on` conditions and health check. One file is the truth for Docker and for plain
 * processes, so the two cannot drift.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface ServiceSpec {
  name: string;
  command: string[];
  environment: Record<string, string>;
  profiles: string[];
  /** Services that must be healthy before this one starts. */
  waitsFor: string[];
  /** The health check command (exec form), or null when the service has none. */
  healthcheck: { test: string[]; intervalMs: number; retries: number } | null;
}

type Raw = Record<string, unknown>;

/** `${VAR}`, `${VAR:-default}` and `$$` (a literal `$`), as in Compose. */
export function interpolate(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === "$$") return "$";
    const value = env[name as string];
    return value !== undefined && value !== "" ? value : (fallback ?? "");
  });
}

function durationMs(value: unknown, fallbackMs: number): number {
  if (typeof value !== "string") return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (match === null) throw new Error(`unsupported duration ${JSON.stringify(value)} in docker-compose.yml`);
  return Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[match[2] as "ms" | "s" | "m"];
}

function toService(name: string, raw: Raw, env: NodeJS.ProcessEnv): ServiceSpec {
  const command = raw.command;
  if (!Array.isArray(command) || !command.every((c) => typeof c === "string")) {
    throw new Error(`service ${name}: npm start needs an exec-form command (a list of strings)`);
  }
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries((raw.environment ?? {}) as Raw)) environment[key] = interpolate(String(value), env);
  const dependsOn = (raw.depends_on ?? {}) as Raw | string[];
  const waitsFor = Array.isArray(dependsOn)
    ? []
    : Object.entries(dependsOn)
        .filter(([, condition]) => (condition as Raw | null)?.condition === "service_healthy")
        .map(([dep]) => dep);
  const check = raw.healthcheck as Raw | undefined;
  let healthcheck: ServiceSpec["healthcheck"] = null;
  if (check !== undefined && check.disable !== true) {
    const test = check.test as string[];
    if (!Array.isArray(test) || test[0] !== "CMD") throw new Error(`service ${name}: npm start needs a healthcheck test in ["CMD", ...] form`);
    healthcheck = { test: test.slice(1).map((t) => interpolate(t, env)), intervalMs: durationMs(check.interval, 5_000), retries: Number(check.retries ?? 3) };
  }
  return { name, command: command.map((c: string) => interpolate(c, env)), environment, profiles: (raw.profiles as string[] | undefined) ?? [], waitsFor, healthcheck };
}

/** The services of a compose file, in file order. */
export function loadCompose(path: string, env: NodeJS.ProcessEnv = process.env): ServiceSpec[] {
  const doc = parse(readFileSync(path, "utf8"), { merge: true }) as { services?: Raw };
  return Object.entries(doc.services ?? {}).map(([name, raw]) => toService(name, raw as Raw, env));
}

/** Services started by a plain `up` (no profile), dependencies first. */
export function startOrder(services: ServiceSpec[]): ServiceSpec[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const ordered: ServiceSpec[] = [];
  const visiting = new Set<string>();
  const visit = (service: ServiceSpec): void => {
    if (ordered.includes(service)) return;
    if (visiting.has(service.name)) throw new Error(`depends_on cycle through ${service.name}`);
    visiting.add(service.name);
    for (const dep of service.waitsFor) {
      const target = byName.get(dep);
      if (target === undefined) throw new Error(`service ${service.name} depends on unknown service ${dep}`);
      visit(target);
    }
    ordered.push(service);
  };
  for (const service of services) if (service.profiles.length === 0) visit(service);
  return ordered;
}

/** Outside Docker the other services are on this machine: `ws://server:4001` becomes `ws://127.0.0.1:4001`. */
export function onThisMachine(environment: Record<string, string>, serviceNames: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    out[key] = serviceNames.reduce((v, name) => v.replace(new RegExp(`(//)${name}(?=[:/])`, "g"), "$1127.0.0.1"), value);
  }
  return out;
}
