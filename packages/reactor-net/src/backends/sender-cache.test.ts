import { test } from "node:test";
import assert from "node:assert/strict";
import { SenderCache } from "./sender-cache.ts";

test("datagrams from one peer share one address object", () => {
  const senders = new SenderCache();
  const first = senders.get("127.0.0.1", 4000);
  assert.equal(senders.get("127.0.0.1", 4000), first);
  assert.equal(first.toString(), "127.0.0.1:4000");
  assert.equal(first.family, "IPv4");
});

test("a sender that differs from the last one in address or port gets its own address", () => {
  const senders = new SenderCache();
  const a = senders.get("127.0.0.1", 4000);
  const b = senders.get("127.0.0.2", 4000); // same port, another host
  const c = senders.get("::1", 4000);
  const d = senders.get("127.0.0.1", 4001);
  assert.deepEqual([b.toString(), c.toString(), d.toString()], ["127.0.0.2:4000", "[::1]:4000", "127.0.0.1:4001"]);
  assert.equal(c.family, "IPv6");
  assert.notEqual(senders.get("127.0.0.1", 4000), b);
  assert.equal(senders.get("127.0.0.1", 4000).toString(), a.toString());
});

test("the cache stays bounded: it starts over once it holds its capacity", () => {
  const senders = new SenderCache(4);
  const kept = senders.get("127.0.0.1", 1);
  for (let port = 2; port <= 5; port++) senders.get("127.0.0.1", port); // the fifth entry clears the map
  const again = senders.get("127.0.0.1", 1);
  assert.notEqual(again, kept); // made anew, as the map was cleared
  assert.equal(again.toString(), kept.toString());
});
