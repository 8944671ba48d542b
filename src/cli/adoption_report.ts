import type { AdoptionReport } from "../adoption/adopt.ts";

/** The adoption report as text for stderr: backup, row counts, then one line per repair. */
export function describeAdoption(report: AdoptionReport): string {
  const lines = [
    `Adopted Go dockswap database "${report.path}" (schema ${report.go_schema_version}).`,
    `Backup of the original: ${report.backup}`,
    ...Object.entries(report.rows).map(([table, n]) =>
      `  ${table}: ${n.go} Go row(s), ${n.adopted} row(s) now`
    ),
    `${report.repairs.length} repair(s) (also kept in the adoption_log table):`,
    ...report.repairs.map((r) =>
      `  ${r.table} ${r.row}${r.column ? ` ${r.column}` : ""}: ${r.reason}` +
      (r.old_value !== null || r.new_value !== null
        ? ` (${JSON.stringify(r.old_value)} -> ${JSON.stringify(r.new_value)})`
        : "")
    ),
  ];
  return lines.join("\n") + "\n";
}
