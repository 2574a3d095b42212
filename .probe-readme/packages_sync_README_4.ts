// packages/sync/README.md:319
import { Context, PENDING } from "@spindle/core";
import { Mutex } from "@spindle/sync";

const mutex = new Mutex(0);
const held = mutex.tryLock()!;
const lock = mutex.lock();
console.log(lock.poll(Context.noop()) === PENDING); // true: it waits in the queue
lock[Symbol.dispose](); // cancelled: it leaves the queue
held.release();
console.log(mutex.isLocked); // false: the lock was not handed to the dropped waiter
