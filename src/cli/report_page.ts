/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched
 * (a Content-Security-Policy tells the browser so too). Written as it is read, a deployment at
 * a time, so its memory does not grow with the history. Every text from the database goes
 * through `markup` (src/cli/html.ts), the one place text is escaped. Markup is kept terse (end
 * tags HTML makes optional are left out): a month of a busy host is tens of thousands of rows.
 */
import { IN_FLIGHT_STATES } from "../lifecycle.ts";
import type {
  DeploymentEvents,
  ReportData,
  ReportFailure,
  ReportLane,
  RollbackTarget,
  StateSegment,
  TimelineDeployment,
} from "../operations/report.ts";
import type { AppStats } from "../operations/stats.ts";
import type { DeploymentRecord } from "../records/deployment.ts";
import { duration } from "./cells.ts";
import { Html, markup } from "./html.ts";
import style from "./report_page.css" with { type: "text" };

/** Where the page's text goes (a ChunkedTextWriter). */
export interface TextSink {
  write(text: string): Promise<void>;
}

/** What the page says about itself: which database, host and time, made by what. */
export interface ReportFacts {
  database: string;
  host: string;
  generated_at: string;
  version: string;
}

/** The statistics of `stats.get` for the page's range, as `report` shows them. */
export interface ReportStatistics {
  /** All apps together; null when the page shows only some apps (stats has no such row). */
  overall: AppStats | null;
  apps: AppStats[];
}

/** The zoom levels of the timeline; at 1 the whole range fits the window's width. */
export const ZOOM_LEVELS = [1, 4, 16, 64] as const;

const OUTCOME_WORDS: Readonly<Record<DeploymentRecord["status"], string>> = {
  success: "success",
  rolled_back: "rolled back",
  failed: "failed",
  in_progress: "in flight",
};

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Tick spacings the axis chooses from: round numbers of a clock and a calendar. */
const TICK_STEPS = [
  SECOND,
  5 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  28 * DAY,
];
/** About how many labelled ticks a window's width holds. */
const TICKS_PER_WIDTH = 16;

/** A stored timestamp as the page shows it: `2026-11-28 02:15:04` (UTC, said once per page). */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Writes the whole page for `data` to `out`. */
export async function writeReportPage(
  out: TextSink,
  data: ReportData,
  facts: ReportFacts,
  statistics: ReportStatistics,
): Promise<void> {
  const { since, until } = data.range;
  const range = `${when(since)} to ${when(until)} UTC`;
  const length = duration(Date.parse(until) - Date.parse(since));
  await out.write(
    markup`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dockswap-db ${facts.version}">
<title>Deployments on ${facts.host}, ${range}</title>
<style>
${new Html(style)}</style>
</head>
<body>
<header>
<h1>Deployments on ${facts.host}</h1>
<dl class="facts">
<dt>Database</dt><dd class="mono" id="database">${facts.database}</dd>
<dt>Host</dt><dd id="host">${facts.host}</dd>
<dt>Range</dt><dd id="range">${range} (${length}): the deployments that started in it</dd>
<dt>Apps</dt><dd id="apps">${data.lanes.length}</dd>
<dt>Deployments</dt><dd id="total">${data.total}</dd>
<dt>Made</dt><dd id="made">${when(facts.generated_at)} UTC by dockswap-db ${facts.version}</dd>
</dl>
<nav><a href="#timeline">Timeline</a> <a href="#statistics">Statistics</a> <a href="#failures">Failures</a> <a href="#events">Events</a></nav>
</header>
`.text,
  );
  await writeTimeline(out, data, Date.parse(facts.generated_at));
  await out.write(statisticsSection(statistics).text);
  await writeFailures(out, data.failures());
  await writeEvents(out, data.events(), data.total, since);
  await out.write(
    `<footer><p class="note">Times are UTC. This page is static: it runs no script and loads ` +
      `nothing. Written by <code>dockswap-db report</code>.</p></footer>
</body>
</html>
`,
  );
}

/** The timeline: an axis, then one lane per app with a bar per deployment. */
async function writeTimeline(out: TextSink, data: ReportData, now: number): Promise<void> {
  const scale = new Scale(data.range.since, data.range.until);
  const inputs = ZOOM_LEVELS.map((z) =>
    markup`<input type="radio" name="zoom" id="zoom-${z}"${z === 1 ? new Html(" checked") : ""}>`
  );
  const labels = ZOOM_LEVELS.map((z) => markup`<label for="zoom-${z}">${z}×</label>`);
  await out.write(
    markup`<section id="timeline">
<h2>Timeline</h2>
${legend()}
<div class="zoomable">
${inputs}<span class="note">Zoom </span>${labels}
<div class="lanes">
<div class="axis"><div class="head">app, live color, image</div><div class="track">${
      axis(scale)
    }</div></div>
`.text,
  );
  for (const lane of data.lanes) {
    await out.write(laneHead(lane).text);
    for (const item of data.timeline(lane)) await out.write(bar(item, scale, now).text);
    await out.write("</div></div>\n");
  }
  const empty = data.lanes.length === 0
    ? `<p class="note">No app has deployed yet.</p>\n`
    : data.total === 0
    ? `<p class="note">No deployment started in this range.</p>\n`
    : "";
  await out.write(`</div>\n</div>\n${empty}</section>\n`);
}

function legend(): Html {
  const outcomes = (["success", "rolled_back", "failed", "in_progress"] as const).map((status) =>
    markup`<span><span class="swatch ${status}"></span>${OUTCOME_WORDS[status]}</span>`
  );
  const segments = IN_FLIGHT_STATES.map((state) =>
    markup`<i class="${state}" style="flex:1" title="${state}"></i>`
  );
  return markup`<p class="legend">${outcomes}<span><span class="swatch segments">${segments}</span>states: ${
    IN_FLIGHT_STATES.join(", ")
  }</span><span><span class="swatch success rollback"></span>a rollback (an arc joins it to its target)</span></p>
<p class="note">A bar runs from a deployment's start to its end (to now while in flight), at least 3 pixels wide. Hover over it for its states and their durations; click it for its events. Lanes scroll sideways and down; zoom in to tell short deployments apart.</p>
`;
}

/** Maps times of the range to percentages of the track's width. */
class Scale {
  readonly from: number;
  readonly to: number;
  constructor(since: string, until: string) {
    this.from = Date.parse(since);
    this.to = Date.parse(until);
  }
  /** A time's place on the track, 0..100, clamped to the range. */
  at(ms: number): number {
    const clamped = Math.min(Math.max(ms, this.from), this.to);
    return (clamped - this.from) / (this.to - this.from) * 100;
  }
}

const percent = (value: number) => `${value.toFixed(4)}%`;

/**
 * The axis: ticks at round times, each shown from the first zoom level whose spacing it falls
 * on, so that every level shows about TICKS_PER_WIDTH labels per window width. A level's tick
 * lines are one path; labels are placed in percent, so text never stretches with the zoom.
 */
function axis(scale: Scale): Html {
  const span = scale.to - scale.from;
  const stepOf = (zoom: number) =>
    TICK_STEPS.find((step) => span / step <= TICKS_PER_WIDTH * zoom) ?? TICK_STEPS.at(-1)!;
  const finest = stepOf(ZOOM_LEVELS.at(-1)!);
  const labels: Html[] = [];
  const lines = new Map<number, string[]>(ZOOM_LEVELS.map((z) => [z, []]));
  for (let t = Math.ceil(scale.from / finest) * finest; t < scale.to; t += finest) {
    const zoom = ZOOM_LEVELS.find((z) => t % stepOf(z) === 0) ?? ZOOM_LEVELS.at(-1)!;
    const x = scale.at(t);
    lines.get(zoom)!.push(`M${Math.round(x * 1000)} 0v10`);
    labels.push(
      markup`<text class="z${zoom}" x="${percent(x)}" y="11" dx="3">${
        tickLabel(t, stepOf(zoom))
      }</text>`,
    );
  }
  const paths = [...lines].map(([zoom, d]) => markup`<path class="z${zoom}" d="${d.join("")}"/>`);
  return markup`<svg class="ticks" role="img" aria-label="time axis, UTC"><svg viewBox="0 0 100000 10" preserveAspectRatio="none" y="60%" height="40%">${paths}</svg>${labels}</svg>`;
}

function tickLabel(ms: number, step: number): string {
  const iso = new Date(ms).toISOString();
  if (step >= DAY || ms % DAY === 0) return iso.slice(5, 10);
  if (step >= MINUTE) return iso.slice(11, 16);
  return iso.slice(11, 19);
}

function laneHead(lane: ReportLane): Html {
  const live = lane.live_color === null
    ? "nothing live yet"
    : `live: ${lane.live_color}, ${lane.live_image}`;
  const status = lane.status === null
    ? markup` <span class="status">never deployed</span>`
    : lane.status === "stable"
    ? ""
    : markup` <span class="status${
      lane.status === "failed" ? " failed" : ""
    }">${lane.status}</span>`;
  return markup`<div class="lane" id="app-${lane.app_name}"><div class="head" title="${lane.app_name}: ${live}; ${lane.deployments} deployments in range"><span class="count">${lane.deployments}</span><a class="app" href="#events-${lane.app_name}">${lane.app_name}</a> <span class="live ${
    lane.live_color ?? "none"
  }">${lane.live_color ?? "none"}</span>${status}<span class="image">${
    lane.live_image ?? "no image live"
  }</span></div><div class="track">`;
}

/**
 * A deployment's bar: placed on the track, one segment per state, a rollback's arc. One in
 * flight runs to now (the page's time), or to the end of the range when that comes first.
 */
function bar(item: TimelineDeployment, scale: Scale, now: number): Html {
  const { deployment, segments, rollback_target: target } = item;
  const start = Date.parse(deployment.started_at);
  const end = deployment.ended_at === null
    ? Math.max(start, Math.min(now, scale.to))
    : Date.parse(deployment.ended_at);
  const left = scale.at(start);
  const width = Math.max(0, scale.at(end) - left);
  const title = [
    `${deployment.app_name} #${deployment.id}: ${OUTCOME_WORDS[deployment.status]}, ${
      deployment.ended_at === null ? "running for" : "took"
    } ${duration(end - start)}`,
    `${when(deployment.started_at)} → ${
      deployment.ended_at === null ? "now" : when(deployment.ended_at)
    } UTC`,
    `${deployment.image} (${deployment.active_color})`,
    target === null ? "" : `rollback to #${target.id}`,
    segments.map((s) => `${s.state} ${duration(segmentMs(s, end))}`).join(", "),
  ].filter((line) => line !== "").join("\n");
  const parts = segments.map((s) =>
    markup`<i class="${s.state}" style="flex:${segmentMs(s, end)}"></i>`
  );
  return markup`<a class="bar ${deployment.status}${
    target === null ? "" : " rollback"
  }" href="#d${deployment.id}" style="left:${percent(left)};width:${
    percent(width)
  }" title="${title}">${parts}</a>${target === null ? "" : arc(target, start, scale)}
`;
}

function segmentMs(segment: StateSegment, end: number): number {
  const left = segment.left_at === null ? end : Date.parse(segment.left_at);
  return Math.max(0, left - Date.parse(segment.entered_at));
}

/** A curve from a rollback's target (its start, or the range's edge) to the rollback. */
function arc(target: RollbackTarget, rollbackStart: number, scale: Scale): Html {
  const from = target.started_at === null ? scale.from : Date.parse(target.started_at);
  const outside = from < scale.from ? " outside" : "";
  const left = scale.at(from);
  const width = Math.max(0, scale.at(rollbackStart) - left);
  return markup`<svg class="arc${outside}" style="left:${percent(left)};width:${
    percent(width)
  }" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><path d="M0 10C0 0 100 0 100 10"/></svg>`;
}

const rate = (value: number | null) => value === null ? "–" : `${(value * 100).toFixed(1)}%`;
const span = (ms: number | null) => ms === null ? "–" : duration(ms);
const perDay = (value: number | null) => value === null ? "–" : value.toFixed(2);

/**
 * The statistics of `dockswap-db stats` for the same range: the headline figures of all apps
 * (or of the one shown), the median time in each state, and a row per app. Computed by the
 * `stats.get` operation, not here; definitions in docs/monitoring.md.
 */
function statisticsSection(stats: ReportStatistics): Html {
  const head = stats.overall ?? (stats.apps.length === 1 ? stats.apps[0] : null);
  const figures = head === null ? "" : markup`<dl class="figures">
<div><dt>Deployments</dt><dd>${head.deployments}</dd></div>
<div><dt>Per day</dt><dd>${perDay(head.deployments_per_day)}</dd></div>
<div><dt>Change failure rate</dt><dd>${rate(head.change_failure_rate)}</dd></div>
<div><dt>Time to restore, median</dt><dd>${span(head.median_time_to_restore_ms)}</dd></div>
<div><dt>Time to restore, mean</dt><dd>${span(head.mean_time_to_restore_ms)}</dd></div>
<div><dt>Duration, median</dt><dd>${span(head.median_duration_ms)}</dd></div>
<div><dt>Duration, p95</dt><dd>${span(head.p95_duration_ms)}</dd></div>
<div><dt>Rollbacks</dt><dd>${head.rollback_deployments}</dd></div>
<div><dt>Longest run of successes</dt><dd>${head.longest_success_streak}</dd></div>
<div><dt>In flight</dt><dd>${head.in_flight}</dd></div>
</dl>
${stateMedians(head)}`;
  const rows = stats.apps.map((s) =>
    markup`<tr><td><a href="#app-${s.app_name ?? ""}">${
      s.app_name ?? ""
    }</a><td>${s.deployments}<td>${perDay(s.deployments_per_day)}<td>${
      rate(s.change_failure_rate)
    }<td>${s.failures}<td>${s.rolled_back}<td>${span(s.median_time_to_restore_ms)}<td>${
      span(s.median_duration_ms)
    }<td>${span(s.p95_duration_ms)}<td>${s.rollback_deployments}<td>${s.longest_success_streak}
`
  );
  return markup`<section id="statistics">
<h2>Statistics</h2>
<p class="note">As <code>dockswap-db stats</code> computes them for the same range (the deployments that started in it); definitions in the docs (monitoring: stats).${
    stats.overall === null && stats.apps.length > 1
      ? " The figures for all apps together are left out: this page shows only some apps."
      : ""
  }</p>
${figures}<details${
    stats.apps.length <= 20 ? new Html(" open") : ""
  }><summary>Per app (${stats.apps.length})</summary>
<table class="stats"><thead><tr><th>App<th>Deployments<th>Per day<th>Change failure rate<th>Failed<th>Rolled back<th>Restore, median<th>Duration, median<th>Duration, p95<th>Rollbacks<th>Longest run of successes</thead><tbody>
${rows}</tbody></table></details>
</section>
`;
}

/** The median time in each state, as bars to scale. */
function stateMedians(stats: AppStats): Html {
  const medians = IN_FLIGHT_STATES.map((state) => ({
    state,
    ms: stats.median_time_in_state_ms[state as keyof AppStats["median_time_in_state_ms"]],
  }));
  const longest = Math.max(0, ...medians.map((m) => m.ms ?? 0));
  if (longest === 0) return markup``;
  return markup`<table class="states"><caption>Median time in each state</caption><tbody>
${
    medians.map(({ state, ms }) =>
      markup`<tr><th>${state}<td>${
        span(ms)
      }<td><svg width="240" height="10" aria-hidden="true"><rect width="${
        ms === null ? 0 : Math.max(1, Math.round(ms / longest * 240))
      }" height="10"/></svg>
`
    )
  }</tbody></table>
`;
}

async function writeFailures(out: TextSink, failures: Iterable<ReportFailure>): Promise<void> {
  await out.write(`<section id="failures">\n<h2>Failures</h2>\n`);
  let count = 0;
  for (const { deployment, errors } of failures) {
    if (count++ === 0) {
      await out.write(
        "<table><thead><tr><th>Started (UTC)<th>App<th>Deployment<th>Outcome<th>Image" +
          "<th>Errors</thead><tbody>\n",
      );
    }
    const texts = errors.length === 0
      ? markup`<span class="note">no error text recorded</span>`
      : errors.map((e, i) =>
        markup`${
          i > 0 ? new Html("<br>") : ""
        }<span class="note">${e.event_type}:</span> ${e.error}`
      );
    await out.write(
      markup`<tr class="failure"><td>${
        when(deployment.started_at)
      }<td>${deployment.app_name}<td><a href="#d${deployment.id}">#${deployment.id}</a><td>${
        badge(deployment)
      }<td><code>${deployment.image}</code><td class="error">${texts}
`.text,
    );
  }
  await out.write(
    count === 0
      ? `<p class="note">No deployment failed or rolled back in this range.</p>\n</section>\n`
      : `</tbody></table>\n</section>\n`,
  );
}

function badge(deployment: DeploymentRecord): Html {
  return markup`<span class="badge ${deployment.status}">${
    OUTCOME_WORDS[deployment.status]
  }</span>`;
}

/** Every deployment in range with its events, app by app: where the bars link to. */
async function writeEvents(
  out: TextSink,
  items: Iterable<DeploymentEvents>,
  total: number,
  since: string,
): Promise<void> {
  await out.write(`<section id="events">\n<h2>Events</h2>\n`);
  let app: string | undefined;
  for (const item of items) {
    if (item.deployment.app_name !== app) {
      app = item.deployment.app_name;
      await out.write(markup`<h3 id="events-${app}">${app}</h3>\n`.text);
    }
    await out.write(deploymentEvents(item, since).text);
  }
  if (total === 0) await out.write(`<p class="note">No deployment started in this range.</p>\n`);
  await out.write("</section>\n");
}

function deploymentEvents(
  { deployment, events, rollback_target: target }: DeploymentEvents,
  since: string,
): Html {
  const end = deployment.ended_at;
  const took = end === null
    ? "in flight"
    : duration(Date.parse(end) - Date.parse(deployment.started_at));
  const day = deployment.started_at.slice(0, 10);
  const rows = events.map((event, i) => {
    const next = events[i + 1];
    const at = event.created_at;
    // The date only when it is not the deployment's first day.
    const time = `${at.slice(0, 10) === day ? "" : `${at.slice(0, 10)} `}${at.slice(11, 23)}`;
    const payload = event.payload === null ? "" : shorten(JSON.stringify(event.payload), 200);
    return markup`<tr><td>${time}<td>${event.event_type}<td>${event.from_state} → ${event.to_state}<td>${
      next === undefined ? "" : duration(Date.parse(next.created_at) - Date.parse(at))
    }<td>${event.error ?? ""}<td>${payload === "" ? "" : markup`<code>${payload}</code>`}
`;
  });
  return markup`<article class="deployment" id="d${deployment.id}"><h4>${
    badge(deployment)
  } ${deployment.app_name} #${deployment.id} <code>${deployment.image}</code></h4>
<p class="note">${when(deployment.started_at)} → ${
    end === null ? "now" : when(end)
  } UTC (${took}), ${deployment.active_color}${
    target === null ? "" : markup`, rollback to ${rollbackLink(target, since)}`
  }</p>
<table><thead><tr><th>Time (UTC)<th>Event<th>From → to<th>For<th>Error<th>Payload</thead><tbody>
${rows}</tbody></table></article>
`;
}

/** The target of a rollback: a link when the page shows it (it started in the range). */
function rollbackLink(target: RollbackTarget, since: string): Html {
  if (target.started_at === null) return markup`#${target.id} (missing from the database)`;
  const name = target.started_at >= since
    ? markup`<a href="#d${target.id}">#${target.id}</a>`
    : markup`#${target.id}`;
  return markup`${name} (${when(target.started_at)}, <code>${target.image}</code>)`;
}

/** Long payloads are cut on the page (the database and `export` keep them whole). */
function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
