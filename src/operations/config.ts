import { createTwoFilesPatch } from "diff";
import * as z from "zod";
import { DockswapError, notFound } from "../errors.ts";
import {
  configBefore,
  configById,
  configHistory,
  insertConfig,
  latestConfig,
  summarize,
} from "../store/configs.ts";
import type { ConfigRecord } from "../records/config.ts";
import { configRecord, configSummary } from "../records/schemas.ts";
import { parseConfigOnce } from "./config_cache.ts";
import { defineOperation, type OperationContext } from "./operation.ts";
import { isAppName, isStoredText, MOST_ROWS, quickCheck } from "./quick_params.ts";
import { appName, limit, rowId, storedText } from "./schemas.ts";

/** Largest config text accepted; real app configs are a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const configYaml = storedText.max(MAX_CONFIG_BYTES).describe("Raw YAML text of the app config");

/** Parses a config and checks it against an explicitly given app name. */
export function parseForApp(text: string, expectedApp: string | undefined) {
  const config = parseConfigOnce(text);
  if (expectedApp !== undefined && expectedApp !== config.app_name) {
    throw new DockswapError(
      "config_invalid",
      `The config names app ${JSON.stringify(config.app_name)}, not ${
        JSON.stringify(expectedApp)
      }; fix \`name\` in the file or the app name given`,
    );
  }
  return config;
}

/** Stores a config version unless it equals the app's latest one; shared by deploy.start. */
export function addConfig(
  context: OperationContext,
  text: string,
  expectedApp?: string,
): { created: boolean; config: ConfigRecord } {
  const config = parseForApp(text, expectedApp);
  const latest = latestConfig(context.db, config.app_name);
  if (latest && latest.config_sha === config.config_sha) return { created: false, config: latest };
  const created = insertConfig(context.db, { ...config, created_at: context.now() });
  return { created: true, config: created };
}

/** A config version of an app by id, refusing one that belongs to another app. */
export function configOfApp(context: OperationContext, app: string, id: number): ConfigRecord {
  const config = configById(context.db, id);
  if (!config || config.app_name !== app) {
    throw notFound(`App ${app} has no config version with id ${id}; see "config history ${app}"`);
  }
  return config;
}

/** The latest config version of an app, or a not_found error saying how to add one. */
export function requireLatestConfig(context: OperationContext, app: string): ConfigRecord {
  const latest = latestConfig(context.db, app);
  if (!latest) {
    throw notFound(`App ${app} has no stored config; add one with "config add FILE"`);
  }
  return latest;
}

const addParams = z.strictObject({ config_yaml: configYaml, app_name: appName.optional() });

/** config.add's common params (see quick_params.ts); undefined leaves them to the schema. */
const quickAddParams = quickCheck(
  addParams,
  (p) =>
    isStoredText(p.config_yaml, MAX_CONFIG_BYTES) &&
    (p.app_name === undefined || isAppName(p.app_name)),
);

export const configAdd = defineOperation({
  name: "config.add",
  summary: "Store a config version (skipped when it equals the app's latest version)",
  access: "write",
  params: addParams,
  quickParams: quickAddParams,
  result: z.object({ created: z.boolean(), config: configSummary }),
  mayCreate: () => true,
  precheck: (params) => void parseForApp(params.config_yaml, params.app_name),
  run(context, params) {
    const { created, config } = addConfig(context, params.config_yaml, params.app_name);
    return { created, config: summarize(config) };
  },
});

export const configGet = defineOperation({
  name: "config.get",
  summary: "One config version of an app with its YAML: the latest, or the given id",
  access: "read",
  params: z.strictObject({ app_name: appName, id: rowId.optional() }),
  result: configRecord,
  run(context, params) {
    return params.id === undefined
      ? requireLatestConfig(context, params.app_name)
      : configOfApp(context, params.app_name, params.id);
  },
});

export const configHistoryOp = defineOperation({
  name: "config.history",
  summary: "Config versions of an app, newest first",
  access: "read",
  params: z.strictObject({ app_name: appName, limit: limit.optional() }),
  result: z.array(configSummary),
  run(context, params) {
    const history = configHistory(context.db, params.app_name, params.limit ?? MOST_ROWS);
    // Empty only for an app never seen: a mistyped name, not an answer.
    if (history.length === 0) requireLatestConfig(context, params.app_name);
    return history;
  },
});

export const configCheck = defineOperation({
  name: "config.check",
  summary: "Whether a config differs from the app's latest stored version (writes nothing)",
  access: "read",
  params: z.strictObject({ config_yaml: configYaml, app_name: appName.optional() }),
  result: z.object({
    app_name: z.string(),
    changed: z.boolean(),
    sha: z.string(),
    latest_sha: z.string().nullable(),
    latest_id: rowId.nullable(),
  }),
  run(context, params) {
    const config = parseForApp(params.config_yaml, params.app_name);
    const latest = latestConfig(context.db, config.app_name);
    return {
      app_name: config.app_name,
      changed: latest?.config_sha !== config.config_sha,
      sha: config.config_sha,
      latest_sha: latest?.config_sha ?? null,
      latest_id: latest?.id ?? null,
    };
  },
});

export const configDiff = defineOperation({
  name: "config.diff",
  summary: "Unified diff of two config versions of an app (default: previous vs latest)",
  access: "read",
  params: z.strictObject({
    app_name: appName,
    from_id: rowId.optional(),
    to_id: rowId.optional(),
  }),
  result: z.object({
    app_name: z.string(),
    from_id: rowId,
    to_id: rowId,
    from_sha: z.string(),
    to_sha: z.string(),
    changed: z.boolean(),
    diff: z.string().describe("Unified diff; empty when the versions are equal"),
  }),
  run(context, params) {
    const app = params.app_name;
    let from: ConfigRecord;
    let to: ConfigRecord;
    if (params.from_id === undefined) {
      // Default: the version before `to` (the latest unless to_id is given).
      to = params.to_id === undefined
        ? requireLatestConfig(context, app)
        : configOfApp(context, app, params.to_id);
      const previous = configBefore(context.db, to);
      if (!previous) {
        throw notFound(
          `Config ${to.id} is the first version of app ${app}; there is nothing before it to diff`,
        );
      }
      from = previous;
    } else {
      from = configOfApp(context, app, params.from_id);
      to = params.to_id === undefined
        ? requireLatestConfig(context, app)
        : configOfApp(context, app, params.to_id);
    }
    const changed = from.config_sha !== to.config_sha;
    const diff = changed
      ? createTwoFilesPatch(
        `${app}@${from.id}`,
        `${app}@${to.id}`,
        from.config_yaml,
        to.config_yaml,
        from.created_at,
        to.created_at,
      )
      : "";
    return {
      app_name: app,
      from_id: from.id,
      to_id: to.id,
      from_sha: from.config_sha,
      to_sha: to.config_sha,
      changed,
      diff,
    };
  },
});
