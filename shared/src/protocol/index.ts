export * from "./events.js";
export * from "./commands.js";
export * from "./json.js";
export * from "./join-key.js";
