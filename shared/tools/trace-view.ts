/**
 * trace-view: turns a LOOP_TRACE file into a timeline a person would rather look at than read.
 *
 *   tsx shared/tools/trace-view.ts TRACE_FILE [--width 100] [--html OUT.html] [--from MS] [--to MS] [--tasks REGEX]
 *
 * TRACE_FILE `-` reads stdin. The text timeline goes to stdout: one row per task, `--width`
 * columns of time between --from and --to (default: the whole trace), then a summary per task.
 * `--html OUT.html` also writes the same timeline as a self-contained page. `--tasks` keeps the
 * tasks whose `#id name` matches the regular expression.
 *
 * Make a trace with e.g. `LOOP_TRACE=/tmp/t.tsv npm run example:countdown -- --unit-ms 10`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { numberArg, runIfMain } from "../examples/cli.js";
import { renderHtml } from "./trace-html.js";
import { buildModel, makeView } from "./trace-model.js";
import { renderText } from "./trace-text.js";

const USAGE = "usage: trace-view TRACE_FILE|- [--width 100] [--html OUT.html] [--from MS] [--to MS] [--tasks REGEX]";

export interface ViewOutput {
  text: string;
  /** The page, when --html asked for one. */
  html: { path: string; page: string } | null;
}

/** Everything but the reading and writing: arguments and trace text in, renderings out. */
export function viewTrace(args: string[], readTrace: (path: string) => string): ViewOutput {
  const text = { type: "string" } as const;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { width: text, html: text, from: text, to: text, tasks: text } });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new Error("give one trace file, or - for stdin");
  const width = numberArg(values.width, 100, "width", 10);
  const model = buildModel(readTrace(file));
  const view = makeView(model, {
    from: values.from === undefined ? undefined : numberArg(values.from, 0, "from"),
    to: values.to === undefined ? undefined : numberArg(values.to, 0, "to"),
    tasks: values.tasks === undefined ? undefined : new RegExp(values.tasks),
  });
  const title = `loop trace: ${file === "-" ? "stdin" : basename(file)}`;
  return {
    text: renderText(model, view, Math.floor(width)),
    html: values.html === undefined ? null : { path: values.html, page: renderHtml(model, view, title) },
  };
}

runIfMain(import.meta.url, async () => {
  try {
    const output = viewTrace(process.argv.slice(2), (path) => readFileSync(path === "-" ? 0 : path, "utf8"));
    process.stdout.write(output.text);
    if (output.html !== null) {
      writeFileSync(output.html.path, output.html.page);
      process.stderr.write(`wrote ${output.html.path}\n`);
    }
  } catch (error) {
    // Bad arguments and unreadable files get a line and the usage, not a stack trace.
    process.stderr.write(`trace-view: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
  }
});
