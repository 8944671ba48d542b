/** Every operation, the one list both the CLI and the RPC server serve. */
import { configAdd, configCheck, configDiff, configGet, configHistoryOp } from "./config.ts";
import { doctor } from "./doctor.ts";
import { deployEvent, deployRecover, deployRollback, deployStart } from "./deploy.ts";
import { deployGet, deployHistory, eventsList, stateGet, stateList } from "./history.ts";
import { migrateStatus } from "./migrations.ts";
import { prune } from "./prune.ts";
import type { Operation } from "./operation.ts";

export {
  execute,
  executeValid,
  mayCreateDatabase,
  parseParams,
  rawCallWrites,
} from "./operation.ts";
export type { Operation, OperationContext } from "./operation.ts";

/** All operations by method name. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
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
  ] as Operation[]).map((op) => [op.name, op]),
);
