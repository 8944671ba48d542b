#!/usr/bin/env python3
"""Checks a dockswap-db NDJSON export without dockswap-db: each event's hash chain, each
deployment's chain head and each config's SHA-256 (docs/monitoring.md, "The algorithm").

Usage: python3 verify_chain.py FILE.ndjson...   (`export --format ndjson`, any tables; whole
deployments: no --since/--until, or every file of a --cursor series, in order)
Prints the first broken link of each deployment; exits 0 when every link holds, 1 otherwise.
"""
import hashlib
import json
import sys

HASHED = ["id", "deployment_id", "app_name", "event_type", "from_state", "to_state",
          "payload", "error", "created_at"]


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def payload_text(line):
    # The payload's JSON text as export wrote it (a JSON library may spell numbers otherwise).
    # App names, event and state words hold no quote, so the first "payload": is the key.
    start = line.index('"payload":') + len('"payload":')
    _, end = json.JSONDecoder().raw_decode(line, start)
    return line[start:end]


def main(paths):
    heads = {}      # deployment id -> chain_head recorded on the deployment
    last = {}       # deployment id -> hash of its last event checked so far
    broken = {}     # deployment id -> first broken link
    configs_bad = []
    for path in paths:
        with open(path, encoding="utf-8") as file:
            for line in file:
                line = line.rstrip("\n")
                if not line:
                    continue
                row = json.loads(line)
                if "config_yaml" in row:
                    found = hashlib.sha256(row["config_yaml"].encode("utf-8")).hexdigest()
                    if found != row["config_sha"]:
                        configs_bad.append(f"config {row['id']}: expected {found} found "
                                           f"{row['config_sha']}")
                elif "chain_head" in row:
                    heads[row["id"]] = row["chain_head"]
                elif "event_type" in row:
                    deployment = row["deployment_id"]
                    if deployment in broken:
                        continue
                    values = [payload_text(line) if column == "payload" else compact(row[column])
                              for column in HASHED]
                    previous = last.get(deployment)
                    text = "[" + ",".join(values) + "," + compact(previous) + "]"
                    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
                    if row["hash"] != expected:
                        broken[deployment] = (f"event {row['id']}: expected {expected} found "
                                              f"{row['hash']}")
                    last[deployment] = expected
    for deployment, head in heads.items():
        if deployment not in broken and head != last.get(deployment):
            broken[deployment] = (f"chain head: expected {head} found "
                                  f"{last.get(deployment)}")
    for deployment in sorted(broken):
        print(f"deployment {deployment}: {broken[deployment]}")
    for problem in configs_bad:
        print(problem)
    if broken or configs_bad:
        return 1
    print(f"ok: {len(last)} deployment chain(s), every link holds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
