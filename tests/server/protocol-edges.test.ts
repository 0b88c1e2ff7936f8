import { describe, expect, it } from "vitest";
import { ChatClient, withServer } from "./chat-client.js";
import { clientFrame, OP, RawWs } from "./raw-ws.js";
import { WsClient } from "./ws-client.js";

/** Small protocol faults (issue 15): WebSocket close frames, the HTTP port's manners, command edges. */

/** A close frame's payload: the code, big-endian. */
const NORMAL_CLOSURE = Buffer.from([0x03, 0xe8]);
/** Well under ws's 30 s close timeout, which is what the leave used to wait for. */
const BEFORE_CLOSE_TIMEOUT_MS = 15_000;

describe("a WebSocket member whose close frame arrives", () => {
  it("leaves at once, though it keeps TCP open: its name is free and /users no longer lists it", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const dana = await RawWs.join(s.server.wsPort, "dana", { halfOpen: true });
      await alice.waitFor(/dana joined/);
      const mark = alice.lines.length;

      // A last message and the close frame in one write: what came before the close is still said.
      dana.socket.write(Buffer.concat([clientFrame(OP.text, JSON.stringify({ type: "say", text: "bye" })), clientFrame(OP.close, NORMAL_CLOSURE)]));
      expect(await alice.waitFor(/dana left/, mark, BEFORE_CLOSE_TIMEOUT_MS)).toBe("* dana left (connection closed; 1 online)");
      expect(alice.lines.slice(mark, -1).map((l) => l.replace(/^\[\d\d:\d\d\] /, ""))).toEqual(["<dana> bye"]);
      await dana.until(() => dana.closeCode !== null, "the server's close frame", BEFORE_CLOSE_TIMEOUT_MS);
      expect(dana.closeCode).toBe(1000);
      expect(dana.closed).toBe(false); // we never hung up: the leave did not wait for us to

      alice.send("/users");
      expect(await alice.waitFor(/^\* Online/, mark)).toBe("* Online (1): alice");
      const dana2 = await WsClient.join(s.server.wsPort, "dana");
      expect(await alice.waitFor(/dana joined/, mark)).toBe("* dana joined (2 online)");
      dana.socket.destroy();
      dana2.close();
      alice.close();
    });
  });
});
