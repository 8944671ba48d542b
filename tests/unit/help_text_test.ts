/** fitHelp: the notes after commander's help, fitted to the terminal without breaking examples. */
import { assertEquals } from "../_assert.ts";
import { fitHelp } from "../../src/cli/help_text.ts";

Deno.test("fitHelp: a paragraph whose line ends in a colon mid-sentence is filled as one", () => {
  const text = [
    "Safe while other processes write: the online backup API into a temporary file in",
    "FILE's folder, quick_check, fsync, rename. Example:",
    "  dockswap-db backup /var/backups/dockswap/$(date -u +%Y%m%dT%H%M%SZ).db-with-a-long-tail",
  ].join("\n");
  assertEquals(fitHelp(text, 60).split("\n"), [
    "Safe while other processes write: the online backup API into",
    "a temporary file in FILE's folder, quick_check, fsync,",
    "rename. Example:",
    "  dockswap-db backup /var/backups/dockswap/$(date -u +%Y%m%dT%H%M%SZ).db-with-a-long-tail",
  ]);
});

Deno.test("fitHelp: a heading after a finished sentence stands alone, and its examples stay whole", () => {
  const text = [
    "Each state and what may follow it, one line each, as the lifecycle allows them to be.",
    "Example (cron, every minute, into the folder of the textfile collector):",
    "  dockswap-db metrics --output /var/lib/node_exporter/textfile_collector/dockswap.prom",
  ].join("\n");
  assertEquals(fitHelp(text, 60).split("\n"), [
    "Each state and what may follow it, one line each, as the",
    "lifecycle allows them to be.",
    "Example (cron, every minute, into the folder of the textfile",
    "collector):",
    "  dockswap-db metrics --output /var/lib/node_exporter/textfile_collector/dockswap.prom",
  ]);
});

Deno.test("fitHelp: lines that fit are left as written", () => {
  const text = "Short note.\nTransitions:\n  stable  -> starting";
  assertEquals(fitHelp(text, 80), text);
});
