// The entry of a ThreadPool worker when the pool runs from TypeScript sources (under vitest or
// tsx). Node 20 does not give worker threads the module hooks of their parent, so a plain Node
// worker cannot import worker-main.ts: register tsx in this thread first, then start it.
// Compiled JavaScript starts worker-main.js directly and never loads this file.
import { register } from "tsx/esm/api";

register();
await import("./worker-main.ts");
