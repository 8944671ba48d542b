/**
 * When the stdio transport reads next. After a line that came alone, following another that did
 * (a client that waits for each answer), the next read waits until that line's answer is written:
 * Deno reads and writes stdio on threads of its blocking pool, and a read left pending while the
 * line commits costs each round trip a second pool thread and its wake-ups. A write that stays
 * pending (a client that does not drain its answers while it sends more) releases the hold, so
 * that reading ahead goes on and the two pipes can never both fill. So does a method that runs
 * alone while it is awaited.
 */

/** How long a write may stay pending, with no other finishing, before a held read goes ahead. */
export const STUCK_WRITE_MS = 50;

/** The hold on reading after a lone line, released by its answer's write or by a stuck write. */
export class ReadHold {
  readonly #stuckAfterMs: number;
  #release: (() => void) | undefined;
  #pendingWrites = 0;
  #finishedWrites = 0;
  #awaitingAlone = 0;
  #watch: ReturnType<typeof setTimeout> | undefined;

  constructor(stuckAfterMs = STUCK_WRITE_MS) {
    this.#stuckAfterMs = stuckAfterMs;
  }

  /**
   * Waits until released; at once when a write is pending already (it may be stuck) or while
   * a method that runs alone is awaited.
   */
  wait(): Promise<void> {
    if (this.#pendingWrites > 0 || this.#awaitingAlone > 0) return Promise.resolve();
    this.#watchWrites();
    return new Promise<void>((resolve) => this.#release = resolve);
  }

  /** Lets a held read go ahead (the answers are written, or the work awaits something else). */
  release(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  /** Awaits the answers of a method that runs alone (it awaits a file); reading goes on. */
  async whileAlone<T>(answers: Promise<T>): Promise<T> {
    this.#awaitingAlone++;
    this.release();
    try {
      return await answers;
    } finally {
      this.#awaitingAlone--;
    }
  }

  /** Tells the hold that a write of answers started; `finished` when it is done (or failed). */
  writing(): () => void {
    this.#pendingWrites++;
    return () => {
      this.#pendingWrites--;
      this.#finishedWrites++;
    };
  }

  /** Releases the hold and stops watching (serving ends). */
  stop(): void {
    clearTimeout(this.#watch);
    this.#watch = undefined;
    this.release();
  }

  // One timer for a run of round trips, not one per write (a timer per write costs each round
  // trip a wake-up): while reads are held it checks every period whether a write stayed pending
  // with none finished since the last check.
  #watchWrites(): void {
    if (this.#watch !== undefined) return;
    let finished = this.#finishedWrites;
    const check = () => {
      this.#watch = undefined;
      if (this.#release === undefined) return;
      if (this.#pendingWrites > 0 && this.#finishedWrites === finished) {
        this.release();
        return;
      }
      finished = this.#finishedWrites;
      this.#watch = setTimeout(check, this.#stuckAfterMs);
    };
    this.#watch = setTimeout(check, this.#stuckAfterMs);
  }
}
