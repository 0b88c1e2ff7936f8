import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
const dockerfileText = readFileSync(`${root}Dockerfile`, "utf8");

describe("docker-compose.yml, checked without a Docker engine", () => {
  it("validates with Debian's docker-compose 1.29.2 (installed by .ci/run)", async () => {
    const { stdout } = await run("docker-compose", ["version", "--short"], { cwd: root });
    expect(stdout.trim()).toMatch(/^1\.29\./);
    await expect(run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], { cwd: root })).resolves.toBeDefined();
  });

  it("validates against the current compose-spec schema and lint rules (dclint)", async () => {
    const { stdout } = await run("npx", ["dclint", "docker-compose.yml"], { cwd: root });
    expect(stdout).not.toMatch(/error/);
  });
});

describe("the Dockerfile, checked without a Docker engine", () => {
  const dockerfile = DockerfileParser.parse(dockerfileText);
  const instructions = dockerfile.getInstructions();
  const stages = dockerfile.getFROMs().map((from) => from.getBuildStage());
  const finalStageStart = dockerfile.getFROMs().at(-1)?.getRange().start.line ?? 0;
  const finalStage = instructions.filter((i) => i.getRange().start.line >= finalStageStart);
  const keyword = (i: Instruction): string => i.getKeyword();

  it("has no lint problems (dockerfile-utils)", () => {
    expect(validate(dockerfileText).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("is multi-stage on Node 20 bookworm slim, and every COPY --from names an earlier stage", () => {
    expect(stages).toEqual(["deps", "build", "runtime"]);
    for (const from of dockerfile.getFROMs()) {
      const image = from.getImage();
      expect(image === "node:20-bookworm-slim" || stages.includes(image)).toBe(true);
    }
    for (const copy of instructions.filter((i) => keyword(i) === "COPY")) {
      const fromFlag = (copy as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags().find((f) => f.getName() === "from");
      if (fromFlag) expect(stages).toContain(fromFlag.getValue());
    }
  });

  it("runs as the node user with NODE_ENV=production, a HEALTHCHECK and an exec-form CMD", () => {
    const user = finalStage.filter((i) => keyword(i) === "USER").map((i) => i.getArgumentsContent());
    expect(user).toEqual(["node"]);
    expect(finalStage.some((i) => keyword(i) === "ENV" && /NODE_ENV=production/.test(i.getArgumentsContent() ?? ""))).toBe(true);
    const healthcheck = finalStage.find((i) => keyword(i) === "HEALTHCHECK");
    expect(healthcheck?.getArgumentsContent()).toMatch(/CMD \[/); // exec form: no shell, no curl
    const cmd = finalStage.filter((i) => keyword(i) === "CMD").at(-1);
    expect(JSON.parse(cmd?.getArgumentsContent() ?? "null")).toEqual(["node", "dist/server/src/main.js"]);
  });

  it("copies only paths that exist in the repository and that .dockerignore lets through", () => {
    const ignored = readFileSync(`${root}.dockerignore`, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    for (const copy of instructions.filter((i) => keyword(i) === "COPY")) {
      const args = (copy.getArgumentsContent() ?? "").split(/\s+/);
      if (/--from/.test(copy.getTextContent())) continue;
      for (const source of args.slice(0, -1)) {
        expect(existsSync(`${root}${source}`), `${source} exists`).toBe(true);
        expect(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `${source} is not ignored`).toBe(false);
      }
    }
  });

  it("the compose file's commands exist in the image's build output", () => {
    const compose = readFileSync(`${root}docker-compose.yml`, "utf8");
    const commands = [...compose.matchAll(/command: \[ "node", "([^"]+)" \]/g)].map((m) => m[1] as string);
    expect(commands).toEqual(["dist/server/src/main.js", "dist/bot/src/main.js", "dist/client-tui/src/main.js"]);
    for (const command of commands) {
      const source = command.replace(/^dist\//, "").replace(/\.js$/, ".ts");
      expect(existsSync(`${root}${source}`), `${source} is built into ${command}`).toBe(true);
    }
  });
});
