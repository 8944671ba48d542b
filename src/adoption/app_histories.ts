/** Each app's deployments in order, as adoption needs them: which is latest, which followed which. Pure. */
import type { FullDeployment } from "../store/full_rows.ts";

interface Dated {
  id: number;
  app_name: string;
  started_at: string;
}

/** A deployment as adopted, and whether its events moved traffic to it. */
export interface AdoptedDeployment extends Dated {
  status: FullDeployment["status"];
  active_color: FullDeployment["active_color"];
  image: string;
  ended_at: string | null;
  moved_traffic: boolean;
}

/** An app's deployments, and its latest. */
export interface AppHistory {
  latest: AdoptedDeployment;
  deployments: AdoptedDeployment[];
}

/** Later in an app's history: by start time, then id. */
export function later(a: Dated, b: Dated): boolean {
  return a.started_at > b.started_at || (a.started_at === b.started_at && a.id > b.id);
}

/**
 * When the next deployment of the same app started, for each deployment but each app's latest:
 * a deployment left in flight that a later one (even a rebuilt one) followed is over.
 */
export function successorStarts(deployments: readonly Dated[]): Map<number, string> {
  const byApp = new Map<string, Dated[]>();
  for (const d of deployments) {
    const list = byApp.get(d.app_name);
    if (list === undefined) byApp.set(d.app_name, [d]);
    else list.push(d);
  }
  const starts = new Map<number, string>();
  for (const list of byApp.values()) {
    list.sort((a, b) => later(a, b) ? 1 : later(b, a) ? -1 : 0);
    list.forEach((d, i) => {
      if (i + 1 < list.length) starts.set(d.id, list[i + 1].started_at);
    });
  }
  return starts;
}

/** Each app's history, apps in the order their first deployment comes in `deployments`. */
export function appHistories(deployments: readonly AdoptedDeployment[]): Map<string, AppHistory> {
  const histories = new Map<string, AppHistory>();
  for (const d of deployments) {
    const history = histories.get(d.app_name);
    if (history === undefined) {
      histories.set(d.app_name, { latest: d, deployments: [d] });
      continue;
    }
    history.deployments.push(d);
    if (later(d, history.latest)) history.latest = d;
  }
  return histories;
}
