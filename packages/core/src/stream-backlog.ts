/**
 * What `map` and `filter` keep when their callback throws partway through a chunk they took from
 * their source (`pollChunk`): the error, to throw at the next poll, and the items after the one
 * that threw, to give out after it. Taken one at a time (`pollNext`), the items after the throw
 * would still be in the source; taking them ahead in a chunk must not lose them for a consumer
 * that catches the error and polls on (`chunks`, `chunksTimeout`, or a loop around `next`).
 */
export class StreamBacklog<T> {
  #items: T[] | null = null;
  #at = 0;
  #failure: { error: unknown } | null = null;

  /** Whether an error or items are waiting (the hot path's only check). */
  get isEmpty(): boolean {
    return this.#items === null && this.#failure === null;
  }

  /**
   * The callback threw `error` on `chunk[from - 1]`: keeps `error` and `chunk[from..]` ahead of
   * the items already kept (which came after the chunk in the source).
   */
  keep(error: unknown, chunk: T[], from: number): void {
    const rest = chunk.slice(from);
    const items = this.#items;
    if (items !== null) { for (let i = this.#at; i < items.length; i++) rest.push(items[i] as T); }
    this.#items = rest.length > 0 ? rest : null;
    this.#at = 0;
    this.#failure = { error };
  }

  /** Throws the kept error once, if any; then up to `max` kept items, or `null` when none is left. */
  take(max: number): T[] | null {
    const failure = this.#failure;
    if (failure !== null) {
      this.#failure = null;
      throw failure.error;
    }
    const items = this.#items;
    if (items === null) return null;
    const end = Math.min(items.length, this.#at + max);
    const taken = items.slice(this.#at, end);
    this.#at = end;
    if (end === items.length) this.#items = null;
    return taken;
  }
}
