/**
 * The terminal view: the only file that knows blessed. It draws a ChatState (message pane, user
 * list, input line, status bar) and turns keys, the mouse wheel and resizes into UiEvents on a
 * callback — it never changes the state itself. Everything the server relays goes through
 * `blessed.escape`, so a `{` in a message is a brace, not a tag.
 */
import blessed from "blessed";
import type { UiEvent, View } from "./client.js";
import type { Line } from "./scrollback.js";
import type { ChatState } from "./state.js";
import { clock, graphemes } from "./text.js";

const USERS_WIDTH = 24;
const GREY = "gray";
/** Nick colours, picked by a hash of the lowercased name: the same name, the same colour. */
const NICK_COLOURS = ["#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#d19a66", "#ff79c6", "#8be9fd", "#50fa7b", "#ffb86c", "#bd93f9"];

export function nickColour(name: string): string {
  let h = 0x811c9dc5;
  for (const ch of name.toLowerCase()) {
    h ^= ch.codePointAt(0) as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return NICK_COLOURS[h % NICK_COLOURS.length] as string;
}

const esc = (text: string): string => blessed.escape(text);
const width = (text: string): number => (blessed as unknown as { unicode: { strWidth(s: string): number } }).unicode.strWidth(text);

function nick(name: string, bold = false): string {
  const coloured = `{${nickColour(name)}-fg}${esc(name)}{/${nickColour(name)}-fg}`;
  return bold ? `{bold}${coloured}{/bold}` : coloured;
}

/** One message as tagged text (may hold newlines for multi-line information). */
export function formatLine(line: Line): string {
  const time = `{${GREY}-fg}${clock(line.at)}{/${GREY}-fg} `;
  const text = esc(line.text);
  switch (line.kind) {
    case "chat": {
      const body = line.mine ? `{#a8c8ff-fg}${text}{/#a8c8ff-fg}` : line.highlight ? `{black-fg}{yellow-bg}${text}{/yellow-bg}{/black-fg}` : text;
      return `${time}${line.mine ? "{bold}»{/bold}" : line.highlight ? "{yellow-fg}{bold}!{/bold}{/yellow-fg}" : " "}<${nick(line.from ?? "", line.mine)}> ${body}`;
    }
    case "action":
      return `${time} {bold}*{/bold} ${nick(line.from ?? "", line.mine)} ${line.highlight ? `{yellow-fg}${text}{/yellow-fg}` : text}`;
    case "private":
      return `${time}{magenta-fg}{bold}[private]{/bold}{/magenta-fg} ${nick(line.from ?? "", line.mine)} -> ${nick(line.to ?? "")}: {magenta-fg}${text}{/magenta-fg}`;
    case "notice":
      return `{${GREY}-fg}${clock(line.at)} -- ${text}{/${GREY}-fg}`;
    case "info":
      return text
        .split("\n")
        .map((l, i) => `${i === 0 ? time : "      "}{cyan-fg}${l}{/cyan-fg}`)
        .join("\n");
    case "error":
      return `${time}{red-fg}{bold}!{/bold} ${text}{/red-fg}`;
    case "gap":
      return `{yellow-fg}{bold}${text}{/bold}{/yellow-fg}`;
    case "pending":
      return `${time}{yellow-fg}… ${text}{/yellow-fg}`;
  }
}

export interface TerminalViewOptions {
  /** Where each key, wheel turn and resize goes (a Queue's tryPut). */
  onEvent: (event: UiEvent) => void;
}

export class TerminalView implements View {
  private readonly screen: blessed.Widgets.Screen;
  private readonly frame: blessed.Widgets.BoxElement;
  private readonly messages: blessed.Widgets.BoxElement;
  private readonly users: blessed.Widgets.BoxElement;
  private readonly input: blessed.Widgets.BoxElement;
  private readonly status: blessed.Widgets.BoxElement;
  private destroyed = false;

  constructor(options: TerminalViewOptions) {
    this.screen = blessed.screen({ smartCSR: true, fullUnicode: true, title: "loopchat", autoPadding: false, dockBorders: true });
    // The border and label live on a frame: a scrolled box moves its own label with its content.
    this.frame = blessed.box({
      parent: this.screen,
      top: 0,
      left: 0,
      width: `100%-${USERS_WIDTH}`,
      height: "100%-4",
      border: { type: "line" },
      label: " loopchat ",
      tags: true,
      style: { border: { fg: "blue" } },
    });
    this.messages = blessed.box({
      parent: this.screen,
      top: 1,
      left: 1,
      width: `100%-${USERS_WIDTH + 2}`,
      height: "100%-6",
      tags: true,
      scrollable: true,
      alwaysScroll: true,
    });
    this.users = blessed.box({
      parent: this.screen,
      top: 0,
      right: 0,
      width: USERS_WIDTH,
      height: "100%-4",
      border: { type: "line" },
      tags: true,
      style: { border: { fg: "blue" } },
    });
    this.input = blessed.box({
      parent: this.screen,
      bottom: 1,
      left: 0,
      width: "100%",
      height: 3,
      border: { type: "line" },
      tags: true,
      wrap: false,
      style: { border: { fg: "green" } },
    });
    this.status = blessed.box({ parent: this.screen, bottom: 0, left: 0, width: "100%", height: 1, tags: true, style: { fg: "white", bg: "blue" } });
    this.screen.program.hideCursor();
    const emit = options.onEvent;
    this.screen.on("keypress", (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => {
      emit({ type: "key", key: { name: key?.name, ch, ctrl: key?.ctrl ?? false, meta: key?.meta ?? false, shift: key?.shift ?? false } });
    });
    this.screen.enableMouse();
    this.screen.on("wheelup", () => emit({ type: "wheel", rows: 3 }));
    this.screen.on("wheeldown", () => emit({ type: "wheel", rows: -3 }));
    this.screen.on("resize", () => emit({ type: "resize" }));
  }

  render(state: ChatState): { scrollMax: number; pageRows: number } {
    if (this.destroyed) return { scrollMax: 0, pageRows: 1 };
    // Message pane: everything, then show the window `state.scroll` rows above the bottom.
    const box = this.messages as blessed.Widgets.BoxElement & { childBase: number; childOffset: number };
    box.setContent(state.lines.map(formatLine).join("\n"));
    const visible = Math.max(1, box.height as number);
    const total = box.getScrollHeight();
    const scrollMax = Math.max(0, total - visible);
    const scroll = Math.min(state.scroll, scrollMax);
    box.childBase = Math.max(0, total - visible - scroll);
    box.childOffset = 0;
    this.frame.setLabel(scroll > 0 ? ` loopchat — scrolled up ${scroll} rows${state.unseen > 0 ? `, ${state.unseen} new below` : ""} (PgDn) ` : " loopchat ");

    // Members.
    const members = [...state.members].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    this.users.setLabel(` Users (${members.length}) `);
    this.users.setContent(members.map((m) => (m.toLowerCase() === state.me.toLowerCase() ? `{bold}*${nick(m)}{/bold}` : ` ${nick(m)}`)).join("\n"));

    // Input line, scrolled horizontally so that the cursor stays in view.
    const naming = state.status.state === "naming";
    this.input.setLabel(naming ? " Your name (Enter to join) " : state.connected ? ` Message as ${esc(state.me)} ` : " Message (queued until reconnected) ");
    const prompt = naming ? "name> " : "> ";
    const room = Math.max(4, (this.input.width as number) - 2 - prompt.length - 1);
    const { before, at, after } = state.input.split();
    let shownBefore = before;
    let clipped = false;
    while (width(shownBefore) + width(at) > room) {
      shownBefore = graphemes(shownBefore).slice(1).join("");
      clipped = true;
    }
    let shownAfter = "";
    let left = room - width(shownBefore) - width(at) - (clipped ? 1 : 0);
    for (const g of graphemes(after)) {
      const w = width(g);
      if (w > left) break;
      shownAfter += g;
      left -= w;
    }
    if (clipped) shownBefore = graphemes(shownBefore).slice(1).join("");
    this.input.setContent(`{bold}${prompt}{/bold}${clipped ? "…" : ""}${esc(shownBefore)}{inverse}${esc(at)}{/inverse}${esc(shownAfter)}`);

    // Status bar.
    const s = state.status;
    const what =
      s.state === "connected"
        ? "{green-fg}{bold}● connected{/bold}{/green-fg}"
        : s.state === "connecting"
          ? `{yellow-fg}{bold}○ connecting…{/bold}{/yellow-fg}`
          : s.state === "naming"
            ? "{yellow-fg}{bold}○ choose a name{/bold}{/yellow-fg}"
            : "{red-fg}{bold}✕ disconnected{/bold}{/red-fg}";
    const online = s.state === "connected" ? `${members.length} online` : "offline";
    const queued = state.outbox.length > 0 ? ` │ ${state.outbox.length} queued` : "";
    const detail = s.detail === "" ? "" : ` │ ${esc(s.detail)}`;
    this.status.setContent(` ${what} │ ${esc(s.url)} │ ${state.me === "" ? "no name yet" : esc(state.me)} │ ${online}${queued}${detail}`);
    this.screen.render();
    return { scrollMax, pageRows: visible };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.screen.destroy();
  }
}
