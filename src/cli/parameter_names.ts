/**
 * Operation parameters as a CLI user knows them, for error messages: the RPC names
 * (`to_deployment_id`) mean nothing at a shell prompt.
 */
const CLI_NAMES: Readonly<Record<string, string>> = {
  params: "arguments",
  app_name: "app name",
  config_yaml: "config",
  config_id: "--config-id",
  deployment_id: "DEPLOYMENT_ID",
  event_type: "EVENT",
  to_deployment_id: "--to",
  from_id: "FROM_ID",
  to_id: "TO_ID",
  id: "--id",
  keep_last: "--keep-last",
  older_than_ms: "--older-than",
  stuck_after_ms: "--stuck-after",
  dry_run: "--yes",
};

/** The CLI's name of an operation parameter (`image` -> `--image`). */
export function cliParameterName(param: string): string {
  return CLI_NAMES[param] ?? `--${param.replaceAll("_", "-")}`;
}
