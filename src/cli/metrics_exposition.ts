/**
 * The metrics as text a scraper reads: the Prometheus text exposition format (0.0.4), or
 * OpenMetrics 1.0. Pure: a snapshot in, text out.
 */
import { STATES } from "../lifecycle.ts";
import type { AppMetrics, MetricsSnapshot, Observed } from "../operations/metrics.ts";

export const EXPOSITION_FORMATS = ["prometheus", "openmetrics"] as const;
export type ExpositionFormat = typeof EXPOSITION_FORMATS[number];

/** Content types, for whoever serves the text over HTTP. */
export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

type Labels = Record<string, string>;

interface Sample {
  /** Appended to the family's name (`_bucket`, `_total`); empty for none. */
  suffix: string;
  labels: Labels;
  value: number;
}

interface Family {
  /** The name without the suffix a type implies (OpenMetrics' family name). */
  name: string;
  type: "gauge" | "counter" | "histogram" | "summary" | "info";
  help: string;
  samples: Sample[];
}

const OUTCOMES = ["success", "failed", "rolled_back"] as const;

/** Label values as the format requires: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function number(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}

const seconds = (ms: number) => ms / 1000;
const epochSeconds = (iso: string) => Date.parse(iso) / 1000;

function histogram(app: string, bounds: number[], observed: Map<number, Observed>): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  let sumMs = 0;
  for (const le of [...bounds, Infinity]) {
    const bucket = observed.get(le);
    cumulative += bucket?.count ?? 0;
    sumMs += bucket?.sum_ms ?? 0;
    samples.push({ suffix: "_bucket", labels: { app, le: number(le) }, value: cumulative });
  }
  samples.push({ suffix: "_sum", labels: { app }, value: seconds(sumMs) });
  samples.push({ suffix: "_count", labels: { app }, value: cumulative });
  return samples;
}

function families(snapshot: MetricsSnapshot): Family[] {
  const apps = snapshot.apps;
  const per = (build: (app: AppMetrics) => Sample[]) => apps.flatMap(build);
  const now = Date.parse(snapshot.now);
  return [
    {
      name: "dockswap_app_state",
      type: "gauge",
      help: "State-machine state of each app: 1 for the state it is in, 0 for the others.",
      samples: per((a) =>
        a.state === null ? [] : STATES.map((state) => ({
          suffix: "",
          labels: { app: a.app_name, state },
          value: a.state === state ? 1 : 0,
        }))
      ),
    },
    {
      name: "dockswap_app_live",
      type: "info",
      help: "The color and image serving traffic for each app (absent before the first move).",
      samples: per((a) =>
        a.live === null ? [] : [{
          suffix: "_info",
          labels: { app: a.app_name, color: a.live.color, image: a.live.image },
          value: 1,
        }]
      ),
    },
    {
      name: "dockswap_deployments",
      type: "counter",
      help: "Deployments ended, by outcome (kept across prune).",
      samples: per((a) =>
        OUTCOMES.map((status) => ({
          suffix: "_total",
          labels: { app: a.app_name, status },
          value: a.ended[status].count,
        }))
      ),
    },
    {
      name: "dockswap_deployment_duration_seconds",
      type: "histogram",
      help: "Duration of ended deployments, from start to the event that ended them.",
      samples: per((a) => histogram(a.app_name, snapshot.duration_bounds, a.durations)),
    },
    {
      name: "dockswap_time_in_state_seconds",
      type: "summary",
      help: "Time spent in each state, per app: every span that ended (kept across prune).",
      samples: per((a) =>
        STATES.filter((state) => a.time_in_state.has(state)).flatMap((state) => {
          const observed = a.time_in_state.get(state)!;
          const labels = { app: a.app_name, state };
          return [
            { suffix: "_sum", labels, value: seconds(observed.sum_ms) },
            { suffix: "_count", labels, value: observed.count },
          ];
        })
      ),
    },
    {
      name: "dockswap_last_deployment_timestamp_seconds",
      type: "gauge",
      help: "Unix time the app's latest deployment started.",
      samples: per((a) =>
        a.last_deployment_at === null
          ? []
          : [{ suffix: "", labels: { app: a.app_name }, value: epochSeconds(a.last_deployment_at) }]
      ),
    },
    {
      name: "dockswap_last_success_timestamp_seconds",
      type: "gauge",
      help: "Unix time the app's latest successful deployment ended.",
      samples: per((a) => {
        const last = a.ended.success.last_ended_at;
        return last === null
          ? []
          : [{ suffix: "", labels: { app: a.app_name }, value: epochSeconds(last) }];
      }),
    },
    {
      name: "dockswap_in_flight_seconds",
      type: "gauge",
      help: "Age of the app's deployment in flight; 0 when none is.",
      samples: per((a) => [{
        suffix: "",
        labels: { app: a.app_name },
        value: a.in_flight_since === null
          ? 0
          : Math.max(0, seconds(now - Date.parse(a.in_flight_since))),
      }]),
    },
    {
      name: "dockswap_database_size_bytes",
      type: "gauge",
      help: "Size of the database file's pages in use.",
      samples: [{ suffix: "", labels: {}, value: snapshot.database.size_bytes }],
    },
    {
      name: "dockswap_database_schema_version",
      type: "gauge",
      help: "Newest migration applied to the database.",
      samples: [{ suffix: "", labels: {}, value: snapshot.database.schema_version }],
    },
  ];
}

function labelText(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** The snapshot as exposition text; Prometheus' format has no info or stateset type: gauges. */
export function renderMetrics(snapshot: MetricsSnapshot, format: ExpositionFormat): string {
  const lines: string[] = [];
  for (const family of families(snapshot)) {
    // Prometheus' format names a family by its samples' name where a type adds no suffix.
    const named = format === "openmetrics"
      ? family.name
      : family.type === "counter"
      ? `${family.name}_total`
      : family.type === "info"
      ? `${family.name}_info`
      : family.name;
    const type = format === "prometheus" && family.type === "info" ? "gauge" : family.type;
    const help = family.help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
    lines.push(`# HELP ${named} ${help}`, `# TYPE ${named} ${type}`);
    for (const sample of family.samples) {
      lines.push(
        `${family.name}${sample.suffix}${labelText(sample.labels)} ${number(sample.value)}`,
      );
    }
  }
  if (format === "openmetrics") lines.push("# EOF");
  return lines.join("\n") + "\n";
}
