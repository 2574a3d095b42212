import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, PENDING } from "@spindle/core";
import { Notify } from "./mod.ts";
import { random, TestTask } from "./test-support/harness.ts";

test("notifyOne with nobody waiting keeps one permit, however often it is called", () => {
  const notify = new Notify();
  notify.notifyOne();
  notify.notifyOne();
  blockOn(notify.notified());
  const task = new TestTask();
  assert.equal(task.poll(notify.notified()), PENDING, "only one permit was kept");
});

test("notifyOne wakes the longest-waiting future only", () => {
  const notify = new Notify();
  const [a, b] = [new TestTask(), new TestTask()];
  const first = notify.notified();
  const second = notify.notified();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  notify.notifyOne();
  assert.deepEqual([a.wakes, b.wakes], [1, 0]);
  assert.equal(a.poll(first), undefined);
  assert.equal(b.poll(second), PENDING);
});

test("notifyWaiters completes every notified() made before it, polled or not, and keeps no permit", () => {
  const notify = new Notify();
  const task = new TestTask();
  const polled = notify.notified();
  const unpolled = notify.notified();
  assert.equal(task.poll(polled), PENDING);
  notify.notifyWaiters();
  assert.equal(task.wakes, 1);
  assert.equal(task.poll(polled), undefined);
  assert.equal(task.poll(unpolled), undefined);
  assert.equal(task.poll(notify.notified()), PENDING, "notifyWaiters keeps no permit");
});

test("a notified() chosen by notifyOne but dropped before it ran passes the notification to the next waiter", () => {
  const notify = new Notify();
  const [a, b] = [new TestTask(), new TestTask()];
  const first = notify.notified();
  const second = notify.notified();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  notify.notifyOne();
  first[Symbol.dispose]();
  assert.equal(b.wakes, 1);
  assert.equal(b.poll(second), undefined);
});

test("a dropped notified() with nobody behind it leaves the notification as the permit", () => {
  const notify = new Notify();
  const task = new TestTask();
  const waiting = notify.notified();
  assert.equal(task.poll(waiting), PENDING);
  notify.notifyOne();
  waiting[Symbol.dispose]();
  assert.equal(task.live, 0);
  assert.equal(task.poll(notify.notified()), undefined, "the permit was kept");
});

test("a pending notified() dropped without a notification leaves the queue", () => {
  const notify = new Notify();
  const [a, b] = [new TestTask(), new TestTask()];
  const first = notify.notified();
  const second = notify.notified();
  assert.equal(a.poll(first), PENDING);
  assert.equal(b.poll(second), PENDING);
  first[Symbol.dispose]();
  notify.notifyOne();
  assert.equal(b.wakes, 1);
  assert.equal(b.poll(second), undefined);
});

test("notifyLast wakes the newest waiter, keeps a permit when none waits, and a dropped chosen one passes it to the next newest", () => {
  const notify = new Notify();
  const tasks = [new TestTask(), new TestTask(), new TestTask()];
  const futures = tasks.map(() => notify.notified());
  futures.forEach((f, i) => assert.equal(tasks[i]!.poll(f), PENDING));
  notify.notifyLast();
  assert.deepEqual(tasks.map((t) => t.wakes), [0, 0, 1]);
  futures[2]![Symbol.dispose]();
  assert.deepEqual(tasks.map((t) => t.wakes), [0, 1, 1], "passed on LIFO, as it was given");
  assert.equal(tasks[1]!.poll(futures[1]!), undefined);
  futures[0]![Symbol.dispose]();
  notify.notifyLast(); // nobody waits: kept as the permit
  assert.equal(blockOn(notify.notified()), undefined);
});

test("enable() queues the future before its first poll, takes a kept permit, and a dropped enabled future passes what it got on", () => {
  const notify = new Notify();
  const early = notify.notified();
  const late = notify.notified();
  const task = new TestTask();
  assert.equal(task.poll(late), PENDING); // polled first...
  assert.equal(early.enable(), false); // ...but enabled before the notifyOne below, so behind it
  notify.notifyOne();
  assert.equal(task.wakes, 1, "the first in the queue (late) got it");
  assert.equal(early.enable(), false);
  notify.notifyOne();
  assert.equal(early.enable(), true, "chosen while not polled: no waker to wake, but notified");
  early[Symbol.dispose](); // not used: passes on, as the permit (nobody else waits)
  assert.equal(task.poll(late), undefined);
  const taker = notify.notified();
  assert.equal(taker.enable(), true, "took the permit the dropped one passed on");
  const next = notify.notified();
  assert.equal(next.enable(), false);
  taker[Symbol.dispose](); // the taken permit goes on: to `next`, which waits
  assert.equal(next.enable(), true);
  assert.equal(blockOn(next), undefined);
  assert.equal(next.enable(), true, "completed");
});

/**
 * A model of what must hold: `held` notifications given to live futures not yet used, and the
 * kept `permit`. A notification goes to a waiting future if one waits, else becomes the permit; a
 * future dropped with one passes it on the same way. After every step, exactly `held` live futures
 * say (through `enable()`, which only observes a queued future) that they are notified.
 */
test("stress: notifyOne, notifyLast and enable with random drops lose no notification", () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const rand = random(seed);
    const notify = new Notify();
    let held = 0;
    let permit = false;
    const live: { future: ReturnType<Notify["notified"]>; task: TestTask }[] = [];
    const giveOne = (): void => {
      if (live.length - held > 0) held++;
      else permit = true;
    };
    for (let step = 0; step < 3000; step++) {
      const r = rand();
      if (r < 0.25) {
        const future = notify.notified();
        const task = new TestTask();
        if (rand() < 0.5) {
          assert.equal(future.enable(), permit, `seed ${seed} step ${step}: enable() took the permit iff one was kept`);
          live.push({ future, task });
          if (permit) [permit, held] = [false, held + 1];
        } else if (task.poll(future) === PENDING) {
          assert.equal(permit, false, `seed ${seed} step ${step}: waits though a permit is kept`);
          live.push({ future, task });
        } else {
          assert.equal(permit, true, `seed ${seed} step ${step}: completed without a notification`);
          permit = false;
        }
      } else if (r < 0.45) {
        if (rand() < 0.5) notify.notifyOne();
        else notify.notifyLast();
        giveOne();
      } else if (r < 0.7 && live.length > 0) {
        const [entry] = live.splice(Math.floor(rand() * live.length), 1);
        const hadOne = entry!.future.enable();
        entry!.future[Symbol.dispose]();
        if (hadOne) {
          held--;
          giveOne();
        }
      } else if (live.length > 0) {
        const i = Math.floor(rand() * live.length);
        if (live[i]!.task.poll(live[i]!.future) !== PENDING) {
          live.splice(i, 1);
          held--;
        }
      }
      const notified = live.filter((e) => e.future.enable()).length;
      assert.equal(notified, held, `seed ${seed} step ${step}: a notification was lost or made up`);
    }
    for (const { future } of live.splice(0)) future[Symbol.dispose]();
    assert.equal(notify.notified().enable(), permit || held > 0, `seed ${seed}: the permit at the end`);
  }
});
