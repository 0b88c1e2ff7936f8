/**
 * Strips telnet negotiation from a raw TCP byte stream.
 *
 * `telnet` (and some MUD/terminal clients) open with IAC sequences such as `IAC DO SUPPRESS-GO-AHEAD`
 * or a window-size subnegotiation. loopchat never negotiates (line mode is what we want), so it drops
 * them all rather than letting 0xFF bytes reach the line splitter and end up as U+FFFD in the room.
 * Grammar (RFC 854/855): `IAC cmd opt` for WILL/WONT/DO/DONT, `IAC SB … IAC SE`, `IAC IAC` = data 0xFF,
 * `IAC cmd` for the other commands.
 */

const IAC = 255;
const DONT = 254;
const WILL = 251;
const SB = 250;
const SE = 240;

// States of the filter, as plain constants (the code base uses no TypeScript enums).
/** Plain data. */
const DATA = 0;
/** Seen IAC; the next byte is a command. */
const COMMAND = 1;
/** Seen IAC WILL/WONT/DO/DONT; the next byte is the option. */
const OPTION = 2;
/** Inside IAC SB …; skipping the payload. */
const SUB = 3;
/** Inside a subnegotiation and just seen IAC: SE ends it, IAC is an escaped payload 0xFF. */
const SUB_COMMAND = 4;
type State = typeof DATA | typeof COMMAND | typeof OPTION | typeof SUB | typeof SUB_COMMAND;

/**
 * A byte-level state machine that removes telnet commands and keeps everything else, byte for byte.
 * Sequences may be split anywhere across `push` calls; the output is the same for any chunking.
 */
export class TelnetFilter {
  private state: State = DATA;

  /**
   * Filters the next chunk of the stream. Returns `chunk` itself when it holds no IAC and no
   * sequence is pending (the common case: no copy); otherwise a new array with the commands removed
   * (possibly empty).
   */
  push(chunk: Uint8Array): Uint8Array {
    if (this.state === DATA && chunk.indexOf(IAC) < 0) return chunk;
    const out = new Uint8Array(chunk.length);
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      switch (this.state) {
        case DATA:
          if (b === IAC) this.state = COMMAND;
          else out[n++] = b;
          break;
        case COMMAND:
          if (b === IAC) out[n++] = IAC;
          this.state = this.afterCommand(b);
          break;
        case OPTION:
          this.state = DATA;
          break;
        case SUB:
          if (b === IAC) this.state = SUB_COMMAND;
          break;
        case SUB_COMMAND:
          if (b === IAC) this.state = SUB; // escaped 0xFF inside the payload
          else if (b === SE) this.state = DATA;
          // Anything else means the client never closed the subnegotiation (RFC 855 forbids other
          // commands in it). Like libtelnet, end it there and read this byte as a command, so one
          // malformed SB cannot swallow the rest of the session.
          else this.state = this.afterCommand(b);
          break;
      }
    }
    return out.subarray(0, n);
  }

  /** The state after `IAC b` (for `b` other than IAC, which the caller turns into a data byte). */
  private afterCommand(b: number): State {
    if (b >= WILL && b <= DONT) return OPTION;
    if (b === SB) return SUB;
    // NOP, GA, AYT, BRK, … (240–249) carry no option; bytes below 240 are not commands at all,
    // and are dropped with their IAC too since a well-behaved client never sends them.
    return DATA;
  }
}
