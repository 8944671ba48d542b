/** JSON: one array of objects, or one object of arrays (by table) for several tables. */
import { exportObjectPages } from "../../store/export.ts";
import type { ExportFormat } from "./format.ts";

export const json: ExportFormat = {
  help: "one array (one object of arrays, by table, for several tables)",
  severalTables: true,
  open: (typed) => ({
    start: () => typed ? "{" : "",
    startTable: (table, index) =>
      typed ? `${index > 0 ? "," : ""}\n${JSON.stringify(table)}: [` : "[",
    *pages(db, table, filter) {
      let first = true;
      // Every object after ",\n"; the table's first one loses its comma.
      for (
        const page of exportObjectPages(db, table, filter, {
          typed: false,
          before: ",\n",
          after: "",
        })
      ) {
        yield first ? { ...page, rows: page.rows.slice(1) } : page;
        first = false;
      }
    },
    endTable: (rows) => rows > 0 ? "\n]" : "]",
    end: () => typed ? "\n}\n" : "\n",
  }),
};
