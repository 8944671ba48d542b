/**
 * Deployments that Go events name but the Go file lacks: each group of such events (by the value
 * they name and their app) gets a deployment rebuilt from them. Pure.
 */
import type { SqlValue } from "../db/database.ts";

/** A deployment rebuilt from the events that name it. */
export interface MissingDeployment {
  id: number;
  app_name: string;
  events: number;
}

export class MissingDeployments {
  readonly #byKey = new Map<string, MissingDeployment>();
  readonly #claimed = new Set<number>();
  #nextId: number;

  /** Fresh ids start above `highestId`, the highest id a deployment has or an event names. */
  constructor(highestId: number) {
    this.#nextId = highestId + 1;
  }

  /**
   * The deployment standing for events naming `value`, of `app`: the missing id itself when it
   * is usable and unclaimed, else a fresh id. The same value and app always get the same one.
   */
  claim(value: SqlValue, app: string): MissingDeployment {
    const key = JSON.stringify([typeof value, String(value), app]);
    let missing = this.#byKey.get(key);
    if (missing === undefined) {
      const named = Number(value);
      const id = Number.isSafeInteger(named) && named > 0 && !this.#claimed.has(named)
        ? named
        : this.#nextId++;
      this.#claimed.add(id);
      missing = { id, app_name: app, events: 0 };
      this.#byKey.set(key, missing);
    }
    return missing;
  }

  all(): MissingDeployment[] {
    return [...this.#byKey.values()];
  }
}
