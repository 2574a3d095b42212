// A job's console output before an unref'd runtime lets the process go. On Node and Bun a worker's
// `process.stdout` / `process.stderr` (which `console.log` writes to) are streams that post their
// chunks to the main thread as messages, one batch at a time: a chunk written while the previous
// one is still unacknowledged waits in the worker's stream until the main thread has written that
// one out and asked for more. A job settles through shared memory, ahead of all that; an unref'd
// runtime whose monitor then sees no live job let go of the process, which could exit with the
// job's second line still in its worker (measured: "A" without "B" in 8 runs of 8 on Node 22, 24
// and Bun 1.4.5). Deno's worker streams write to the file descriptor at once (their length is
// always 0), so nothing waits there.
//
// So each machine says, in one shared word, whether output written before one of its settlements
// is still on its way: it looks at its streams' `writableLength` just before publishing a
// settlement (two property loads; a job that wrote nothing costs no more), and when it is not 0,
// sets the word and clears it once both lengths are back to 0. A stream's length drops only when
// the main thread acknowledged a chunk, which it does after writing it to its own stream (Node's
// worker stdio: the parent's readable asks for more data once the chunk went out through its pipe
// to `process.stdout`; measured on Node 22, 24 and Bun: a main thread that let go once the length
// was 0 printed every line of 50 in every run, against 1 of 50 in most runs without). The
// runtime's monitor lets go of an unref'd, idle process only while no word is set.
//
// Rejected: waiting on the worker for the output to be acknowledged before publishing the
// settlement. That needs the main thread's event loop, which a runtime's thread parked in
// `blockOn(handle)` for that very job does not run: a deadlock.

import process from "node:process";
import { HOST_RUNTIME } from "@spindle/core";

/** The shared words: one per processor, 1 while output its machine wrote before a settlement is on its way. */
export function outputWordsBuffer(processors: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * processors);
}

/** How often a machine with output on its way looks whether it has been acknowledged, in ms. */
const POLL_MS = 1;

/** What a stream's queued length (the bytes written and not acknowledged) is read from. */
interface Queued {
  readonly length: number;
}

/**
 * `stream`'s write state, whose `length` the `writableLength` getter returns (Node's and Bun's
 * streams), read with one property load; else a view of the getter. Per settlement of a job that
 * wrote nothing, the getters cost about 50 instructions (callgrind, Node 24), the loads a few.
 */
function queuedOf(stream: unknown): Queued {
  const state = (stream as { _writableState?: Partial<Queued> })._writableState;
  if (typeof state === "object" && state !== null && typeof state.length === "number") return state as Queued;
  return {
    get length(): number {
      return (stream as { writableLength?: number }).writableLength ?? 0;
    },
  };
}

/** A machine's side: marks its word before a settlement while its output is on its way. */
export class OutputFlush {
  readonly #words: Int32Array;
  readonly #processor: number;
  /** This thread's stdout and stderr, or null where writes go out at once. */
  readonly #stdout: Queued | null = null;
  readonly #stderr: Queued | null = null;
  /** Mirrors the word: only this thread writes it while the thread lives. */
  #pending = false;
  readonly #poll = (): void => this.#check();

  /** Over the runtime's output words (`outputWordsBuffer`), as processor `processor`'s machine. */
  constructor(buffer: SharedArrayBuffer, processor: number) {
    this.#words = new Int32Array(buffer);
    this.#processor = processor;
    // Deno's worker streams write at once (their length stayed 0 after a write, measured on
    // 2.9.6), and reading their length took 50-110 ns.
    if (HOST_RUNTIME !== "Deno") {
      this.#stdout = queuedOf(process.stdout);
      this.#stderr = queuedOf(process.stderr);
    }
  }

  /** Called just before a settlement is published: marks the word if output is on its way. */
  beforeSettle(): void {
    if (this.#pending || this.#stdout === null || this.#stdout.length + (this.#stderr as Queued).length === 0) return;
    this.#pending = true;
    // SC, before the settlement's SC add to this thread's settled count (JobRecords.#announce):
    // the runtime's thread reads the counts first and the words after (PendingOutput.pending), so
    // one that sees this job settled sees the word set.
    Atomics.store(this.#words, this.#processor, 1);
    this.#schedule();
  }

  #schedule(): void {
    // Unref'd: it must not keep the thread alive (while a chunk is unacknowledged, Node's worker
    // stream holds the thread's port ref'd itself).
    setTimeout(this.#poll, POLL_MS).unref?.();
  }

  #check(): void {
    if ((this.#stdout as Queued).length + (this.#stderr as Queued).length !== 0) {
      this.#schedule();
      return;
    }
    this.#pending = false;
    // Every chunk was acknowledged, so written to the process's streams by the main thread.
    Atomics.store(this.#words, this.#processor, 0);
  }
}

/** The runtime's side: whether any machine's output is on its way. */
export class PendingOutput {
  readonly #words: Int32Array;

  /** Over the runtime's output words (`outputWordsBuffer`). */
  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer);
  }

  /**
   * Whether some machine's output written before a settlement is on its way. Read after the live
   * count (see {@linkcode OutputFlush.beforeSettle}).
   */
  pending(): boolean {
    const words = this.#words;
    for (let p = 0; p < words.length; p++) {
      if (Atomics.load(words, p) !== 0) return true;
    }
    return false;
  }

  /**
   * Processor `p`'s thread exited: whatever it had posted has arrived (or never will), and a word
   * it left set must not hold the process for good. Its next machine starts after this.
   */
  exited(p: number): void {
    Atomics.store(this.#words, p, 0);
  }
}
