/**
 * The Go dockswap's config struct (internal/config/config.go), field by field, and which YAML
 * values its yaml.v3 decoding (v3.0.1, decode.go) accepts for each Go type: a file the Go tool
 * refuses to load is refused here too, with the field named. Pure.
 */
import { isGoDuration } from "./go_duration.ts";

type GoType =
  | "string"
  | "int"
  | "bool"
  | "time.Duration"
  | "map[string]string"
  | "map[string]map[string]string"
  | "[]string";

interface GoStruct {
  readonly [field: string]: GoType | GoStruct;
}

/** AppConfig as the Go dockswap declares it; keys are the yaml tags. Unknown keys are ignored. */
const APP_CONFIG: GoStruct = {
  name: "string",
  description: "string",
  docker: {
    restart_policy: "string",
    pull_policy: "string",
    memory_limit: "string",
    cpu_limit: "string",
    environment: "map[string]string",
    environment_overrides: "map[string]map[string]string",
    volumes: "[]string",
    expose_port: "int",
    network: "string",
  },
  ports: { blue: "int", green: "int" },
  health_check: {
    endpoint: "string",
    method: "string",
    timeout: "time.Duration",
    interval: "time.Duration",
    retries: "int",
    success_threshold: "int",
    expected_status: "int",
  },
  deployment: {
    startup_delay: "time.Duration",
    drain_timeout: "time.Duration",
    stop_timeout: "time.Duration",
    auto_rollback: "bool",
  },
  proxy: { listen_port: "int", host: "string", path_prefix: "string" },
};

/** The YAML 1.1 words yaml.v3 still takes as booleans, for a bool field only. */
const BOOL_WORDS = new Set([
  ..."y Y yes Yes YES on On ON n N no No NO off Off OFF".split(" "),
]);

const INT64_LIMIT = 2 ** 63;

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

/** How a found value reads in a message. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "a sequence";
  if (isMapping(value)) return "a mapping";
  return JSON.stringify(value) ?? String(value);
}

/**
 * Every field of a parsed config whose value the Go dockswap cannot decode into the field's
 * Go type, as sentences naming the field. A missing or null value decodes to Go's zero value.
 */
export function goTypeProblems(root: Mapping): string[] {
  const problems: string[] = [];
  checkStruct(root, APP_CONFIG, "", problems);
  return problems;
}

function checkStruct(value: Mapping, struct: GoStruct, prefix: string, problems: string[]): void {
  for (const [field, type] of Object.entries(struct)) {
    if (!Object.hasOwn(value, field)) continue;
    const inner = value[field];
    const path = prefix + field;
    if (inner === null || inner === undefined) continue;
    if (typeof type !== "string") {
      if (isMapping(inner)) checkStruct(inner, type, `${path}.`, problems);
      else problems.push(`\`${path}\` must be a mapping, found ${describeValue(inner)}`);
      continue;
    }
    const problem = typeProblem(inner, type);
    if (problem) problems.push(`\`${path}\` ${problem}`);
    else if (type.startsWith("map[") && isMapping(inner)) {
      checkMapValues(inner, type, path, problems);
    } else if (type === "[]string" && Array.isArray(inner)) {
      inner.forEach((item, i) => {
        if (!isScalar(item)) {
          problems.push(`\`${path}[${i}]\` must be a single value, found ${describeValue(item)}`);
        }
      });
    }
  }
}

function checkMapValues(map: Mapping, type: GoType, path: string, problems: string[]): void {
  for (const [key, inner] of Object.entries(map)) {
    const at = `${path}.${key}`;
    if (type === "map[string]string") {
      if (!isScalar(inner)) {
        problems.push(`\`${at}\` must be a single value, found ${describeValue(inner)}`);
      }
    } else if (inner !== null) {
      if (!isMapping(inner)) {
        problems.push(
          `\`${at}\` must be a mapping of names to values, found ${describeValue(inner)}`,
        );
      } else checkMapValues(inner, "map[string]string", at, problems);
    }
  }
}

/** Why yaml.v3 refuses `value` (not null) for a field of Go type `type`, if it does. */
function typeProblem(value: unknown, type: GoType): string | undefined {
  // Worded only for a refusal: most values are fine.
  const found = () => `found ${describeValue(value)}`;
  switch (type) {
    case "string":
      // Any scalar is taken as its text (`port: 80` gives "80").
      return isScalar(value) ? undefined : `must be a single value, ${found()}`;
    case "int":
      // yaml.v3 truncates a fraction (8080.5 gives 8080); refused here as the typo it must be.
      return Number.isInteger(value) && Math.abs(value as number) < INT64_LIMIT
        ? undefined
        : `must be an integer, ${found()}`;
    case "bool":
      return typeof value === "boolean" || (typeof value === "string" && BOOL_WORDS.has(value))
        ? undefined
        : `must be true or false (unquoted; yes/no and on/off work too), ${found()}`;
    case "time.Duration":
      return typeof value === "string" && isGoDuration(value)
        ? undefined
        : `must be a duration with a unit (ns, us, ms, s, m, h), such as 5s, 1m30s or 250ms, ` +
          `${found()}${typeof value === "number" ? ": a bare number has no unit" : ""}`;
    case "map[string]string":
    case "map[string]map[string]string":
      return isMapping(value) ? undefined : `must be a mapping of names to values, ${found()}`;
    case "[]string":
      return Array.isArray(value) ? undefined : `must be a sequence (a list), ${found()}`;
  }
}
