/** A Go `app_configs` row adopted: its id and text kept, its SHA, app and time repaired. Pure. */
import { sha256Hex } from "../hash.ts";
import type { FullConfig } from "../store/full_rows.ts";
import { adoptAppName, type AppRenames } from "./app_names.ts";
import type { GoConfig } from "./go_rows.ts";
import { type Adopted, EPOCH, goText, RowRepairs } from "./repairs.ts";

const SHA_SHAPE = /^[0-9a-f]{64}$/;

export function adoptConfig(go: GoConfig, renames: AppRenames): Adopted<FullConfig> {
  const repairs = new RowRepairs("app_configs", `id=${go.id}`);
  const yaml = goText(go.config_yaml) ?? "";
  const row: FullConfig = {
    id: Number(go.id),
    config_sha: configSha(goText(go.config_sha) ?? "", { yaml, repairs }),
    app_name: adoptAppName(go.app_name, { renames, repairs }),
    config_yaml: yaml,
    created_at: repairs.time("created_at", { value: go.created_at, fallback: EPOCH }),
  };
  return { row, repairs: repairs.list };
}

/** A lower-case SHA-256: the Go one lower-cased, or recomputed from the YAML (`sha-stub`). */
function configSha(sha: string, context: { yaml: string; repairs: RowRepairs }): string {
  if (SHA_SHAPE.test(sha)) return sha;
  const fixed = SHA_SHAPE.test(sha.toLowerCase()) ? sha.toLowerCase() : sha256Hex(context.yaml);
  context.repairs.add("config_sha", { from: sha, to: fixed, reason: "not a lower-case SHA-256" });
  return fixed;
}
