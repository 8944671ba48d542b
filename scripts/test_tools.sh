#!/bin/sh
# The programs the tests drive besides Deno (independent checks of what dockswap-db writes, fault
# injection, and Chromium to open the pages `report` writes). Installed from Debian's packages
# when missing and running as root; otherwise named, so that a missing tool is a clear message
# rather than a failing test.
set -eu
missing=""
for pair in sqlite3:sqlite3 strace:strace script:bsdutils setpriv:util-linux gzip:gzip git:git \
  promtool:prometheus chromium:chromium; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
# The fleet tests start a PostgreSQL server of their own (tests/fleet/_postgres.ts): its programs
# are off the PATH, in Debian's versioned folder.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 ||
  missing="$missing postgresql"
# The OpenMetrics parser that checks `metrics --openmetrics` (Debian's Python, not a virtualenv's).
/usr/bin/python3 -c "import prometheus_client" >/dev/null 2>&1 ||
  missing="$missing python3-prometheus-client"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the test tools:$missing" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "The tests need these Debian packages:$missing (apt-get install$missing)" >&2
  exit 1
fi
