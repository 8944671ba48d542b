/**
 * Benchmark 5, size: bytes the database file grows by per event with a typical payload, against
 * the same event as one NDJSON line (what `export` writes).
 */
import { type BenchOptions, type BenchReport, formatNumber, reported } from "./_harness.ts";
import { AT_SCALE, datasetIn, typicalPayload } from "./_dataset.ts";

/** Bytes per event in the file (checkpointed WAL, so the main file holds everything). */
export function eventSize(options: BenchOptions): Promise<BenchReport> {
  const dataset = datasetIn(options.dir, options.quick ? { ...AT_SCALE, apps: 100 } : AT_SCALE);
  const perEvent = (dataset.bytesAfterEvents - dataset.bytesBeforeEvents) / dataset.events;
  const line = JSON.stringify({
    id: 123456,
    deployment_id: 12345,
    app_name: "app-00042",
    event_type: "health_check_passed",
    from_state: "health_check",
    to_state: "switching",
    payload: JSON.parse(typicalPayload("app-00042", 8000)),
    error: null,
    created_at: "2025-01-01T00:00:00.000Z",
  }) + "\n";
  return Promise.resolve({
    id: 5,
    title: "Size",
    method: `Growth of the database file (after \`wal_checkpoint(TRUNCATE)\`) when ` +
      `${formatNumber(dataset.events)} events are added to ${
        formatNumber(dataset.deployments)
      } deployments, per event; the typical payload is ${
        typicalPayload("app-00042", 8000).length
      } bytes of JSON (\`${typicalPayload("app-00042", 8000)}\`). Baseline: the same event as ` +
      `one NDJSON line of \`export\`. Includes both event indexes.`,
    figures: [
      reported({
        label: "bytes per event",
        ours: perEvent,
        baseline: line.length,
        unit: "B",
        ratio: perEvent / line.length,
        ratioMeaning: "file/NDJSON bytes",
      }),
    ],
    details: [
      `File: ${(dataset.bytesAfterEvents / 2 ** 20).toFixed(0)} MiB in all, of which ${
        (dataset.bytesBeforeEvents / 2 ** 20).toFixed(1)
      } MiB before the events (configs, deployments, state).`,
    ],
  });
}
