/** NDJSON: one JSON object per line; in a file of several tables each line names its `kind`. */
import { exportObjectPages } from "../../store/export.ts";
import type { ExportFormat } from "./format.ts";

export const ndjson: ExportFormat = {
  help: 'one JSON object per row; with several tables each line has "kind" first ' +
    "(config, deployment, event, state)",
  severalTables: true,
  open: (typed) => ({
    start: () => "",
    startTable: () => "",
    pages: (db, table, filter) =>
      exportObjectPages(db, table, filter, { typed, before: "", after: "\n" }),
    endTable: () => "",
    end: () => "",
  }),
};
