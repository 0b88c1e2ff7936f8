/** Which commands the machine has (taskset to pin, python3 for the asyncio yardsticks) and their versions. */
import { execFileSync } from "node:child_process";

/** True if `name` is a command on the PATH. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** First line of `command --version`, or null. */
export function commandVersion(command: string, args: string[] = ["--version"]): string | null {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n")[0] ?? null;
  } catch {
    return null;
  }
}
