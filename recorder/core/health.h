/* health.h: the recorder's own counters, written as health rows.
 *
 * One X-macro list names every counter once: the struct member, the NDJSON
 * key, the `health` table column and the daemon's filling of the row
 * (one SRC_ macro per counter in daemon/pipeline.c, saying where its value
 * comes from: the compiler refuses a counter without one) are all
 * generated from it. Counters are cumulative since the run started (a
 * reader subtracts two rows for a rate); gauges (G) are the value at the
 * time of the row.
 */
#ifndef RG_HEALTH_H
#define RG_HEALTH_H

#include <stdint.h>

#include "event.h"

/* X(name, kind, what): kind is C (cumulative counter) or G (gauge). */
#define RG_HEALTH_FIELDS(X)                                                        \
	X(events_read, C, "raw records read from the ring buffer")                 \
	X(events_invalid, C, "records rejected: bad version, kind or size")        \
	X(events_unsupported, C, "well-formed records of a kind this build ignores") \
	X(kernel_drops, C, "records the kernel could not queue (BPF counters)")    \
	X(kernel_drops_process, C, "of kernel_drops: exec, fork and exit records") \
	X(kernel_drops_file, C, "of kernel_drops: file records")                   \
	X(kernel_drops_network, C, "of kernel_drops: network records")             \
	X(kernel_drops_system, C, "of kernel_drops: system records (and failed execs)") \
	X(kernel_skipped, C, "runs of record-sending BPF programs the kernel skipped (Linux 6.7+): at most that many records lost") \
	X(user_drops, C, "rows dropped in userspace (store queue full)")           \
	X(user_drops_process, C, "of user_drops: process_events rows")             \
	X(user_drops_file, C, "of user_drops: file_events rows")                   \
	X(user_drops_network, C, "of user_drops: network_events rows")             \
	X(user_drops_system, C, "of user_drops: system_events rows")               \
	X(filtered, C, "events a filter dropped: the kernel's (unix sockets) and the recorder's (file paths)") \
	X(ndjson_written, C, "NDJSON lines written")                               \
	X(ndjson_failures, C, "NDJSON lines that could not be written")            \
	X(rows_processes, C, "rows written to processes (inserts and updates)")    \
	X(rows_process_events, C, "rows written to process_events")                \
	X(rows_file_events, C, "rows written to file_events")                      \
	X(rows_network_events, C, "rows written to network_events")                \
	X(rows_system_events, C, "rows written to system_events")                  \
	X(rows_gaps, C, "rows written to gaps")                                    \
	X(rows_alerts, C, "rows written to alerts")                                \
	X(store_failures, C, "rows the store failed to write")                     \
	X(rows_pruned, C, "event rows removed by retention ([store] max_age_h, max_size_mb)") \
	X(batches, C, "store transactions committed")                              \
	X(batch_commit_us_max, G, "slowest commit since the last health row, us")  \
	X(queue_depth, G, "events waiting for the store writer")                   \
	X(wal_bytes, G, "size of the database's WAL file, bytes")                  \
	X(checkpoints, C, "WAL checkpoint passes (the checkpointer thread's, never the writer's)") \
	X(checkpoints_blocked, C, "checkpoint passes that left WAL frames uncopied: a reader held them") \
	X(checkpoint_us_max, G, "slowest checkpoint pass since the last health row, us") \
	X(wal_pinned, C, "times a reader held the WAL past [store] wal_warn_mb")   \
	X(proctab_size, G, "processes in the process table")                       \
	X(proctab_evictions, C, "processes evicted from the full process table")   \
	X(name_loads, C, "times /etc/passwd or /etc/group was parsed (at start, and when it changed)") \
	X(cgroups_unknown, C, "execs and forks into a cgroup whose path could not be found (cgroup_path null)") \
	X(alerts, C, "alerts raised (rule matches)")                               \
	X(rules_enabled, G, "enabled rules in the loaded rule set")                \
	X(rule_reloads, C, "rule sets loaded on SIGHUP")                           \
	X(rule_reload_failures, C, "SIGHUP reloads refused (the running set stays)") \
	X(queue_reserve_used, C, "rows queued past queue_events because the record needs them most") \
	X(lineage_evictions, C, "processes evicted from the rules' lineage table") \
	X(sequence_partials, G, "partial sequence-rule matches held ([rules] sequence_max)") \
	X(sequence_evictions, C, "partial sequence matches pushed out by sequence_max") \
	X(hash_cache_hits, C, "execs whose file's hash the cache knew")             \
	X(hashes_computed, C, "files read and hashed by the hashing thread")        \
	X(hash_over_budget, C, "execs not hashed: past [hash] max_per_second or the queue") \
	X(ship_rows, C, "rows ClickHouse acknowledged ([ship])")                   \
	X(ship_failures, C, "[ship] requests that failed (the rows are sent again)") \
	X(ship_lag_rows, G, "committed rows not yet acknowledged by ClickHouse")  \
	X(ship_lag_s, G, "age of the oldest row not yet acknowledged, s")          \
	X(uptime_s, G, "seconds since the recorder started")                       \
	X(rss_kb, G, "recorder resident memory, KiB")

struct rg_health {
	uint64_t seq;
	int64_t ts_ns; /* wall clock */
	int64_t run_id;
#define RG_HEALTH_MEMBER(name, kind, what) uint64_t name;
	RG_HEALTH_FIELDS(RG_HEALTH_MEMBER)
#undef RG_HEALTH_MEMBER
};

/* An interval in which events were lost, or in which a sequence rule's
 * partial matches were: becomes a `gaps` row. */
struct rg_gap {
	int64_t run_id;
	int64_t start_ns; /* wall clock, inclusive */
	int64_t end_ns;   /* wall clock, inclusive */
	uint64_t count;   /* events lost (0 when unknown, e.g. recorder down);
			   * sequence_eviction: partial matches evicted */
	const char *reason; /* kernel_drop, user_drop, store_failure, invalid,
			     * recorder_down; clock_step_back, clock_step_forward
			     * (a wall-clock step: nothing lost, see pipeline.h);
			     * sequence_eviction */
	struct rg_str rule_id; /* sequence_eviction: the rule; else {NULL} */
};

#endif /* RG_HEALTH_H */
