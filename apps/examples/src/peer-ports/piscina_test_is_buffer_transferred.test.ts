// Port of piscina's test/test-is-buffer-transferred.ts (piscinajs/piscina
// 4e9791fd46b61c638e7ad05f14ec4540d40898aa) onto @spindle/workstealing, written from its README
// ("Moving a plain buffer: `move`"). piscina's fixture returns `Piscina.move(data)` and reads
// `data.byteLength` afterwards on the same worker: 0, since the buffer was transferred. Differs
// on purpose: `move` copies the bytes once into the shared heap and "the source is not detached
// (unlike a transfer)", so the job's buffer keeps its 128 bytes. `useAtomics: false` has no
// counterpart and changes nothing here.
//
// Not portable:
// - "objects that implement transferable must be transferred": piscina's `transferableSymbol`
//   protocol for the caller's own objects; `move` takes buffers only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withRuntime } from "./piscina/support.ts";

test("transferable objects must be transferred (differs: copied once, the job keeps its buffer)", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const received = await runtime.spawn("send");
    assert.equal(received.bytes().length, 128);
    received.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await runtime.spawn("get"), 128);
  });
});
