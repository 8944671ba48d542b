/**
 * Go app names no command takes (`my app`, `a/b`): each is adopted under a usable name, unlike
 * every other app's, so that its history can be read and the app brought back to stable. Pure.
 */
import { APP_NAME_RULE, isValidAppName, MAX_APP_NAME_LENGTH } from "../app_name.ts";
import { goText, type RowRepairs } from "./repairs.ts";

export const UNUSABLE_APP_NAME = `not an app name the commands take (${APP_NAME_RULE})`;

/** Go app names the commands cannot take, and the name each is adopted under. */
export type AppRenames = ReadonlyMap<string, string>;

/**
 * A usable name for each unusable one among `goNames`: other characters become `-`, then
 * `-2`, `-3`... on a clash, never another app's name.
 */
export function renameUnusableApps(goNames: readonly unknown[]): AppRenames {
  const names = goNames.map((n) => goText(n) ?? "").filter((name) => name !== "").sort();
  const taken = new Set(names.filter(isValidAppName));
  const renames = new Map<string, string>();
  for (const name of new Set(names.filter((name) => !isValidAppName(name)))) {
    const base = name.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "")
      .slice(0, MAX_APP_NAME_LENGTH - 8) || "app";
    let usable = base;
    for (let n = 2; taken.has(usable); n++) usable = `${base}-${n}`;
    taken.add(usable);
    renames.set(name, usable);
  }
  return renames;
}

/** The app a Go row's `app_name` is adopted under: its usable name, `unknown` when empty. */
export function appNameOf(value: unknown, renames: AppRenames): string {
  const name = goText(value) ?? "";
  return name === "" ? "unknown" : usableApp(name, renames);
}

/** The name a non-empty Go app name is adopted under. */
export function usableApp(name: string, renames: AppRenames): string {
  return renames.get(name) ?? name;
}

/** `appNameOf`, with the repair when the name changes. */
export function adoptAppName(
  value: unknown,
  context: { renames: AppRenames; repairs: RowRepairs },
): string {
  const name = goText(value) ?? "";
  const adopted = appNameOf(value, context.renames);
  if (adopted !== name) {
    const reason = name === "" ? "empty app name" : UNUSABLE_APP_NAME;
    context.repairs.add("app_name", { from: value, to: adopted, reason });
  }
  return adopted;
}
