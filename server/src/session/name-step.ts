import { timeout, TimeoutError, type Operation, type Task } from "../../../shared/src/loop/index.js";
import type { ErrorEvent } from "../../../shared/src/protocol/index.js";
import type { Codec, Member } from "../room/member.js";
import type { Outbox } from "../room/outbox.js";
import type { NameOffer, Room } from "../room/room.js";
import type { SessionLimits } from "./limits.js";

/** How one transport asks a new client for its name, and answers. */
export interface NameDialog {
  /**
   * The next name the client offers (with a key, if the transport carries one), an error to tell
   * it (bad input), `undefined` for input that counts as a try but needs no answer (a blank
   * line), or null if it left.
   */
  offer(): Operation<NameOffer | ErrorEvent | null | undefined>;
  /** Tells the client why it cannot have that name; it may try again. */
  refuse(error: ErrorEvent): Operation<void>;
  /** It has used up its tries: tells it so (it is then dropped). */
  giveUp(attempts: number): Operation<void>;
  /** It took too long: tells it so (it is then dropped). */
  timedOut(seconds: number): Operation<void>;
}

/**
 * The step between connecting and entering the room, for every transport: offers until the
 * client claims a free, valid name, within `maxNameAttempts` tries and `nameTimeoutMs`. Returns
 * the new member (not yet in the room), or null when the client left, gave up or timed out.
 */
export function* chooseName(
  dialog: NameDialog,
  room: Room,
  claim: { outbox: Outbox; codec: Codec; session: Task<unknown> },
  limits: SessionLimits,
): Operation<Member | null> {
  try {
    return yield* timeout(limits.nameTimeoutMs, offerUntilClaimed(dialog, room, claim, limits.maxNameAttempts));
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    yield* dialog.timedOut(limits.nameTimeoutMs / 1000);
    return null;
  }
}

function* offerUntilClaimed(
  dialog: NameDialog,
  room: Room,
  { outbox, codec, session }: { outbox: Outbox; codec: Codec; session: Task<unknown> },
  maxAttempts: number,
): Operation<Member | null> {
  for (let attempts = 0; ; attempts++) {
    if (attempts === maxAttempts) {
      yield* dialog.giveUp(maxAttempts);
      return null;
    }
    const offered = yield* dialog.offer();
    if (offered === null) return null;
    if (offered === undefined) continue;
    if ("type" in offered) {
      yield* dialog.refuse(offered);
      continue;
    }
    const claimed = room.claim(offered, outbox, codec, session);
    if ("member" in claimed) return claimed.member;
    yield* dialog.refuse(claimed.error);
  }
}
