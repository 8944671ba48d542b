/**
 * `db.verify`: every event chain recomputed and every config's SHA-256 checked against its YAML.
 * Returns the first broken link per deployment (and each config whose hash is not of its text).
 */
import * as z from "zod";
import type { Database } from "../db/database.ts";
import { sha256Hex } from "../hash.ts";
import { eventHash } from "../records/event_hash.ts";
import {
  chainEvents,
  chainHead,
  hasEventChain,
  nextChainedDeployment,
} from "../store/event_chain.ts";
import { configsAfter, isAdoptedConfig } from "../store/maintenance.ts";
import { tableNames } from "../db/identity.ts";
import { defineOperation } from "./operation.ts";

/** What is wrong at a broken link. */
export const BROKEN_LINK_PROBLEMS = [
  "event_hash",
  "missing_hash",
  "chain_head",
  "config_sha",
] as const;

const brokenLink = z.object({
  problem: z.enum(BROKEN_LINK_PROBLEMS)
    .describe(
      "event_hash: an event's hash is not the hash of its columns and the previous " +
        "event's hash (edited, reordered, or an event before it deleted); missing_hash: an event " +
        "written without one; chain_head: the deployment's head is not its last event's hash (its " +
        "last events deleted); config_sha: a config's config_sha is not the SHA-256 of its YAML",
    ),
  app_name: z.string(),
  deployment_id: z.number().int().nullable(),
  event_id: z.number().int().nullable().describe("The first event whose link is broken"),
  config_id: z.number().int().nullable(),
  expected: z.string().nullable().describe("The hash the recorded rows give"),
  found: z.string().nullable().describe("The hash stored"),
  detail: z.string(),
});
export type BrokenLink = z.infer<typeof brokenLink>;

export const verifyResult = z.object({
  ok: z.boolean(),
  deployments_checked: z.number().int(),
  events_checked: z.number().int(),
  configs_checked: z.number().int(),
  configs_adopted: z.number().int()
    .describe(
      "Configs adopted from the Go dockswap, which keep the hash Go recorded (not checked)",
    ),
  broken: z.array(brokenLink),
});
export type VerifyResult = z.infer<typeof verifyResult>;

/** Configs read per query: bounds memory, whatever the history's size. */
const CONFIG_PAGE = 100;

/** The first broken link of one deployment's chain, or null; counts its events into `counts`. */
function checkChain(
  db: Database,
  deploymentId: number,
  counts: { events: number },
): BrokenLink | null {
  const deployment = chainHead(db, deploymentId);
  const events = chainEvents(db, deploymentId);
  const link = (
    fields: Pick<BrokenLink, "problem" | "event_id" | "expected" | "found" | "detail">,
  ): BrokenLink => ({
    problem: fields.problem,
    app_name: deployment?.app_name ?? events[0]?.app_name ?? "",
    deployment_id: deploymentId,
    event_id: fields.event_id,
    config_id: null,
    expected: fields.expected,
    found: fields.found,
    detail: fields.detail,
  });
  let previous: string | null = null;
  for (const event of events) {
    counts.events++;
    const expected = eventHash(event, previous);
    if (event.hash !== expected) {
      return link({
        problem: event.hash === null ? "missing_hash" : "event_hash",
        event_id: event.id,
        expected,
        found: event.hash,
        detail: event.hash === null
          ? `event ${event.id} has no hash: it was written by another program`
          : `event ${event.id}'s hash is not the hash of its columns and the previous event's ` +
            `hash: it, or its place in the chain, was changed, or an event before it deleted`,
      });
    }
    previous = expected;
  }
  // A dangling event's deployment has no head to compare (foreign_key_check reports it).
  if (deployment === undefined || deployment.chain_head === previous) return null;
  const last = events.at(-1);
  return link({
    problem: "chain_head",
    event_id: last?.id ?? null,
    expected: deployment.chain_head,
    found: previous,
    detail: last === undefined
      ? `the deployment records a last event, but it has none: its events were deleted`
      : `the deployment's last event is not event ${last.id}: an event after it was deleted, ` +
        `or the head edited`,
  });
}

/** Every config whose config_sha is not the SHA-256 of its YAML (adopted Go rows aside). */
function checkConfigs(db: Database, result: VerifyResult): void {
  const adoptionKnown = tableNames(db).includes("adoption_log");
  for (let page = configsAfter(db, 0, CONFIG_PAGE); page.length > 0;) {
    for (const config of page) {
      result.configs_checked++;
      const expected = sha256Hex(config.config_yaml);
      if (expected === config.config_sha) continue;
      if (adoptionKnown && isAdoptedConfig(db, config)) {
        result.configs_adopted++;
        continue;
      }
      result.broken.push({
        problem: "config_sha",
        app_name: config.app_name,
        deployment_id: null,
        event_id: null,
        config_id: config.id,
        expected,
        found: config.config_sha,
        detail: `config ${config.id}'s YAML is not the text its SHA-256 was taken of`,
      });
    }
    page = configsAfter(db, page.at(-1)!.id, CONFIG_PAGE);
  }
}

/** The first broken link of every deployment's chain, and what was checked. */
export function verifyEventChains(
  db: Database,
): { deployments: number; events: number; broken: BrokenLink[] } {
  const counts = { events: 0 };
  const broken: BrokenLink[] = [];
  let deployments = 0;
  for (
    let id = nextChainedDeployment(db, -Number.MAX_SAFE_INTEGER);
    id !== null;
    id = nextChainedDeployment(db, id)
  ) {
    deployments++;
    const link = checkChain(db, id, counts);
    if (link) broken.push(link);
  }
  return { deployments, events: counts.events, broken };
}

/** Checks every chain and config; the caller opens the read transaction. */
export function verifyRecords(db: Database): VerifyResult {
  const chains = hasEventChain(db)
    ? verifyEventChains(db)
    : { deployments: 0, events: 0, broken: [] };
  const result: VerifyResult = {
    ok: true,
    deployments_checked: chains.deployments,
    events_checked: chains.events,
    configs_checked: 0,
    configs_adopted: 0,
    broken: chains.broken,
  };
  checkConfigs(db, result);
  result.ok = result.broken.length === 0;
  return result;
}

export const dbVerify = defineOperation({
  name: "db.verify",
  summary: "Check the history's hash chains and every config's SHA-256; the first broken link " +
    "per deployment",
  access: "read",
  params: z.strictObject({}),
  result: verifyResult,
  run(context) {
    return verifyRecords(context.db);
  },
});
