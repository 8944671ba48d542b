import { APP_NAME_RULE, isValidAppName } from "./app_name.ts";
import { goTypeProblems } from "./app_config_types.ts";
import { COLORS, isColor } from "./color.ts";
import { readConfigYaml } from "./config_yaml.ts";
import { DockswapError } from "./errors.ts";
import { sha256Hex } from "./hash.ts";

/** A parsed, validated app config: its app name, its raw text and the SHA-256 of that text. */
export interface AppConfig {
  app_name: string;
  config_yaml: string;
  config_sha: string;
}

/**
 * Decodes a config file's bytes as UTF-8 without altering them (a BOM and CRLF stay), so that
 * the SHA-256 of the stored text equals `sha256sum FILE`.
 */
export function decodeConfigBytes(bytes: Uint8Array, source: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new DockswapError("config_invalid", `${source}: not valid UTF-8 text; save it as UTF-8`);
  }
  checkYamlCharacters(text, source);
  return text;
}

/**
 * Characters YAML does not allow anywhere in a stream (YAML 1.2 c-printable, as the Go
 * dockswap's yaml.v3 reader checks them): C0 controls but tab, LF and CR; DEL; C1 controls
 * but NEL; lone surrogates; U+FFFE and U+FFFF.
 */
// deno-lint-ignore no-control-regex -- control characters are what it finds
const NOT_YAML = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|\p{Cs}/u;

/** Refuses text holding a character YAML does not allow, naming it and where it is. */
function checkYamlCharacters(text: string, source: string): void {
  const match = NOT_YAML.exec(text);
  if (!match) return;
  const before = text.slice(0, match.index).split(/\r\n|\r|\n/);
  const code = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  throw invalid(
    source,
    `control character U+${code} at line ${before.length}, column ${
      before.at(-1)!.length + 1
    }: YAML does not allow it (the Go dockswap refuses the file too); remove it`,
  );
}

/**
 * Parses and validates a Dockswap app config as the Go dockswap does. `source` names the
 * input in messages (a file path, or "stdin").
 */
export function parseAppConfig(text: string, source = "config_yaml"): AppConfig {
  checkYamlCharacters(text, source);
  const root = readConfigYaml(text, source);
  if (root === null || root === undefined) {
    throw invalid(source, "the config is empty; it must be a YAML mapping with at least `name`");
  }
  if (!isMapping(root)) {
    throw invalid(source, `the config must be a YAML mapping, found ${describe(root)}`);
  }
  const problems = validate(root);
  if (problems.length > 0) throw invalid(source, problems.join("; "), { problems });
  return { app_name: root.name as string, config_yaml: text, config_sha: sha256Hex(text) };
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a sequence";
  if (value === null) return "null";
  return `a ${typeof value}`;
}

function invalid(
  source: string,
  problem: string,
  details?: Record<string, unknown>,
): DockswapError {
  return new DockswapError("config_invalid", `${source}: ${problem}`, details);
}

/**
 * Returns every rule the config breaks, as readable sentences naming the field: first what
 * the Go dockswap's YAML decoding refuses (a value of the wrong type), then the checks of its
 * validateConfig on the fields that decoded.
 */
function validate(root: Mapping): string[] {
  const problems = goTypeProblems(root);
  // A section of the wrong type was reported above; its fields count as missing.
  const section = (key: string): Mapping => isMapping(root[key]) ? root[key] as Mapping : {};
  const integer = (
    path: string,
    value: unknown,
    check: (n: number) => boolean,
    rule: string,
  ): void => {
    const missing = value === undefined || value === null;
    // Not an integer was reported above, as a type the Go dockswap cannot decode.
    if (!missing && !Number.isInteger(value)) return;
    // A missing number counts as 0, as in Go; said as missing, since that is what to fix.
    const n = missing ? 0 : value as number;
    if (!check(n)) {
      problems.push(
        missing
          ? `\`${path}\` is missing (it must be ${rule})`
          : `\`${path}\` must be ${rule}, found ${JSON.stringify(value)}`,
      );
    }
  };

  if (root.name === undefined || root.name === null || root.name === "") {
    problems.push("`name` is required");
  } else if (
    typeof root.name !== "object" && (typeof root.name !== "string" || !isValidAppName(root.name))
  ) {
    problems.push(`\`name\` must be ${APP_NAME_RULE}, found ${JSON.stringify(root.name)}`);
  }

  const docker = section("docker");
  const port = (n: number) => n > 0 && n <= 65535;
  integer("docker.expose_port", docker.expose_port, port, "a port number 1-65535");
  const overrides = docker.environment_overrides;
  if (isMapping(overrides)) {
    for (const key of Object.keys(overrides)) {
      if (!isColor(key)) {
        problems.push(
          `\`docker.environment_overrides\` may only have keys ${COLORS.join(" and ")}, found ${
            JSON.stringify(key)
          }`,
        );
      }
    }
  }

  const ports = section("ports");
  integer("ports.blue", ports.blue, port, "a port number 1-65535");
  integer("ports.green", ports.green, port, "a port number 1-65535");
  if (typeof ports.blue === "number" && ports.blue === ports.green) {
    problems.push(`\`ports.blue\` and \`ports.green\` must differ, both are ${ports.blue}`);
  }

  const health = section("health_check");
  integer("health_check.retries", health.retries, (n) => n >= 0, "an integer >= 0");
  integer(
    "health_check.success_threshold",
    health.success_threshold,
    (n) => n > 0,
    "an integer > 0",
  );
  integer(
    "health_check.expected_status",
    health.expected_status,
    (n) => n >= 100 && n <= 599,
    "an HTTP status 100-599",
  );
  return problems;
}
