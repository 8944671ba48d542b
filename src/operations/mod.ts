/** Every operation, the one list both the CLI and the RPC server serve. */
import { dbBackup } from "./backup.ts";
import { configAdd, configCheck, configDiff, configGet, configHistoryOp } from "./config.ts";
import { doctor } from "./doctor.ts";
import { dbExportOperation as dbExport } from "./export_schemas.ts";
import { deployEvent, deployRecover, deployRollback, deployStart } from "./deploy.ts";
import {
  deployGetOperation as deployGet,
  deployHistoryOperation as deployHistory,
  eventsListOperation as eventsList,
  stateGetOperation as stateGet,
  stateListOperation as stateList,
} from "./history_schemas.ts";
import { migrateStatus } from "./migrations.ts";
import { prune } from "./prune.ts";
import { statsGet } from "./stats.ts";
import { eventsAfterOp } from "./event_stream.ts";
import { dbVerify } from "./verify.ts";
import type { FileOperation, Operation } from "./operation.ts";

export { executeValid, mayCreateDatabase, runsAlone, writes } from "./operation.ts";
export { execute, executeAlone, parseParams, rawCallWrites } from "./validation.ts";
export type { FileOperation, Operation, OperationContext } from "./operation.ts";

/** All operations by method name. */
export const OPERATIONS: ReadonlyMap<string, Operation | FileOperation> = new Map(
  ([
    configAdd,
    configGet,
    configHistoryOp,
    configCheck,
    configDiff,
    deployStart,
    deployEvent,
    deployRollback,
    deployRecover,
    deployGet,
    deployHistory,
    eventsList,
    stateGet,
    stateList,
    migrateStatus,
    doctor,
    prune,
    dbExport,
    dbBackup,
    dbVerify,
    statsGet,
    eventsAfterOp,
  ] as (Operation | FileOperation)[]).map((op) => [op.name, op]),
);
