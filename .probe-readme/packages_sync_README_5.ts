// packages/sync/README.md:343
import { SharedNotify, SharedSemaphore } from "@spindle/sync";

const semaphore = new SharedSemaphore(2); // new Worker(url, { workerData: semaphore.handle })
const permit = SharedSemaphore.from(structuredClone(semaphore.handle)).acquireBlocking(2)!;
console.log(semaphore.tryAcquire()); // null
permit.release();

const notify = new SharedNotify();
notify.notifyOne(); // no waiter: kept as the permit
console.log(notify.notifiedBlocking(0), notify.notifiedBlocking(0)); // true false
