import { checkTypeOf, describe, readErrorOptions } from "@spindle/core";

/**
 * Tokens that `UncloneableValueError.at` passes to the constructor as the value, with the value's
 * description. A lookup, not `instanceof`: the value may be a revoked Proxy, whose prototype
 * cannot be read.
 */
const described = new WeakMap<object, string>();

/**
 * A job's argument or result that cannot cross threads (a function, a symbol, a class instance
 * other than the supported built-ins, a cycle). Thrown by `spawn`; a job whose result cannot cross
 * fails with it. `path` locates the value (`args[1].items[3]`).
 *
 * @example
 * ```ts
 * import { UncloneableValueError } from "@spindle/codec";
 *
 * const error = new UncloneableValueError('job "fib"', "args[0]", () => 1);
 * console.log(error.message); // job "fib": args[0] (function (anonymous)) cannot cross threads
 * ```
 */
export class UncloneableValueError extends TypeError {
  /** Where the value sits inside what was being sent. */
  readonly path: string;
  readonly #what: string;
  readonly #value: string;
  readonly #why: string;

  /**
   * Creates the error; `what` names the job, `path` the value's place, `value` the value, `why`
   * the reason, and `options.cause` what was thrown while reading it, if anything.
   */
  constructor(what: string, path: string, value: unknown, why = "cannot cross threads", options?: ErrorOptions) {
    checkTypeOf(what, "string", "new UncloneableValueError(): what");
    checkTypeOf(path, "string", "new UncloneableValueError(): path");
    checkTypeOf(why, "string", "new UncloneableValueError(): why");
    const text = (typeof value === "object" && value !== null ? described.get(value) : undefined) ?? describe(value);
    super(`${what}: ${path} (${text}) ${why}`, readErrorOptions(options, "new UncloneableValueError()"));
    this.name = "UncloneableValueError";
    this.path = path;
    this.#what = what;
    this.#value = text;
    this.#why = why;
  }

  /**
   * The same error with the value located at `path` instead: for a caller that packed what it was
   * given before encoding it (a list cut into chunks), so that the path names the value as that
   * caller's own caller passed it. `cause` is kept.
   *
   * @example
   * ```ts
   * import { UncloneableValueError } from "@spindle/codec";
   *
   * const error = new UncloneableValueError('job "square"', "args[0][7]", Symbol.iterator);
   * console.log(error.at("items[77]").message); // job "square": items[77] (Symbol(Symbol.iterator)) cannot cross threads
   * ```
   */
  at(path: string): UncloneableValueError {
    checkTypeOf(path, "string", "UncloneableValueError.at(path): path");
    const options = "cause" in this ? { cause: this.cause } : undefined;
    const token = {};
    described.set(token, this.#value);
    return new UncloneableValueError(this.#what, path, token, this.#why, options);
  }
}

/**
 * Bytes that are not a value's encoding: the shared memory holding a job's arguments or result
 * was overwritten or cut short. Thrown before anything outside the message is read and before
 * anything is allocated for a length the message cannot hold; `offset` is the byte (from the
 * message's start) where the offending record begins.
 *
 * @example
 * ```ts
 * import { CorruptValueError } from "@spindle/codec";
 *
 * const error = new CorruptValueError(1, "an array's length is 4294967295, more than the 5 bytes left in the message can hold");
 * console.log(error.message);
 * // corrupt value encoding at byte 1: an array's length is 4294967295, more than the 5 bytes left in the message can hold
 * ```
 */
export class CorruptValueError extends RangeError {
  /** The byte, from the start of the message, where the offending record begins. */
  readonly offset: number;

  /** Creates the error for the record at byte `offset`; `detail` says what is wrong with it. */
  constructor(offset: number, detail: string, options?: ErrorOptions) {
    checkTypeOf(offset, "number", "new CorruptValueError(): offset");
    checkTypeOf(detail, "string", "new CorruptValueError(): detail");
    super(`corrupt value encoding at byte ${offset}: ${detail}`, readErrorOptions(options, "new CorruptValueError()"));
    this.name = "CorruptValueError";
    this.offset = offset;
  }
}

/**
 * A {@linkcode SharedBuffer} used after its `release()`: read, passed to a job, received by a
 * job, or released again. Thrown on the thread that used it (inside a job, the job fails with
 * it, crossing back as an `Error` named `"BufferReleasedError"`).
 *
 * @example
 * ```ts
 * import { BufferReleasedError } from "@spindle/codec";
 *
 * console.log(new BufferReleasedError("read").message); // a SharedBuffer was read after it was released
 * ```
 */
export class BufferReleasedError extends Error {
  /** Creates the error for a buffer `use`d after its release. */
  constructor(use: string) {
    super(`a SharedBuffer was ${checkTypeOf(use, "string", "new BufferReleasedError(): use")} after it was released`);
    this.name = "BufferReleasedError";
  }
}
