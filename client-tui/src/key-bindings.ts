/**
 * Which key does what: a key press (as any terminal library reports it) becomes a named action,
 * from a table. Separate from the state so the whole keymap is one thing to read and change;
 * what each action does to the state is ChatState's business.
 */
import type { InputLine } from "./input-line.js";

/** A key press, independent of the terminal library (blessed's `key` object fits). */
export interface Key {
  /** Name of a special key: return, enter, up, down, tab, escape, backspace, pageup, ... */
  name?: string | undefined;
  /** The character typed, for printable keys. */
  ch?: string | undefined;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

/** What a key press asks of the tasks around the state. */
export type Effect =
  | { type: "none" }
  | { type: "send" } // something was added to `outbox`
  | { type: "name"; name: string } // the user chose a name
  | { type: "quit"; reason?: string };

/** Actions that are the InputLine methods of the same name: they edit the line and nothing else. */
const LINE_EDITS = ["left", "right", "home", "end", "backspace", "deleteForward", "deleteWordBack", "killToStart", "killToEnd"] as const satisfies readonly (keyof InputLine)[];
export type LineEdit = (typeof LINE_EDITS)[number];

export type Action =
  | LineEdit
  | "submit"
  | "quit"
  /** Ctrl-D: quit on an empty line, else delete the character under the cursor. */
  | "quitOrDelete"
  | "clearInput"
  | "historyBack"
  | "historyForward"
  | "complete"
  | "pageUp"
  | "pageDown"
  /** Ctrl-L: back to the newest messages. */
  | "follow"
  /** The key's character goes into the input line. */
  | "insert"
  | "ignore";

export function isLineEdit(action: Action): action is LineEdit {
  return (LINE_EDITS as readonly string[]).includes(action);
}

/** Special keys, whatever modifiers are held. */
const NAMED = new Map<string, Action>([
  ["return", "submit"],
  ["enter", "submit"],
  ["escape", "clearInput"],
  ["up", "historyBack"],
  ["down", "historyForward"],
  ["tab", "complete"],
  ["left", "left"],
  ["right", "right"],
  ["home", "home"],
  ["end", "end"],
  ["backspace", "backspace"],
  ["delete", "deleteForward"],
  ["pageup", "pageUp"],
  ["pagedown", "pageDown"],
]);

/** Ctrl with a letter (emacs-style editing); any other Ctrl combination does nothing. */
const CTRL = new Map<string, Action>([
  ["c", "quit"],
  ["d", "quitOrDelete"],
  ["a", "home"],
  ["e", "end"],
  ["u", "killToStart"],
  ["k", "killToEnd"],
  ["w", "deleteWordBack"],
  ["b", "left"],
  ["f", "right"],
  ["l", "follow"],
]);

/** The action bound to `key`. */
export function actionFor(key: Key): Action {
  const name = key.name ?? "";
  const named = NAMED.get(name);
  if (named !== undefined) return named;
  if (key.ctrl) return CTRL.get(name) ?? "ignore";
  if (key.meta) return "ignore";
  return key.ch !== undefined && key.ch !== "" ? "insert" : "ignore";
}
