/**
 * A Go `deployments` row adopted: its id kept, its Go status word mapped (and kept as
 * `legacy_status`), its outcome taken from its events, at most its app's latest left in flight,
 * its references to configs and deployments of other apps (or none) cleared. Pure.
 */
import { GO_DEPLOYMENT_STATUS, goTimeToIso } from "../go_legacy.ts";
import type { FullDeployment } from "../store/full_rows.ts";
import { adoptAppName, type AppRenames } from "./app_names.ts";
import type { EventSummaries } from "./event_summaries.ts";
import type { GoDeployment } from "./go_rows.ts";
import type { MissingDeployment } from "./missing_deployments.ts";
import { type Adopted, EPOCH, goText, RowRepairs } from "./repairs.ts";

type DeploymentStatus = FullDeployment["status"];
type Color = FullDeployment["active_color"];

/** What a deployment needs to know of the rest of the file. */
export interface DeploymentContext {
  renames: AppRenames;
  summaries: EventSummaries;
  /** The app of each config adopted. */
  configApps: ReadonlyMap<number, string>;
  /** The app of each deployment adopted, rebuilt ones included. */
  deploymentApps: ReadonlyMap<number, string>;
  /** When the next deployment of the same app started; an app's latest has none. */
  successorStarts: ReadonlyMap<number, string>;
}

/** When a Go deployment started: its own time, else its first event's, else 1970. */
export function goDeploymentStart(go: GoDeployment, summaries: EventSummaries): string {
  return goTimeToIso(goText(go.started_at)) ?? summaries.get(Number(go.id))?.first ?? EPOCH;
}

export function adoptDeployment(
  go: GoDeployment,
  context: DeploymentContext,
): Adopted<FullDeployment> {
  const id = Number(go.id);
  const repairs = new RowRepairs("deployments", `id=${id}`);
  const app_name = adoptAppName(go.app_name, { renames: context.renames, repairs });
  const started_at = repairs.time("started_at", {
    value: go.started_at,
    fallback: context.summaries.get(id)?.first ?? EPOCH,
  });
  const row = { id, app_name, started_at, legacy_status: goText(go.status) ?? "" };
  const { status, ended_at } = outcome(go, { ...context, row, repairs });
  return {
    row: {
      ...row,
      status,
      ended_at,
      active_color: colorOf(go.active_color, repairs),
      image: imageOf(go.image, repairs),
      config_id: configOf(go.config_id, { ...context, app_name, repairs }),
      rollback_of: rollbackOf(go.rollback_of, { ...context, id, app_name, repairs }),
      // Set once every event is copied (the rewrite chains them last).
      chain_head: null,
    },
    repairs: repairs.list,
  };
}

/** A deployment that events name but the Go file lacks, rebuilt from its events. */
export function rebuiltDeployment(
  missing: MissingDeployment,
  summaries: EventSummaries,
): Adopted<FullDeployment> {
  const summary = summaries.get(missing.id)!;
  const status = summaries.endedBy(missing.id)?.outcome ?? "failed";
  const repairs = new RowRepairs("deployments", `id=${missing.id}`);
  repairs.add(null, {
    from: null,
    to: status,
    reason: `missing, but ${missing.events} event(s) refer to it: rebuilt from them ` +
      "(image unknown, color blue)",
  });
  return {
    row: {
      id: missing.id,
      app_name: missing.app_name,
      config_id: null,
      image: "unknown",
      started_at: summary.first,
      ended_at: summary.last,
      status,
      active_color: "blue",
      rollback_of: null,
      legacy_status: null,
      chain_head: null,
    },
    repairs: repairs.list,
  };
}

type RowContext = DeploymentContext & {
  row: { id: number; app_name: string; started_at: string; legacy_status: string };
  repairs: RowRepairs;
};

/**
 * The status and end time: the Go word mapped; an in-flight one ended by its events, or failed
 * when it has an end time or a later deployment of its app followed it; an ended one without an
 * end time ended at its last event (else its start).
 */
function outcome(go: GoDeployment, context: RowContext): Outcome {
  const { row, repairs } = context;
  const status = mappedStatus(row.legacy_status, repairs);
  const ended = readEnd(go.ended_at, repairs);
  const resolved = status === "in_progress"
    ? inFlightOutcome(ended, context)
    : { status, ended_at: ended ?? endOfEnded(goText(go.ended_at), context) };
  // An end before the start (a clock set back, a time that fell back) is its start.
  if (resolved.ended_at !== null && resolved.ended_at < row.started_at) {
    resolved.ended_at = row.started_at;
  }
  return resolved;
}

type Outcome = { status: DeploymentStatus; ended_at: string | null };

/**
 * A Go row still in flight: ended as its events say (the Go code never updates a deployment's
 * status), failed when it has an end time or a later deployment of its app followed it, else
 * left in flight.
 */
function inFlightOutcome(ended: string | null, context: RowContext): Outcome {
  const { row, repairs } = context;
  const fix = (outcome: Outcome, reason: string) => {
    repairs.add("status", { from: row.legacy_status, to: outcome.status, reason });
    return outcome;
  };
  const byEvents = context.summaries.endedBy(row.id);
  if (byEvents !== undefined) {
    return fix(
      { status: byEvents.outcome, ended_at: byEvents.at },
      `its ${byEvents.event} event ended it (ended_at set to that event's time)`,
    );
  }
  if (ended !== null) return fix({ status: "failed", ended_at: ended }, "ended without an outcome");
  const successorStart = context.successorStarts.get(row.id);
  if (successorStart === undefined) return { status: "in_progress", ended_at: null };
  return fix(
    { status: "failed", ended_at: successorStart },
    `unterminated, superseded by a later deployment of ${row.app_name} (ended_at set to its start)`,
  );
}

/** The end time of an ended row that has none: its last event's time, else its start. */
function endOfEnded(goEnd: string | null, context: RowContext): string {
  const { row } = context;
  const ended = context.summaries.get(row.id)?.last ?? row.started_at;
  context.repairs.add("ended_at", {
    from: goEnd,
    to: ended,
    reason: `${row.legacy_status} without an end time (last event, else start)`,
  });
  return ended;
}

/** The Go status word in this schema's words; a word not in the table is `failed`. */
function mappedStatus(word: string, repairs: RowRepairs): DeploymentStatus {
  const status = GO_DEPLOYMENT_STATUS[word.toLowerCase()];
  if (status !== undefined) return status;
  repairs.add("status", {
    from: word,
    to: "failed",
    reason: "status word not in the mapping table",
  });
  return "failed";
}

/** The Go end time, null when there is none ('' included) or it cannot be read (logged). */
function readEnd(value: unknown, repairs: RowRepairs): string | null {
  const text = goText(value);
  if (text === null || text === "") return null;
  const iso = goTimeToIso(text);
  if (iso !== undefined) return iso;
  repairs.add("ended_at", { from: text, to: null, reason: "unreadable timestamp" });
  return null;
}

function colorOf(value: unknown, repairs: RowRepairs): Color {
  const color = goText(value) ?? "";
  if (color === "blue" || color === "green") return color;
  repairs.add("active_color", { from: color, to: "blue", reason: "not blue or green" });
  return "blue";
}

function imageOf(value: unknown, repairs: RowRepairs): string {
  const image = goText(value) ?? "";
  if (image !== "") return image;
  repairs.add("image", { from: image, to: "unknown", reason: "empty image" });
  return "unknown";
}

/** The deployment's config: NULL (logged) when it is missing or another app's. */
function configOf(
  value: GoDeployment["config_id"],
  context: DeploymentContext & { app_name: string; repairs: RowRepairs },
): number | null {
  // 0 is Go's zero value: no config.
  if (value === null || Number(value) === 0) return null;
  const id = Number(value);
  const owner = context.configApps.get(id);
  if (owner === context.app_name) return id;
  context.repairs.add("config_id", {
    from: value,
    to: null,
    reason: owner === undefined
      ? "no such config"
      : `config ${id} is of app ${owner}, not ${context.app_name}`,
  });
  return null;
}

/**
 * The deployment it rolled back to: NULL (logged) unless an earlier deployment of the same app.
 * One naming itself or a later id would also come before its target in an export, which a
 * loader enforcing foreign keys refuses.
 */
function rollbackOf(
  value: GoDeployment["rollback_of"],
  context: DeploymentContext & { id: number; app_name: string; repairs: RowRepairs },
): number | null {
  if (value === null || Number(value) === 0) return null;
  const target = Number(value);
  const targetApp = context.deploymentApps.get(target);
  if (targetApp === context.app_name && target < context.id) return target;
  context.repairs.add("rollback_of", {
    from: target,
    to: null,
    reason: targetApp === undefined
      ? "no such deployment"
      : targetApp !== context.app_name
      ? `deployment ${target} is of app ${targetApp}`
      : `deployment ${target} is not an earlier one`,
  });
  return null;
}
