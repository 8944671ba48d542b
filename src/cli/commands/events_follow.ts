/**
 * `events --follow`: a loop at the edge over the core's "events after id N". It asks SQLite
 * whether another connection committed (PRAGMA data_version) every POLL_MS and queries only
 * then, each query in its own short read transaction: an idle follower runs no query and never
 * holds a snapshot that would keep a checkpoint from finishing.
 */
import type { Command } from "commander";
import { DockswapError } from "../../errors.ts";
import { defineCommand, labelOf } from "../command_spec.ts";
import { dataVersion, lastEventId } from "../../store/event_stream.ts";
import type { CommandRunner } from "../runner.ts";
import { commandFor } from "../speak.ts";
import { EXIT_SIGNAL } from "../exit_status.ts";

/** How often an idle follower asks whether anything was committed. */
const POLL_MS = 100;
/** Events read per query while catching up. */
const PAGE = 1_000;

// Stopped by a signal it exits as rpc does.
const SIGNAL_EXIT = EXIT_SIGNAL;
type StopSignal = keyof typeof SIGNAL_EXIT;

/** `events --follow` as a declaration: its operation and how its parameters are spelled. */
export const EVENTS_FOLLOW_COMMAND = defineCommand({
  words: ["events"],
  method: "events.after",
  params: {
    after_id: { option: "--since-id <n>" },
    app_name: { option: "--app <name>" },
  },
});

/** The events command's --help about following. */
export const FOLLOW_HELP = `
With --follow, prints each event committed from now on (by any process) as one JSON line, at
most ${POLL_MS} ms after its commit, until interrupted (exit 130 on SIGINT, 143 on SIGTERM) or
until the reader closes the pipe (exit 0). On exit it prints on stderr the command that resumes
after the last event: --since-id N prints every event after N, none skipped or repeated.
Examples:
  dockswap-db --format ndjson events 7
  dockswap-db events --follow --app web-api | jq -r .event_type
  dockswap-db events --follow --since-id 1200 >> /var/log/dockswap/events.ndjson`;

export interface FollowOptions {
  app?: string;
  sinceId?: number;
}

/** Streams events as NDJSON until interrupted or until stdout's reader goes away. */
export async function followEvents(
  runner: CommandRunner,
  command: Command,
  options: FollowOptions,
): Promise<void> {
  const format = runner.globals(command).format;
  if (runner.formatGiven(command) && format !== "ndjson") {
    throw new DockswapError(
      "invalid_argument",
      `events --follow writes NDJSON (one event per line), not ${format}; ` +
        "drop --format/--json or pass --format ndjson",
    );
  }
  const { eventsAfterOp } = await import("../../operations/event_stream.ts");
  const { execute, parseParams } = await import("../../operations/validation.ts");
  // Refused as the command line names it, before the database is opened.
  parseParams(
    eventsAfterOp,
    { after_id: options.sinceId ?? 0, app_name: options.app },
    (param) => labelOf(EVENTS_FOLLOW_COMMAND, param),
  );
  let stopped: StopSignal | undefined;
  let wake: () => void = () => {};
  const listeners = (Object.keys(SIGNAL_EXIT) as StopSignal[]).map((signal) => {
    const listener = () => {
      stopped = signal;
      wake();
    };
    Deno.addSignalListener(signal, listener);
    return () => Deno.removeSignalListener(signal, listener);
  });
  let last = options.sinceId;
  try {
    await runner.withDatabaseAsync(command, async (context) => {
      const db = context.db;
      const params = (after: number) => ({
        after_id: after,
        app_name: options.app,
        limit: PAGE,
      });
      // The same call with no event to return refuses an unknown app before anything is printed.
      execute(context, eventsAfterOp, params(Number.MAX_SAFE_INTEGER));
      // Without --since-id only new events: those after the newest one now.
      let after = last ?? db.read(() => lastEventId(db));
      last = after;
      runner.note(`events --follow: following the events after id ${after}`);
      let seen: number | undefined;
      while (stopped === undefined && !runner.io.stdoutGone?.()) {
        const version = dataVersion(db);
        if (version !== seen) {
          seen = version;
          for (;;) {
            const page = execute(context, eventsAfterOp, params(after));
            for (const event of page.events) {
              runner.io.out(JSON.stringify(event) + "\n");
              if (runner.io.stdoutGone?.()) break;
              after = last = event.id;
            }
            if (page.events.length < PAGE || runner.io.stdoutGone?.()) break;
          }
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    });
  } finally {
    for (const remove of listeners) remove();
  }
  if (last !== undefined) {
    const app = options.app === undefined ? [] : ["--app", options.app];
    const resume = commandFor(
      runner.databasePath(command),
      ...["events", "--follow", ...app, "--since-id", String(last)],
    );
    runner.note(`events --follow: stopped after event ${last}; resume with ${resume}`);
  }
  if (stopped !== undefined) runner.exitCode = SIGNAL_EXIT[stopped];
}
