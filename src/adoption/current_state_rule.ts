/**
 * A Go `current_state` row adopted: pointed at its app's latest deployment, its status derived
 * from it where the Go word says otherwise, and its color and image what actually serves
 * traffic. An app with no deployment has no row in this schema (the Go row is logged whole);
 * an app with deployments but no row gets one. Pure.
 */
import { GO_STATE_STATUS } from "../go_legacy.ts";
import { isInFlight, type State } from "../lifecycle.ts";
import type { FullCurrentState, FullDeployment } from "../store/full_rows.ts";
import { type AdoptedDeployment, type AppHistory, later } from "./app_histories.ts";
import { type AppRenames, UNUSABLE_APP_NAME, usableApp } from "./app_names.ts";
import type { EventSummaries } from "./event_summaries.ts";
import type { GoState } from "./go_rows.ts";
import { type Adopted, type AdoptionRepair, goText, RowRepairs } from "./repairs.ts";

/** What a current_state row needs to know of the deployments adopted. */
export interface StateContext {
  renames: AppRenames;
  histories: ReadonlyMap<string, AppHistory>;
  deploymentIds: ReadonlySet<number>;
  summaries: EventSummaries;
  /** The adoption's time: what an unreadable `updated_at` becomes. */
  now: string;
}

/** What serves an app's traffic, when anything known does. */
type Live = { color: FullDeployment["active_color"]; image: string } | null;

/** The Go row adopted (undefined when the app has no deployment), with its repairs. */
export function adoptCurrentState(
  go: GoState,
  context: StateContext,
): { app: string; row?: FullCurrentState; repairs: AdoptionRepair[] } {
  const goApp = goText(go.app_name) ?? "";
  const repairs = new RowRepairs("current_state", `app=${goApp}`);
  const app = usableApp(goApp, context.renames);
  if (app !== goApp) {
    repairs.add("app_name", { from: goApp, to: app, reason: UNUSABLE_APP_NAME });
  }
  const history = context.histories.get(app);
  const pointed = Number(go.deployment_id ?? 0);
  if (history === undefined) {
    dropped(go, { pointed, repairs });
    return { app, repairs: repairs.list };
  }
  const { latest } = history;
  if (pointed !== latest.id) {
    const reason = context.deploymentIds.has(pointed)
      ? "not the app's latest deployment"
      : pointed === 0
      ? "deployment_id 0 although the app has deployments"
      : "no such deployment";
    repairs.add("deployment_id", { from: pointed, to: latest.id, reason });
  }
  const word = goText(go.status) ?? "";
  const status = stateStatus(word, { latest, summaries: context.summaries, repairs });
  const claim = { color: goText(go.active_color), image: goText(go.image) };
  const live = livePair(claim, { history, repairs });
  const row: FullCurrentState = {
    app_name: app,
    deployment_id: latest.id,
    active_color: live?.color ?? null,
    image: live?.image ?? null,
    status,
    updated_at: repairs.time("updated_at", { value: go.updated_at, fallback: context.now }),
    legacy_status: word,
  };
  return { app, row, repairs: repairs.list };
}

/** Logs the row of an app without deployments whole, so that dropping it loses nothing. */
function dropped(go: GoState, context: { pointed: number; repairs: RowRepairs }): void {
  const { pointed } = context;
  context.repairs.add(null, {
    from: JSON.stringify(go),
    to: null,
    reason: pointed === 0
      ? "app never deployed (deployment_id 0): no current_state row in this schema"
      : `deployment ${pointed} does not exist and the app has no other: row dropped`,
  });
}

/** The row of an app that has deployments but no Go row, made from its latest deployment. */
export function currentStateFromHistory(
  history: AppHistory,
  summaries: EventSummaries,
): Adopted<FullCurrentState> {
  const { latest } = history;
  const repairs = new RowRepairs("current_state", `app=${latest.app_name}`);
  const status = stateStatus("", { latest, summaries, repairs });
  const live = livePair({ color: null, image: null }, { history, repairs });
  repairs.add(null, {
    from: null,
    to: latest.id,
    reason: "app has deployments but no current_state row: created from them",
  });
  return {
    row: {
      app_name: latest.app_name,
      deployment_id: latest.id,
      active_color: live?.color ?? null,
      image: live?.image ?? null,
      status,
      updated_at: latest.ended_at ?? latest.started_at,
      legacy_status: null,
    },
    repairs: repairs.list,
  };
}

/** The state word for an app given its latest deployment, logging any change of meaning. */
function stateStatus(
  word: string,
  context: { latest: AdoptedDeployment; summaries: EventSummaries; repairs: RowRepairs },
): State {
  const { latest } = context;
  const mapped = GO_STATE_STATUS[word.toLowerCase()];
  let status: State;
  if (latest.status === "in_progress") {
    const last = context.summaries.get(latest.id)?.state;
    status = last !== undefined && isInFlight(last) ? last : "starting";
  } else {
    status = latest.status === "failed" ? "failed" : "stable";
    if (mapped === "stable" || mapped === "failed") status = mapped;
  }
  if (word !== "" && mapped !== status) {
    context.repairs.add("status", {
      from: word,
      to: status,
      reason: mapped === undefined
        ? "status word not in the mapping table: derived from the latest deployment"
        : `derived from the latest deployment (${latest.id}, ${latest.status})`,
    });
  }
  return status;
}

/**
 * What serves an app's traffic: the in-flight deployment once its events moved traffic;
 * otherwise the color the Go row names (any color when there is no row), with the image of
 * the app's latest deployment that brought that color up. The Go tool's `ready` rows (and its
 * state machine's) pair the old color with the new deployment's image, and `switch` keeps the
 * image of the row it replaces: the Go row's image is only a claim.
 */
function livePair(
  claim: { color: string | null; image: string | null },
  context: { history: AppHistory; repairs: RowRepairs },
): Live {
  const { latest } = context.history;
  const found = liveDeployment(claim.color, context.history);
  const noRow = claim.color === null && claim.image === null;
  if (noRow) return found ? { color: found.live.active_color, image: found.live.image } : null;
  const claimed = `${claim.color}/${claim.image}`;
  if (found === undefined) {
    if (claim.color !== "" || claim.image !== "") {
      context.repairs.add("active_color", {
        from: claimed,
        to: null,
        reason: `no deployment of ${latest.app_name} brought up ${
          claim.color || "a color"
        }: what serves traffic is unknown`,
      });
    }
    return null;
  }
  const { live, why } = found;
  if (live.active_color !== claim.color || live.image !== claim.image) {
    context.repairs.add("active_color", {
      from: claimed,
      to: `${live.active_color}/${live.image}`,
      reason: `the Go row's color and image are not what serves traffic: ${why}`,
    });
  }
  return { color: live.active_color, image: live.image };
}

/** The deployment serving traffic (see `livePair`), and why it is taken to be. */
function liveDeployment(
  color: string | null,
  history: AppHistory,
): { live: AdoptedDeployment; why: string } | undefined {
  const { latest } = history;
  if (latest.status === "in_progress" && latest.moved_traffic) {
    const why = `deployment ${latest.id} in flight has moved traffic to ${latest.active_color}`;
    return { live: latest, why };
  }
  let live: AdoptedDeployment | undefined;
  for (const d of history.deployments) {
    if (!(d.status === "success" || d.moved_traffic)) continue;
    if (color !== null && d.active_color !== color) continue;
    if (live === undefined || later(d, live)) live = d;
  }
  if (live === undefined) return undefined;
  return { live, why: `deployment ${live.id} brought up ${live.active_color} with ${live.image}` };
}
