import { describe, expect, it } from "vitest";
import { AddressLimit, addressKey } from "../../server/src/address-limit.js";

describe("addressKey: what the per-address limit counts", () => {
  it("counts IPv4 as it is, and IPv4-mapped IPv6 as the IPv4 address it carries", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:cb00:7107")).toBe("203.0.113.7");
  });

  it("counts IPv6 per /64, whatever way the address is written", () => {
    const key = "2001:db8:0:1::/64";
    expect(addressKey("2001:db8:0:1::1")).toBe(key);
    expect(addressKey("2001:db8:0:1:ffff:ffff:ffff:ffff")).toBe(key);
    expect(addressKey("2001:0db8:0000:0001:0:0:0:2")).toBe(key);
    expect(addressKey("2001:DB8:0:1::3")).toBe(key);
    expect(addressKey("2001:db8:0:2::1")).not.toBe(key);
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
  });
});

describe("AddressLimit", () => {
  it("admits up to max per address, frees a slot on close, and forgets addresses that left", () => {
    const limit = new AddressLimit(2, []);
    for (const a of ["10.0.0.1", "10.0.0.1"]) {
      expect(limit.wouldExceed(a)).toBe(false);
      limit.opened(a);
    }
    expect(limit.wouldExceed("10.0.0.1")).toBe(true);
    expect(limit.wouldExceed("::ffff:10.0.0.1")).toBe(true); // the same host
    expect(limit.wouldExceed("10.0.0.2")).toBe(false);
    limit.closed("10.0.0.1");
    expect(limit.wouldExceed("10.0.0.1")).toBe(false);
    limit.closed("10.0.0.1");
    expect(limit.addresses).toBe(0);
  });

  it("never limits exempt addresses, and 0 turns the limit off", () => {
    const limit = new AddressLimit(1, ["127.0.0.1", "::1"]);
    for (let i = 0; i < 5; i++) limit.opened("::ffff:127.0.0.1");
    expect(limit.wouldExceed("127.0.0.1")).toBe(false);
    expect(limit.addresses).toBe(0);
    const off = new AddressLimit(0, []);
    for (let i = 0; i < 5; i++) off.opened("10.0.0.1");
    expect(off.wouldExceed("10.0.0.1")).toBe(false);
  });
});
