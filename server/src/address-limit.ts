import { isIPv4, isIPv6 } from "node:net";

/**
 * At most `max` open connections per client address, so that one host cannot take every slot
 * under CHAT_MAX_CLIENTS (ngircd's MaxConnectionsIP, ergo's max-concurrent-connections).
 *
 * IPv6 clients are counted per /64 — one subscriber usually holds a whole /64, so counting
 * single addresses would limit nothing — and IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4
 * address it is. Exempt addresses (by default loopback, where a reverse proxy on the same host
 * would put every user) are never limited.
 */
export class AddressLimit {
  private readonly open = new Map<string, number>();
  private readonly exempt: ReadonlySet<string>;

  /** `max` = 0 turns the limit off. */
  constructor(
    readonly max: number,
    exempt: readonly string[],
  ) {
    this.exempt = new Set(exempt.map(addressKey));
  }

  /** Whether one more connection from `address` would go over the limit. */
  wouldExceed(address: string): boolean {
    if (this.max === 0) return false;
    const key = addressKey(address);
    return !this.exempt.has(key) && (this.open.get(key) ?? 0) >= this.max;
  }

  /** A connection from `address` has opened (call once it is admitted). */
  opened(address: string): void {
    if (this.max === 0) return;
    const key = addressKey(address);
    if (this.exempt.has(key)) return;
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
  }

  /** A connection from `address` has closed. */
  closed(address: string): void {
    if (this.max === 0) return;
    const key = addressKey(address);
    const n = this.open.get(key);
    if (n === undefined) return; // exempt
    if (n <= 1) this.open.delete(key); // no entry kept for addresses that left: the map stays small
    else this.open.set(key, n - 1);
  }

  /** Addresses holding at least one connection (for tests and health checks). */
  get addresses(): number {
    return this.open.size;
  }
}

/** The unit the limit counts: an IPv4 address, or an IPv6 /64 written as "2001:db8:0:1::/64". */
export function addressKey(address: string): string {
  const plain = address.replace(/%.*$/, ""); // an IPv6 zone index ("fe80::1%eth0") names no host
  if (isIPv4(plain)) return plain;
  if (!isIPv6(plain)) return plain; // not an IP (e.g. a Unix socket): counted as it is
  const groups = ipv6Groups(plain);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address ("::" expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] => {
    if (part === "") return [];
    return part.split(":").flatMap((g) => {
      if (!g.includes(".")) return [parseInt(g, 16)];
      const [a, b, c, d] = g.split(".").map(Number) as [number, number, number, number];
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head, tail] = address.split("::") as [string, string | undefined];
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
