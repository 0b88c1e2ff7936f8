import type { ActionEvent, MessageEvent } from "../../../shared/src/protocol/index.js";

type Said = MessageEvent | ActionEvent;

/** The last `capacity` chat lines, replayed to whoever joins (a ring buffer). */
export class History {
  private readonly items: (Said | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<Said | undefined>(Math.max(0, capacity));
  }

  add(event: Said): void {
    if (this.capacity === 0) return;
    this.items[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Oldest first. */
  recent(): Said[] {
    const out: Said[] = [];
    for (let i = 0; i < this.count; i++) {
      out.push(this.items[(this.next - this.count + i + this.capacity) % this.capacity] as Said);
    }
    return out;
  }
}
