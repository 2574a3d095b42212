// A task stand-in for the random cancel-safety tests: it waits on one future at a time and polls
// it only after its waker was woken, so a lost wake-up shows as a waiter nobody wakes.
import assert from "node:assert/strict";
import { type Future, PENDING } from "@spindle/core";
import { TestTask } from "./harness.ts";

/** A task stand-in waiting on one future at a time, polled only when woken. */
export class Actor<T> {
  readonly task: TestTask = new TestTask();
  future: Future<T> | null = null;
  #seenWakes = 0;

  start(future: Future<T>): T | typeof PENDING {
    this.future = future;
    this.#seenWakes = this.task.wakes;
    return this.#poll();
  }

  get woken(): boolean {
    return this.future !== null && this.task.wakes > this.#seenWakes;
  }

  /** Polls the waiting future if it was woken; its output, or PENDING. */
  pollIfWoken(): T | typeof PENDING {
    if (!this.woken) return PENDING;
    this.#seenWakes = this.task.wakes;
    return this.#poll();
  }

  drop(): void {
    this.future?.[Symbol.dispose]();
    this.future = null;
  }

  #poll(): T | typeof PENDING {
    const output = this.task.poll(this.future!);
    if (output !== PENDING) this.future = null;
    return output;
  }
}

/**
 * Fails unless some holder can still wake the waiting actors: while any actor waits, one must
 * hold what they wait for, or one must have been woken already (else a wake-up was lost).
 */
export function assertNoLostWakeUp(
  actors: readonly { readonly actor: Actor<unknown>; readonly held: unknown }[],
  where: string,
): void {
  const someoneWoken = actors.some((x) => x.actor.woken);
  const waiting = actors.some((x) => x.actor.future !== null);
  const holding = actors.some((x) => x.held !== null);
  assert.ok(!waiting || holding || someoneWoken, `${where}: waiters left with nobody to wake them`);
}
