#!/usr/bin/env bash
# The central ClickHouse schema (schema/clickhouse/, docs/fleet.md) cannot
# drift from the SQLite one: the checked-in DDL is what this build's
# `rand-guard --clickhouse-schema` derives, and every column of every
# shipped SQLite table (whose event columns the field registry makes,
# tests/unit/test_schema.c) is a column of its central table.
source "$(dirname "$0")/lib.sh"
RG=$RG_BUILD_DIR/rand-guard
CH=$RG_SOURCE_DIR/schema/clickhouse

expect 0 "rand-guard --clickhouse-schema" "$RG" --clickhouse-schema
cp "$T/out" "$T/ddl.sql"
if diff -u "$CH/001_tables.sql" "$T/ddl.sql" >"$T/err"; then
	ok "schema/clickhouse/001_tables.sql is what this build derives"
else
	nok "schema/clickhouse/001_tables.sql is what this build derives (regenerate it: rand-guard --clickhouse-schema > schema/clickhouse/001_tables.sql)"
fi

python3 - "$RG_SOURCE_DIR/schema" "$T/ddl.sql" >"$T/err" <<'PY' && ok "every shipped SQLite column is a central column, with host, run_id, boot_id" || nok "every shipped SQLite column is a central column, with host, run_id, boot_id"
import glob, re, sqlite3, sys
db = sqlite3.connect(":memory:")
for f in sorted(glob.glob(sys.argv[1] + "/[0-9]*.sql")):
    db.executescript(open(f).read())
ddl = open(sys.argv[2]).read()
tables = dict(re.findall(r"CREATE TABLE IF NOT EXISTS rand_guard\.(\w+)\n\((.*?)\n\)", ddl, re.S))
want = ["process_events", "file_events", "network_events", "system_events", "alerts",
        "health", "processes", "runs", "gaps", "checkpoints"]
bad = [t for t in want if t not in tables]
for t in want:
    cols = {l.strip().split()[0] for l in tables.get(t, "").splitlines() if l.strip()}
    local = [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
    bad += [f"{t}.{c}" for c in local if c not in cols]
    # a process row spans runs: it has no run_id
    need = ("host", "boot_id") if t == "processes" else ("host", "run_id", "boot_id")
    bad += [f"{t}.{c} (missing)" for c in need if c not in cols]
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY

expect 0 "--clickhouse-schema DATABASE names the database" "$RG" --clickhouse-schema fleet1
check "... in every table" '! grep -q "rand_guard" "$T/out" && grep -q "CREATE TABLE IF NOT EXISTS fleet1.health" "$T/out"'
check "rows that change are versioned by ship_rev" \
	'[[ $(grep -c "ReplacingMergeTree(ship_rev)" "$T/ddl.sql") -eq 3 ]]'
check "event tables are partitioned by day" \
	'[[ $(grep -c "^PARTITION BY toDate" "$T/ddl.sql") -eq 6 ]]'

WANT="usage|URL" expect 2 "scripts/clickhouse-schema without a URL" "$RG_SOURCE_DIR/scripts/clickhouse-schema"
WANT="not a name" expect 2 "scripts/clickhouse-schema refuses a database that is not a name" \
	"$RG_SOURCE_DIR/scripts/clickhouse-schema" http://127.0.0.1:1 "x;DROP"
cli_done
