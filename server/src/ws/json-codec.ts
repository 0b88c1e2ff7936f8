import { encodeServerEvent } from "../../../shared/src/protocol/index.js";
import type { Codec } from "../room/member.js";

/** The WebSocket transport's codec: each event is one JSON text frame. */
export const jsonCodec: Codec = { name: "json", joinable: false, encode: encodeServerEvent };
