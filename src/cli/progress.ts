/** A one-line progress bar for stderr; the caller shows it only when stderr is a terminal. */
export class ProgressBar {
  readonly #label: string;
  readonly #total: number;
  readonly #write: (text: string) => void;
  #lastDrawn = 0;

  constructor(label: string, total: number, write: (text: string) => void) {
    this.#label = label;
    this.#total = total;
    this.#write = write;
    this.#draw(0);
  }

  /** Redraws at most every 100 ms. */
  tick(done: number): void {
    const now = performance.now();
    if (now - this.#lastDrawn < 100) return;
    this.#lastDrawn = now;
    this.#draw(done);
  }

  /** Clears the line. */
  done(): void {
    this.#write("\r\x1b[K");
  }

  #draw(done: number): void {
    const fraction = this.#total > 0 ? Math.min(1, done / this.#total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = "#".repeat(filled) + ".".repeat(width - filled);
    this.#write(
      `\r${this.#label} [${bar}] ${Math.floor(fraction * 100)}% ${done}/${this.#total}\x1b[K`,
    );
  }
}
