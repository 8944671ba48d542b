/**
 * The rewrite of a Go dockswap database into this schema, inside the adoption's transaction:
 * the Go tables set aside, this schema created, every row adopted by its rule (ids kept,
 * parents before children) and inserted through the store, every event chained (as migration
 * 0007 chains recorded history), every repair logged, the Go tables dropped. Every app is left in a state the documented commands bring back to `stable`.
 */
import { MIGRATIONS } from "../../migrations/mod.ts";
import type { Database } from "../db/database.ts";
import { markAsDockswapFile } from "../db/identity.ts";
import { chainAllEvents } from "../db/event_chain_backfill.ts";
import { migrate } from "../db/migrate.ts";
import { DockswapError } from "../errors.ts";
import {
  insertAdoptionLogRow,
  insertFullConfig,
  insertFullCurrentState,
  insertFullDeployment,
  insertFullEvent,
} from "../store/full_rows.ts";
import {
  type AdoptedDeployment,
  appHistories,
  type AppHistory,
  successorStarts,
} from "./app_histories.ts";
import { appNameOf, type AppRenames, renameUnusableApps } from "./app_names.ts";
import { adoptConfig } from "./config_rule.ts";
import { adoptCurrentState, currentStateFromHistory } from "./current_state_rule.ts";
import { adoptDeployment, goDeploymentStart, rebuiltDeployment } from "./deployment_rule.ts";
import { type AdoptedEvent, adoptEvent, type EventContext, goEventType } from "./event_rule.ts";
import { EventSummaries } from "./event_summaries.ts";
import {
  dropGoTables,
  goAppNames,
  goConfigs,
  goDeployments,
  goEvents,
  goStates,
  goTextsWithNul,
  highestGoDeploymentId,
  setGoTablesAside,
} from "./go_rows.ts";
import { cutTextRepair } from "./cut_texts.ts";
import { MissingDeployments } from "./missing_deployments.ts";
import type { AdoptionRepair } from "./repairs.ts";

/** What the rewrite did: rows read from each Go table and written to ours, and every repair. */
export interface RewriteResult {
  rows: Record<string, { go: number; adopted: number }>;
  repairs: AdoptionRepair[];
}

/** What each step hands the next. */
interface Rewrite {
  db: Database;
  renames: AppRenames;
  result: RewriteResult;
}

/** Needs foreign keys off: the Go tables' declared references dangle, and go with them. */
export function rewriteGoTables(db: Database, adoptedAt: string): RewriteResult {
  setGoTablesAside(db);
  migrate(db, MIGRATIONS, () => markAsDockswapFile(db));
  const result: RewriteResult = { rows: {}, repairs: goTextsWithNul(db).map(cutTextRepair) };
  const rewrite = { db, renames: renameUnusableApps(goAppNames(db)), result };
  const configApps = copyConfigs(rewrite);
  const { deployments, summaries, events } = copyDeployments(rewrite, configApps);
  copyEvents(rewrite, events);
  chainAllEvents(db);
  copyCurrentStates(rewrite, { deployments, summaries, now: adoptedAt });
  dropGoTables(db);
  for (const r of result.repairs) {
    insertAdoptionLogRow(db, {
      adopted_at: adoptedAt,
      table_name: r.table,
      row_key: r.row,
      column_name: r.column,
      old_value: r.old_value,
      new_value: r.new_value,
      reason: r.reason,
    });
  }
  const dangling = db.all("PRAGMA foreign_key_check");
  if (dangling.length > 0) {
    throw new DockswapError(
      "internal",
      `Adopting left ${dangling.length} dangling reference(s); nothing was changed`,
    );
  }
  return result;
}

/** Copies the configs; returns each one's app. */
function copyConfigs({ db, renames, result }: Rewrite): Map<number, string> {
  const apps = new Map<number, string>();
  const goRows = goConfigs(db);
  for (const go of goRows) {
    const { row, repairs } = adoptConfig(go, renames);
    insertFullConfig(db, row);
    result.repairs.push(...repairs);
    apps.set(row.id, row.app_name);
  }
  result.rows.app_configs = { go: goRows.length, adopted: goRows.length };
  return apps;
}

/**
 * Copies the deployments, and rebuilds those that events name but the file lacks. The events
 * are replayed first (nothing written) to learn what they say of each deployment.
 */
function copyDeployments(rewrite: Rewrite, configApps: ReadonlyMap<number, string>) {
  const { db, renames, result } = rewrite;
  const goRows = goDeployments(db);
  const deploymentApps = new Map(goRows.map((d) => [Number(d.id), appNameOf(d.app_name, renames)]));
  const events: Omit<EventContext, "previous"> = {
    deploymentApps,
    missing: new MissingDeployments(highestGoDeploymentId(db)),
    renames,
  };
  const summaries = summariseEvents(db, events);
  const rebuilt = events.missing.all();
  const dated = [
    ...goRows.map((d) => ({
      id: Number(d.id),
      app_name: deploymentApps.get(Number(d.id))!,
      started_at: goDeploymentStart(d, summaries),
    })),
    ...rebuilt.map((m) => ({ ...m, started_at: summaries.get(m.id)!.first })),
  ];
  const context = {
    renames,
    summaries,
    configApps,
    deploymentApps: new Map(dated.map((d) => [d.id, d.app_name])),
    successorStarts: successorStarts(dated),
  };
  const deployments: AdoptedDeployment[] = [];
  const adopted = [
    ...goRows.map((go) => adoptDeployment(go, context)),
    ...rebuilt.map((m) => rebuiltDeployment(m, summaries)),
  ];
  for (const { row, repairs } of adopted) {
    insertFullDeployment(db, row);
    result.repairs.push(...repairs);
    deployments.push({ ...row, moved_traffic: summaries.get(row.id)?.movedTraffic ?? false });
  }
  result.rows.deployments = { go: goRows.length, adopted: deployments.length };
  return { deployments, summaries, events };
}

/** Replays the events without writing them: what they say of each deployment, which are missing. */
function summariseEvents(db: Database, events: Omit<EventContext, "previous">): EventSummaries {
  const summaries = new EventSummaries();
  replayEvents(db, {
    ...events,
    onEvent: (event) => {
      if (event.missing) event.missing.events++;
      summaries.add(event.row.deployment_id, event.replayed);
    },
  });
  return summaries;
}

/** Copies the events, under the deployments written before them. */
function copyEvents({ db, result }: Rewrite, events: Omit<EventContext, "previous">): void {
  const count = replayEvents(db, {
    ...events,
    onEvent: ({ row, repairs }) => {
      insertFullEvent(db, row);
      result.repairs.push(...repairs);
    },
  });
  result.rows.deployment_events = { go: count, adopted: count };
}

/**
 * Adopts the events deployment by deployment, each replayed from where the previous event of
 * its deployment left it; returns how many there were. An event type the state machine does
 * not know stops the adoption.
 */
function replayEvents(
  db: Database,
  context: Omit<EventContext, "previous"> & { onEvent: (event: AdoptedEvent) => void },
): number {
  const { onEvent, ...events } = context;
  const previous = new Map<number, { state: AdoptedEvent["replayed"]["to"]; at: string }>();
  let count = 0;
  for (const go of goEvents(db)) {
    const type = goEventType(go);
    if (type === undefined) {
      throw new DockswapError(
        "not_a_dockswap_database",
        `Cannot adopt "${db.path}": event ${go.id} has type ${
          JSON.stringify(go.event_type)
        }, which the state machine does not know. Nothing was changed.`,
      );
    }
    const event = adoptEvent(go, { ...events, previous, type });
    previous.set(event.row.deployment_id, { state: event.replayed.to, at: event.replayed.at });
    onEvent(event);
    count++;
  }
  return count;
}

/** Copies current_state: each Go row adopted, then a row for each app that had none. */
function copyCurrentStates(
  { db, renames, result }: Rewrite,
  context: { deployments: AdoptedDeployment[]; summaries: EventSummaries; now: string },
): void {
  const histories: Map<string, AppHistory> = appHistories(context.deployments);
  const stateContext = {
    renames,
    histories,
    deploymentIds: new Set(context.deployments.map((d) => d.id)),
    summaries: context.summaries,
    now: context.now,
  };
  const goRows = goStates(db);
  const seen = new Set<string>();
  let written = 0;
  for (const go of goRows) {
    const { app, row, repairs } = adoptCurrentState(go, stateContext);
    seen.add(app);
    result.repairs.push(...repairs);
    if (row === undefined) continue;
    insertFullCurrentState(db, row);
    written++;
  }
  for (const [app, history] of histories) {
    if (seen.has(app)) continue;
    const { row, repairs } = currentStateFromHistory(history, context.summaries);
    insertFullCurrentState(db, row);
    result.repairs.push(...repairs);
    written++;
  }
  result.rows.current_state = { go: goRows.length, adopted: written };
}
