/**
 * The table format of the everyday commands: the columns a person needs, fitted to the layout
 * (see table.ts). JSON, NDJSON and CSV keep every column of the result.
 */
import type { z } from "zod";
import { cellText } from "../csv.ts";
import type { configCheck, configHistoryOp } from "../operations/config.ts";
import type { deployGet } from "../operations/history.ts";
import type { migrateStatus } from "../operations/migrations.ts";
import type { CurrentStateRecord as CurrentState } from "../records/current_state.ts";
import type { DeploymentRecord as Deployment } from "../records/deployment.ts";
import type { EventRecord as Event } from "../records/event.ts";
import { ago, between, duration, minute } from "./cells.ts";
import { type Column, fields, grid, type TableLayout } from "./table.ts";

type Result<O extends { result: z.ZodType }> = z.infer<O["result"]>;
type Shown = ReturnType<typeof deployGet.run>;

/** A hash shown by its first 12 hex digits (then …), as git shows short hashes. */
const SHORT_HASH = 13;
/** An image is cut from the front: its tag is what tells deployments apart. */
const IMAGE: Pick<Column<unknown>, "min" | "keep"> = { min: 16, keep: "end" };

/** `status`: what is live and what is happening, per app. */
export function statusTable(states: CurrentState[], layout: TableLayout): string {
  const now = Date.now();
  return grid(states, [
    { header: "app", cell: (s) => s.app_name, min: 12 },
    { header: "status", cell: (s) => s.status },
    { header: "color", cell: (s) => s.active_color ?? "" },
    { header: "deployment", cell: (s) => String(s.deployment_id) },
    { header: "updated", cell: (s) => ago(s.updated_at, now) },
    { header: "image", cell: (s) => s.image ?? "", ...IMAGE },
  ], layout);
}

/** `history`: one line per deployment; how long it took instead of when it ended. */
export function historyTable(deployments: Deployment[], layout: TableLayout): string {
  const columns: Column<Deployment>[] = [
    { header: "id", cell: (d) => String(d.id) },
    { header: "started", cell: (d) => minute(d.started_at) },
    { header: "took", cell: (d) => between(d.started_at, d.ended_at) },
    { header: "status", cell: (d) => d.status },
    { header: "image", cell: (d) => d.image, ...IMAGE },
  ];
  if (deployments.some((d) => d.rollback_of !== null)) {
    columns.push({ header: "rollback_of", cell: (d) => cellText(d.rollback_of) });
  }
  return grid(deployments, columns, layout);
}

/** `events` and the events of `show`: time since the first event, the transition, the detail. */
export function eventsTable(events: Event[], layout: TableLayout): string {
  const start = events.length > 0 ? events[0].created_at : "";
  return grid(events, [
    { header: "id", cell: (e) => String(e.id) },
    { header: "after", cell: (e) => between(start, e.created_at) },
    { header: "event", cell: (e) => e.event_type },
    { header: "from", cell: (e) => e.from_state },
    { header: "to", cell: (e) => e.to_state },
    { header: "detail", cell: detail, min: 12 },
  ], layout);
}

/** An event's error, then its payload. */
function detail(event: Event): string {
  const parts = [];
  if (event.error !== null) parts.push(`error: ${event.error}`);
  if (event.payload !== null) parts.push(JSON.stringify(event.payload));
  return parts.join("  ");
}

/** `show`: the deployment, its events, and the time spent in each state. */
export function showTable(shown: Shown, layout: TableLayout): string {
  const d = shown.deployment;
  const block = fields([
    ["id", String(d.id)],
    ["app_name", d.app_name],
    ["image", d.image],
    ["status", d.status],
    ["active_color", d.active_color],
    ["started_at", d.started_at],
    ["ended_at", cellText(d.ended_at)],
    ["took", between(d.started_at, d.ended_at)],
    ["config_id", cellText(d.config_id)],
    ["config_sha", cellText(d.config_sha)],
    ["rollback_of", cellText(d.rollback_of)],
  ], layout);
  const states = grid(shown.states, [
    { header: "state", cell: (s) => s.state },
    { header: "entered", cell: (s) => `after ${between(d.started_at, s.entered_at)}` },
    { header: "took", cell: (s) => duration(s.duration_ms) },
  ], layout);
  return `${block}\nEvents\n${eventsTable(shown.events, layout)}\nTime in each state\n${states}`;
}

/** `config history`: versions of one app, newest first. */
export function configHistoryTable(
  configs: Result<typeof configHistoryOp>,
  layout: TableLayout,
): string {
  return grid(configs, [
    { header: "id", cell: (c) => String(c.id) },
    { header: "created", cell: (c) => minute(c.created_at) },
    { header: "config_sha", cell: (c) => c.config_sha, max: SHORT_HASH },
  ], layout);
}

/** `config check`: the file's SHA against the latest stored one. */
export function configCheckTable(check: Result<typeof configCheck>, layout: TableLayout): string {
  return grid([check], [
    { header: "app", cell: (c) => c.app_name, min: 12 },
    { header: "changed", cell: (c) => String(c.changed) },
    { header: "sha", cell: (c) => c.sha, max: SHORT_HASH },
    { header: "latest_id", cell: (c) => cellText(c.latest_id) },
    { header: "latest_sha", cell: (c) => cellText(c.latest_sha), max: SHORT_HASH },
  ], layout);
}

/** `migrate status`: each embedded migration, applied or pending. */
export function migrationsTable(
  migrations: Result<typeof migrateStatus>,
  layout: TableLayout,
): string {
  return grid(migrations, [
    { header: "version", cell: (m) => String(m.version) },
    { header: "name", cell: (m) => m.name, min: 16 },
    { header: "state", cell: (m) => m.state },
    { header: "applied", cell: (m) => minute(m.applied_at) },
    { header: "took", cell: (m) => duration(m.duration_ms) },
    { header: "checksum", cell: (m) => m.checksum, max: SHORT_HASH },
  ], layout);
}
