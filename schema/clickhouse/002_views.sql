-- The fleet's health, one row per host (docs/fleet.md): when it last
-- reported, how far its shipping lags, what it lost. Written by hand;
-- the tables are 001_tables.sql's.

CREATE VIEW IF NOT EXISTS rand_guard.host_health AS
SELECT
    host,
    last_seen,
    toInt64(now()) - toInt64(last_seen) AS silent_s,
    lag_rows,
    lag_s,
    ship_failures,
    kernel_drops,
    user_drops,
    runs,
    gaps,
    gap_events,
    unshipped_rows
FROM
(
    SELECT
        host,
        toDateTime(intDiv(max(ts_ns), 1000000000)) AS last_seen,
        argMax(ship_lag_rows, ts_ns) AS lag_rows,
        argMax(ship_lag_s, ts_ns) AS lag_s,
        argMax(ship_failures, ts_ns) AS ship_failures,
        argMax(kernel_drops, ts_ns) AS kernel_drops,
        argMax(user_drops, ts_ns) AS user_drops,
        uniqExact(run_id) AS runs
    FROM rand_guard.health
    GROUP BY host
)
ANY LEFT JOIN
(
    SELECT
        host,
        count() AS gaps,
        sum(count) AS gap_events,
        sumIf(count, reason = 'unshipped') AS unshipped_rows
    FROM rand_guard.gaps FINAL
    GROUP BY host
) USING host;
