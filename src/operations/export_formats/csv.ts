/** CSV: RFC 4180 (CRLF line ends, fields quoted when needed) with a header; one table a file. */
import { cellText, csvField } from "../../csv.ts";
import { EXPORT_SPECS, exportValuePages } from "../../store/export.ts";
import type { ExportFormat } from "./format.ts";

export const csv: ExportFormat = {
  help: "RFC 4180 with a header line; one table only",
  severalTables: false,
  open: () => ({
    start: () => "",
    startTable: (table) => EXPORT_SPECS[table].columns.map(csvField).join(",") + "\r\n",
    *pages(db, table, filter) {
      // A page of value rows as text: no object per row.
      for (const page of exportValuePages(db, table, filter)) {
        let text = "";
        for (const values of page.rows) {
          text += values.map((value) => csvField(cellText(value))).join(",") + "\r\n";
        }
        yield { ...page, rows: text };
      }
    },
    endTable: () => "",
    end: () => "",
  }),
};
