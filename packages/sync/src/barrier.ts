import { consumeBudget, type Context, Future, PENDING, type Poll, refundBudget, SpindleError } from "@spindle/core";
import { checkPermits } from "./errors.ts";
import { WaitList, WaitNode } from "./wait-list.ts";

/** Arrives; returns the round's generation to wait on, or -1 when this arrival released the round. */
let arrive: (barrier: Barrier, node: WaitNode) => number;
/** Takes an arrival of round `generation` back, unless that round was already released. */
let leave: (barrier: Barrier, node: WaitNode, generation: number) => void;
let generationOf: (barrier: Barrier) => number;

/** What {@linkcode Barrier.wait} returns: exactly one task of each round is the leader. */
export interface BarrierWaitResult {
  /** Whether this task's arrival released the round (the last to arrive). */
  readonly isLeader: boolean;
}

/**
 * Makes `n` tasks wait until all `n` have arrived (tokio's `Barrier`), then releases them
 * together; the barrier is then ready for the next round. The last task to arrive is the round's
 * leader.
 *
 * A task arrives when its `wait()` future is first polled. Dropping a `wait()` future that has
 * arrived but not been released takes its arrival back (unlike tokio, whose arrival stays
 * counted), so a cancelled task cannot release a round in which it no longer takes part.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor } from "@spindle/core";
 * import { Barrier } from "@spindle/sync";
 *
 * const barrier = new Barrier(3);
 * const log: string[] = [];
 * function* worker(name: string): Coroutine<void> {
 *   log.push(`${name} arrives`);
 *   const { isLeader } = yield* barrier.wait();
 *   if (isLeader) log.push("all arrived");
 * }
 * const executor = new LocalExecutor();
 * for (const name of ["a", "b", "c"]) executor.spawn(worker(name));
 * await executor.run();
 * console.log(log.at(-1)); // all arrived
 * ```
 */
export class Barrier {
  readonly #parties: number;
  #arrived = 0;
  #generation = 0;
  readonly #waiters = new WaitList<WaitNode>();

  /**
   * A barrier for `n` tasks (an integer from 0 to 2^31 - 1). As in tokio and async-lock, a
   * barrier of 0 behaves as one of 1: every `wait()` completes at once, as its round's leader.
   */
  constructor(n: number) {
    this.#parties = Math.max(1, checkPermits("Barrier parties", n));
  }

  /** How many tasks each round waits for (1 for a barrier made with 0). */
  get parties(): number {
    return this.#parties;
  }

  /** A future that arrives at the barrier when first polled and completes when the round is released. */
  wait(): Future<BarrierWaitResult> {
    return new Wait(this);
  }

  static {
    arrive = (barrier, node) => {
      if (++barrier.#arrived < barrier.#parties) {
        barrier.#waiters.push(node);
        return barrier.#generation;
      }
      barrier.#arrived = 0;
      barrier.#generation++;
      barrier.#waiters.wakeAll();
      return -1;
    };
    leave = (barrier, node, generation) => {
      if (generation !== barrier.#generation) return;
      barrier.#waiters.remove(node);
      barrier.#arrived--;
    };
    generationOf = (barrier) => barrier.#generation;
  }
}

const LEADER: BarrierWaitResult = Object.freeze({ isLeader: true });
const FOLLOWER: BarrierWaitResult = Object.freeze({ isLeader: false });

class Wait extends Future<BarrierWaitResult> {
  readonly #barrier: Barrier;
  #node: WaitNode | null = null;
  /** The round it arrived in, -1 before arriving, -2 once complete. */
  #generation = -1;

  constructor(barrier: Barrier) {
    super();
    this.#barrier = barrier;
  }

  poll(cx: Context): Poll<BarrierWaitResult> {
    const barrier = this.#barrier;
    if (this.#generation === -2) {
      throw new SpindleError("FUTURE_COMPLETED", "Barrier.wait() was polled after it completed");
    }
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    if (this.#generation === -1) {
      const node = new WaitNode();
      const generation = arrive(barrier, node);
      if (generation === -1) {
        this.#generation = -2;
        return LEADER;
      }
      this.#node = node;
      this.#generation = generation;
    }
    const node = this.#node!;
    if (generationOf(barrier) !== this.#generation) {
      node.dropWaker();
      this.#node = null;
      this.#generation = -2;
      return FOLLOWER;
    }
    refundBudget();
    node.register(cx.waker);
    return PENDING;
  }

  /** Dropped before its round was released: the arrival is taken back. */
  override [Symbol.dispose](): void {
    const node = this.#node;
    if (node !== null && this.#generation >= 0) leave(this.#barrier, node, this.#generation);
    node?.dropWaker();
    this.#node = null;
    this.#generation = -2;
  }
}
