// The entry of a worker thread or child process that runs an example module from its TypeScript
// source (under tsx or vitest). Node 20 gives neither a worker thread nor a fork()ed process the
// module hooks of its parent, so register tsx here, then import the module whose URL is the last
// argument. Compiled JavaScript starts the module directly and never loads this file.
// (The same trick as shared/src/loop/threads/tsx-bootstrap.mjs, for any module.)
import { register } from "tsx/esm/api";

register();
await import(process.argv[process.argv.length - 1]);
