/**
 * custom-waker: a waker built from a raw waker and a hand-written vtable that counts references,
 * as in Rust's RawWakerVTable. Every clone is balanced by exactly one wake or drop, and a
 * consuming wake is never followed by a drop.
 */
import { blockOn, PENDING, pollFn, type RawWakerVTable, Waker } from "@spindle/core";

interface Counted {
  name: string;
  refs: number;
  log: string[];
}

const vtable: RawWakerVTable<Counted> = {
  clone(data) {
    data.refs++;
    data.log.push(`clone      -> refs ${data.refs}`);
    return { data, vtable };
  },
  wake(data) {
    data.refs--;
    data.log.push(`wake       -> refs ${data.refs} (consumed)`);
  },
  wakeByRef(data) {
    data.log.push(`wakeByRef  -> refs ${data.refs}`);
  },
  drop(data) {
    data.refs--;
    data.log.push(`drop       -> refs ${data.refs}`);
  },
};

const data: Counted = { name: "task-1", refs: 1, log: [] };
const waker = Waker.fromRaw({ data, vtable });

const first = waker.clone();
const second = waker.clone();
waker.wakeByRef();
first.wake();
first.drop(); // no-op: wake() already consumed `first`, so the vtable's drop is not called
second.drop();
waker.drop();

for (const line of data.log) console.log(line);
console.log(`balanced: ${data.refs === 0}`);

// The same waker type drives real futures: this one wakes itself twice before it is ready.
let polls = 0;
const output = blockOn(
  pollFn((cx) => {
    if (++polls < 3) {
      cx.waker.wakeByRef();
      return PENDING;
    }
    return `ready after ${polls} polls`;
  }),
);
console.log(output);
