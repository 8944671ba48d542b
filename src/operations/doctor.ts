import * as z from "zod";
import { MIGRATIONS } from "../../migrations/mod.ts";
import {
  APPLICATION_ID,
  applicationId,
  compareHistory,
  isGoDockswap,
  readHistory,
  tableNames,
} from "../db/identity.ts";
import { walSizeBytes } from "../db/open.ts";
import { octalMode, ownerOnlyTargets, sharedFiles } from "../db/file_modes.ts";
import { MAX_DURATION_MS } from "../duration.ts";
import { DockswapError } from "../errors.ts";
import {
  act,
  call,
  joinWords,
  markPayloadsSpaced,
  namedText,
  ownerOnly,
  say,
  type Words,
} from "../words.ts";
import { sha256Hex } from "../hash.ts";
import {
  configsAfter,
  foreignKeyCheck,
  integrityCheck,
  isAdoptedConfig,
  journalMode,
  stateDisagreements,
  type StoredConfig,
  stuckDeployments,
} from "../store/maintenance.ts";
import type { Database } from "../db/database.ts";
import { hasEventChain } from "../store/event_chain.ts";
import { defineOperation, type OperationContext } from "./operation.ts";
import { verifyEventChains } from "./verify.ts";

/** A write-ahead log larger than this is reported: checkpoints are not keeping up. */
export const WAL_WARN_BYTES = 64 * 1024 * 1024;

/** Default age after which a deployment still in flight counts as stuck. */
export const DEFAULT_STUCK_AFTER_MS = 60 * 60 * 1000;

const checkResult = z.object({
  check: z.string(),
  status: z.enum(["ok", "warn", "fail"]),
  detail: z.string(),
  hint: z.string().nullable(),
});
/** A check's finding; its hint is worded by the caller's edge (`OperationContext.speak`). */
type Check = Omit<z.infer<typeof checkResult>, "hint"> & { hint: Words | null };

const ok = (check: string, detail: string): Check => ({ check, status: "ok", detail, hint: null });
const warn = (check: string, detail: string, hint: Words | string): Check => ({
  check,
  status: "warn",
  detail,
  hint: typeof hint === "string" ? [hint] : hint,
});
const fail = (check: string, detail: string, hint: Words | string): Check => ({
  check,
  status: "fail",
  detail,
  hint: typeof hint === "string" ? [hint] : hint,
});

/**
 * How to open the file for writing, which `does` (initialises it, applies migrations, switches it
 * to WAL). A read of an empty file is refused (nothing is recorded there), so there only a write
 * will do.
 */
function openForWriting(db: Database, does: string): Words {
  return fileKind(db) === "empty"
    ? say`the first write ${does} ${act("initialise_database", db.path)}`
    : say`any command other than doctor and \`migrate status\` ${does}, e.g. ${
      call("state.list", {}, db.path)
    }`;
}

/** What the file is: which checks mean something on it, and which hints work on it. */
type FileKind = "dockswap" | "go" | "empty" | "foreign" | "unreadable";

function fileKind(db: Database): FileKind {
  try {
    const id = applicationId(db);
    if (id === APPLICATION_ID) return "dockswap";
    if (id === 0 && tableNames(db).length === 0) return "empty";
    return isGoDockswap(db) ? "go" : "foreign";
  } catch (error) {
    // A lock or an I/O failure is the command's error, saying what to do; anything else SQLite
    // says of the file (damage, an unsupported format) makes it unreadable.
    const access = ["database_busy", "database_readonly", "io_error"];
    if (error instanceof DockswapError && access.includes(error.code)) throw error;
    return "unreadable";
  }
}

/**
 * The kinds of file each check means something on; unlisted checks run on every readable file.
 * Checks that read the tables as dockswap-db writes them would report another shape as damage
 * and hint at repairs that do not apply; a remedy that is a dockswap-db command is refused on
 * another program's file. Config hashes are read in Go files too (their hashes are Go's).
 */
const CHECK_KINDS: Readonly<Record<string, readonly FileKind[]>> = {
  identity: ["dockswap", "go", "empty", "foreign", "unreadable"],
  stuck_deployments: ["dockswap"],
  current_state: ["dockswap"],
  config_sha: ["dockswap", "go"],
  event_chain: ["dockswap"],
  payload_spacing: ["dockswap"],
  migrations: ["dockswap", "go", "empty"],
  journal_mode: ["dockswap", "go", "empty"],
};

/** Whether the check called `name` means something on a file of this kind. */
function applies(name: string, kind: FileKind): boolean {
  return (CHECK_KINDS[name] ?? ["dockswap", "go", "empty", "foreign"]).includes(kind);
}

function identity({ db }: OperationContext): Check {
  const kind = fileKind(db);
  if (kind === "unreadable") {
    return fail(
      "identity",
      "not an SQLite database, or damaged beyond reading its header; no other check can run",
      say`${act("pass_dockswap_file")}, or restore the latest backup of this one`,
    );
  }
  const id = applicationId(db);
  if (id === APPLICATION_ID) return ok("identity", "dockswap-db file (application_id DSWD)");
  const tables = tableNames(db);
  if (kind === "empty") {
    return warn("identity", "empty file", openForWriting(db, "initialises it"));
  }
  if (kind === "go") {
    return fail(
      "identity",
      "a Go dockswap database, not yet adopted",
      say`any command other than doctor and \`migrate status\` adopts it (backup first), e.g. ${
        call("state.list", {}, db.path)
      }`,
    );
  }
  return fail(
    "identity",
    `not a dockswap-db file (application_id 0x${id.toString(16)}, tables: ${
      tables.join(", ") || "none"
    }); dockswap-db leaves it alone, and checks only its integrity`,
    [act("pass_dockswap_file")],
  );
}

function integrity({ db }: OperationContext): Check {
  const problems = integrityCheck(db);
  if (problems.length === 1 && problems[0] === "ok") return ok("integrity_check", "ok");
  return fail(
    "integrity_check",
    problems.join("; "),
    // No command here: every reader of a damaged file (export, backup) stops at the damage.
    "restore the latest backup (the backup command makes them); keep this file aside for " +
      "inspection",
  );
}

function foreignKeys({ db }: OperationContext): Check {
  const violations = foreignKeyCheck(db);
  if (violations.length === 0) return ok("foreign_key_check", "every reference resolves");
  const shown = violations.slice(0, 10).map((v) =>
    `${v.table} row ${v.rowid} -> missing ${v.parent}`
  );
  return fail(
    "foreign_key_check",
    `${violations.length} dangling reference(s): ${shown.join("; ")}`,
    "rows were written with foreign keys off; fix or delete them, or restore a backup",
  );
}

function migrations({ db }: OperationContext): Check {
  const history = readHistory(db);
  const { unknown, changed, pending } = compareHistory(history, MIGRATIONS);
  if (unknown.length > 0) {
    return fail(
      "migrations",
      `applied version(s) ${unknown.map((h) => h.version).join(", ")} unknown to this binary`,
      "upgrade dockswap-db",
    );
  }
  if (changed.length > 0) {
    return fail(
      "migrations",
      `checksum differs for ${changed.map((c) => c.migration.name).join(", ")}`,
      "use the dockswap-db build that created the database",
    );
  }
  if (pending.length > 0) {
    return warn(
      "migrations",
      `${history.length} applied, pending: ${pending.map((m) => m.name).join(", ")}`,
      openForWriting(db, "applies them"),
    );
  }
  return ok("migrations", `${history.length} applied, none pending`);
}

function journal({ db }: OperationContext): Check {
  const mode = journalMode(db);
  if (mode === "wal") return ok("journal_mode", "wal");
  return warn(
    "journal_mode",
    mode,
    openForWriting(db, "switches it to wal"),
  );
}

function walSize({ db }: OperationContext): Check {
  const bytes = walSizeBytes(db.path);
  const text = `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes <= WAL_WARN_BYTES) return ok("wal_size", text);
  return warn(
    "wal_size",
    `${text} (over ${WAL_WARN_BYTES / 1024 / 1024} MiB)`,
    "a long-running reader blocks checkpoints; it shrinks when readers finish",
  );
}

function filePermissions({ db }: OperationContext): Check {
  const shared = sharedFiles(db.path);
  const files = [...(shared.database ? [shared.database] : []), ...shared.journals];
  if (files.length === 0) return ok("file_permissions", "owner-only");
  return warn(
    "file_permissions",
    `${files.map((f) => `${f.path} is ${octalMode(f.mode)}`).join("; ")}: other users can ` +
      `read ${files.length === 1 ? "it" : "them"} (SQLite gives the -wal and -shm the ` +
      "database's mode)",
    [ownerOnly(ownerOnlyTargets(shared))],
  );
}

function stuck(context: OperationContext, stuckAfterMs: number): Check {
  const cutoff = new Date(Date.parse(context.now()) - stuckAfterMs).toISOString();
  const rows = stuckDeployments(context.db, cutoff);
  if (rows.length === 0) return ok("stuck_deployments", "none in flight since before " + cutoff);
  const apps = [...new Set(rows.map((r) => r.app_name))];
  return fail(
    "stuck_deployments",
    rows.map((r) => `${r.app_name} deployment ${r.id} in flight since ${r.started_at}`).join("; "),
    joinWords(
      apps.map((app) => [call("deploy.recover", { app_name: app }, context.db.path)]),
      "; ",
    ),
  );
}

function currentState({ db }: OperationContext): Check {
  const rows = stateDisagreements(db);
  if (rows.length === 0) return ok("current_state", "agrees with deployments");
  // recover clears an in-flight state whose deployment has ended; nothing in the tool rewrites
  // the other disagreements (only hand edits or writes with foreign keys off make them).
  const recoverable = [...new Set(rows.filter((r) => r.stale_in_flight).map((r) => r.app_name))];
  const edited = [...new Set(rows.filter((r) => !r.stale_in_flight).map((r) => r.app_name))];
  const history = edited.map((app) => [call("deploy.history", { app_name: app }, db.path)]);
  const hints: Words[] = [
    ...recoverable.map((app) => [call("deploy.recover", { app_name: app }, db.path)]),
    ...(edited.length > 0
      ? [[
        "the rows were edited outside dockswap-db: restore the latest backup, or correct " +
        "current_state by hand to point at the app's latest deployment (",
        ...joinWords(history, "; "),
        ")",
      ]]
      : []),
  ];
  return fail(
    "current_state",
    rows.map((r) => `${r.app_name}: ${r.problem}`).join("; "),
    joinWords(hints, "; "),
  );
}

/** Configs read per query while re-hashing: bounds memory, whatever the history's size. */
const CONFIG_PAGE = 100;

/**
 * Every config_sha must be the SHA-256 of its config_yaml, or `config check` compares files
 * against a wrong hash. Rows adopted from the Go dockswap may keep a hash Go computed some
 * other way; they are reported as such, not as damage.
 */
function configHashes({ db }: OperationContext): Check {
  // In a Go file not yet adopted every row is Go's; once adopted, adoption_log tells.
  const goFile = isGoDockswap(db);
  const adoptionKnown = tableNames(db).includes("adoption_log");
  const foreign: StoredConfig[] = [];
  const adopted: StoredConfig[] = [];
  let count = 0;
  for (let page = configsAfter(db, 0, CONFIG_PAGE); page.length > 0;) {
    for (const config of page) {
      count++;
      if (sha256Hex(config.config_yaml) === config.config_sha) continue;
      const fromGo = goFile || (adoptionKnown && isAdoptedConfig(db, config));
      (fromGo ? adopted : foreign).push(config);
    }
    page = configsAfter(db, page.at(-1)!.id, CONFIG_PAGE);
  }
  const list = (configs: StoredConfig[]) =>
    configs.slice(0, 10).map((c) => `${c.app_name} config ${c.id}`).join(", ") +
    (configs.length > 10 ? `, and ${configs.length - 10} more` : "");
  const adoptedNote = adopted.length === 0 ? "" : `; ${adopted.length} written by the Go ` +
    `dockswap keep the hash it recorded, which is not of their text (${list(adopted)})`;
  if (foreign.length === 0) {
    return ok(
      "config_sha",
      `${count - adopted.length} of ${count} config(s) match the SHA-256 of their YAML` +
        adoptedNote,
    );
  }
  return fail(
    "config_sha",
    `${foreign.length} config(s) whose config_sha is not the SHA-256 of their YAML: ` +
      list(foreign) + adoptedNote,
    [
      "the rows were changed outside dockswap-db: restore the latest backup, or store the " +
      "app's file again (",
      call("config.add", { config_yaml: null }, db.path),
      ") so later checks compare against a true hash",
    ],
  );
}

/** The history's hash chains (`verify` checks them with the configs, which config_sha covers). */
function eventChains({ db }: OperationContext): Check {
  if (!hasEventChain(db)) {
    return warn(
      "event_chain",
      "not chained yet: migration 0007 computes the chain",
      openForWriting(db, "applies it"),
    );
  }
  const { deployments, events, broken } = verifyEventChains(db);
  if (broken.length === 0) {
    return ok(
      "event_chain",
      `every link holds: ${events} event(s) in ${deployments} deployment(s)`,
    );
  }
  const shown = broken.slice(0, 10).map((link) =>
    `${link.app_name} deployment ${link.deployment_id}` +
    (link.event_id === null ? "" : ` event ${link.event_id}`) + `: ${link.problem}`
  );
  return fail(
    "event_chain",
    `${broken.length} deployment(s) whose recorded events were edited, deleted or reordered ` +
      `since they were chained: ${shown.join("; ")}` +
      (broken.length > 10 ? `, and ${broken.length - 10} more` : ""),
    // No command: verify (which names each link with its hashes) repairs nothing.
    "restore the latest backup, or keep this file aside for inspection",
  );
}

/**
 * The payloads export must not trust (migration 0008): the first that this SQLite does not read
 * as JSON (an older SQLite let in one nested past 1,000 levels), and, while `payload_spacing`
 * says none is spaced, the first spaced one and any of its triggers missing (a program that
 * dropped or disabled them would have its spacing exported).
 */
function payloadSpacing({ db }: OperationContext): Check {
  const hasTable = db.get(
    "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'payload_spacing'",
  );
  if (!hasTable) {
    return warn(
      "payload_spacing",
      "not kept yet: migration 0008 adds it",
      openForWriting(db, "applies it"),
    );
  }
  const trusted = db.get<{ spaced: number }>("SELECT spaced FROM payload_spacing")?.spaced === 0;
  // One pass; CASE takes its branches in order, so json() sees only what json_valid() accepts.
  // Spacing matters only while export trusts the stored text.
  const spaced = trusted
    ? "CASE WHEN NOT json_valid(payload) THEN NULL WHEN payload <> json(payload) THEN id END"
    : "NULL";
  const first = db.get<{ unreadable: number | null; spaced: number | null }>(
    `SELECT min(CASE WHEN NOT json_valid(payload) THEN id END) AS unreadable,
            min(${spaced}) AS spaced
     FROM deployment_events WHERE payload IS NOT NULL`,
  );
  if (first?.unreadable != null) {
    return fail(
      "payload_spacing",
      `event ${first.unreadable}'s payload is not JSON this SQLite reads (another program wrote ` +
        "it, e.g. nested past 1,000 levels): export and verify refuse it",
      "restore a backup from before it, or keep this file aside for inspection",
    );
  }
  if (!trusted) {
    return ok("payload_spacing", "payloads are exported through json() (one is stored spaced)");
  }
  const triggers = db.all<{ name: string }>(
    `SELECT name FROM sqlite_schema WHERE type = 'trigger'
       AND name IN ('payload_spacing_on_insert', 'payload_spacing_on_update')`,
  ).map((row) => row.name);
  const missing = ["payload_spacing_on_insert", "payload_spacing_on_update"]
    .filter((name) => !triggers.includes(name));
  if (missing.length === 0 && first?.spaced == null) {
    return ok("payload_spacing", "no payload is stored spaced; its triggers are in place");
  }
  const why = [
    ...(missing.length > 0 ? [`trigger(s) ${missing.join(", ")} missing`] : []),
    ...(first?.spaced != null ? [`event ${first.spaced}'s payload is stored spaced`] : []),
  ].join(" and ");
  return fail(
    "payload_spacing",
    `says no payload is stored spaced, but ${why}: export would write spaced payloads as ` +
      "stored. The hint marks them spaced, so that export minifies every one (sqlite3 3.37 or " +
      "newer reads this schema)",
    [markPayloadsSpaced(db.path)],
  );
}

export const doctor = defineOperation({
  name: "db.doctor",
  summary: "Check the database: integrity, references, migrations, journal, file permissions, " +
    "stuck deployments, config hashes, the history's hash chains",
  access: "read",
  params: z.strictObject({
    stuck_after_ms: z.number().int().positive().max(MAX_DURATION_MS).optional()
      .describe("In flight longer than this counts as stuck (default one hour)"),
  }),
  result: z.object({ ok: z.boolean(), checks: z.array(checkResult) }),
  run(context, params) {
    const checks: [string, () => Check][] = [
      ["identity", () => identity(context)],
      ["integrity_check", () => integrity(context)],
      ["foreign_key_check", () => foreignKeys(context)],
      ["migrations", () => migrations(context)],
      ["journal_mode", () => journal(context)],
      ["wal_size", () => walSize(context)],
      ["file_permissions", () => filePermissions(context)],
      ["stuck_deployments", () => stuck(context, params.stuck_after_ms ?? DEFAULT_STUCK_AFTER_MS)],
      ["current_state", () => currentState(context)],
      ["config_sha", () => configHashes(context)],
      ["event_chain", () => eventChains(context)],
      ["payload_spacing", () => payloadSpacing(context)],
    ];
    const kind = fileKind(context.db);
    const speak = context.speak ?? namedText;
    const results = checks.filter(([name]) => applies(name, kind)).map(([name, check]) => {
      try {
        return check();
      } catch (error) {
        // A damaged file fails a check; it must not stop the others from reporting.
        const message = error instanceof DockswapError
          ? speak(error.words)
          : error instanceof Error
          ? error.message
          : String(error);
        return fail(name, `could not check: ${message}`, "see the other checks; restore a backup");
      }
    });
    return {
      ok: results.every((c) => c.status !== "fail"),
      checks: results.map((c) => ({ ...c, hint: c.hint === null ? null : speak(c.hint) })),
    };
  },
});
