/** The invalid app configs of tests/fixtures/invalid/ and the words each refusal must hold. */

/** The configs every version refused: a rule of the config format is broken. */
export const INVALID: Record<string, RegExp> = {
  "same-ports.yaml": /ports\.blue.*ports\.green.*must differ/,
  "missing-name.yaml": /`name` is required/,
  "purple-override.yaml": /environment_overrides.*"purple"/,
  "bad-status.yaml": /expected_status.*100-599.*999/,
  "syntax-error.yaml": /YAML syntax error at line \d+/,
  "not-a-mapping.yaml": /must be a YAML mapping, found a sequence/,
  "empty.yaml": /config is empty/,
};

/** Configs the Go dockswap's yaml.v3 decoding refuses (tests/fixtures/invalid/README.md). */
export const GO_REFUSED: Record<string, string> = {
  "duration-bare-integer.yaml":
    "`health_check.timeout` must be a duration with a unit (ns, us, ms, s, m, h), such as 5s, " +
    "1m30s or 250ms, found 3: a bare number has no unit",
  "duration-quoted-number.yaml": "`deployment.drain_timeout` must be a duration with a unit",
  "duration-in-days.yaml":
    '`deployment.stop_timeout` must be a duration with a unit (ns, us, ms, s, m, h), such as 5s, 1m30s or 250ms, found "1d"',
  "auto-rollback-number.yaml": "`deployment.auto_rollback` must be true or false",
  "auto-rollback-quoted-true.yaml":
    '`deployment.auto_rollback` must be true or false (unquoted; yes/no and on/off work too), found "true"',
  "environment-as-list.yaml":
    "`docker.environment` must be a mapping of names to values, found a sequence",
  "environment-value-list.yaml":
    "`docker.environment.QUEUE` must be a single value, found a sequence",
  "volumes-not-a-list.yaml":
    '`docker.volumes` must be a sequence (a list), found "/var/lib/worker:/data"',
  "volumes-item-mapping.yaml": "`docker.volumes[0]` must be a single value, found a mapping",
  "override-values-list.yaml":
    "`docker.environment_overrides.blue` must be a mapping of names to values, found a sequence",
  "override-value-mapping.yaml":
    "`docker.environment_overrides.green.LOG_LEVEL` must be a single value, found a mapping",
  "proxy-not-a-mapping.yaml": '`proxy` must be a mapping, found "worker.internal:9000"',
  "proxy-listen-port-quoted.yaml": '`proxy.listen_port` must be an integer, found "9000"',
  "proxy-host-list.yaml": "`proxy.host` must be a single value, found a sequence",
  "nul-character.yaml": "control character U+0000 at line 9, column 19",
};
