-- The central tables, one per shipped SQLite table (rand-guard --clickhouse-schema;
-- do not edit: regenerate). See docs/fleet.md.

CREATE DATABASE IF NOT EXISTS rand_guard;

CREATE TABLE IF NOT EXISTS rand_guard.process_events
(
    host String,
    seq Int64,
    event_type String,
    ts_ns Int64,
    boot_ns Int64,
    proc_id Nullable(Int64),
    pid Int64,
    tid Int64,
    uid Int64,
    gid Int64,
    ppid Nullable(Int64),
    parent_proc_id Nullable(Int64),
    comm Nullable(String),
    exe Nullable(String),
    cmdline Nullable(String),
    argv Nullable(String),
    argc Nullable(Int64),
    cwd Nullable(String),
    euid Nullable(Int64),
    egid Nullable(Int64),
    auid Nullable(Int64),
    sessionid Nullable(Int64),
    syscall Nullable(String),
    exe_truncated Nullable(Int64),
    argv_truncated Nullable(Int64),
    cwd_truncated Nullable(Int64),
    child_proc_id Nullable(Int64),
    child_pid Nullable(Int64),
    exit_code Nullable(Int64),
    signal Nullable(Int64),
    core_dumped Nullable(Int64),
    exe_memfd Nullable(Int64),
    exe_deleted Nullable(Int64),
    script Nullable(String),
    env Nullable(String),
    script_truncated Nullable(Int64),
    env_truncated Nullable(Int64),
    path Nullable(String),
    result Nullable(Int64),
    path_truncated Nullable(Int64),
    exe_dev Nullable(Int64),
    exe_ino Nullable(Int64),
    exe_size Nullable(Int64),
    exe_ctime_ns Nullable(Int64),
    exe_sha256 Nullable(String),
    hash_status Nullable(String),
    user Nullable(String),
    euser Nullable(String),
    group_name Nullable(String),
    login_user Nullable(String),
    sudo_user Nullable(String),
    ssh_client Nullable(String),
    ssh_client_port Nullable(Int64),
    cgroup_id Nullable(Int64),
    cgroup_path Nullable(String),
    container_id Nullable(String),
    container_runtime Nullable(String),
    pidns Nullable(Int64),
    mntns Nullable(Int64),
    netns Nullable(Int64),
    userns Nullable(Int64),
    utsns Nullable(Int64),
    cgroupns Nullable(Int64),
    script_dev Nullable(Int64),
    script_ino Nullable(Int64),
    script_size Nullable(Int64),
    script_ctime_ns Nullable(Int64),
    script_sha256 Nullable(String),
    script_hash_status Nullable(String),
    run_id Int64,
    boot_id String,
    time DateTime MATERIALIZED toDateTime(intDiv(ts_ns, 1000000000))
)
ENGINE = ReplacingMergeTree()
PARTITION BY toDate(toDateTime(intDiv(ts_ns, 1000000000)))
ORDER BY (host, event_type, ts_ns, seq);

CREATE TABLE IF NOT EXISTS rand_guard.file_events
(
    host String,
    seq Int64,
    event_type String,
    ts_ns Int64,
    boot_ns Int64,
    proc_id Nullable(Int64),
    pid Int64,
    tid Int64,
    uid Int64,
    gid Int64,
    ppid Nullable(Int64),
    parent_proc_id Nullable(Int64),
    comm Nullable(String),
    exe Nullable(String),
    syscall Nullable(String),
    path String,
    new_path Nullable(String),
    flags Int64,
    mode Nullable(Int64),
    result Int64,
    path_truncated Int64,
    new_path_truncated Nullable(Int64),
    owner_uid Nullable(Int64),
    owner_gid Nullable(Int64),
    mtime_ns Nullable(Int64),
    xattr_name Nullable(String),
    host_path Nullable(String),
    run_id Int64,
    boot_id String,
    time DateTime MATERIALIZED toDateTime(intDiv(ts_ns, 1000000000))
)
ENGINE = ReplacingMergeTree()
PARTITION BY toDate(toDateTime(intDiv(ts_ns, 1000000000)))
ORDER BY (host, event_type, ts_ns, seq);

CREATE TABLE IF NOT EXISTS rand_guard.network_events
(
    host String,
    seq Int64,
    event_type String,
    ts_ns Int64,
    boot_ns Int64,
    proc_id Nullable(Int64),
    pid Int64,
    tid Int64,
    uid Int64,
    gid Int64,
    ppid Nullable(Int64),
    parent_proc_id Nullable(Int64),
    comm Nullable(String),
    exe Nullable(String),
    syscall Nullable(String),
    result Int64,
    family String,
    protocol Nullable(String),
    local_addr Nullable(String),
    local_port Nullable(Int64),
    remote_addr Nullable(String),
    remote_port Nullable(Int64),
    socket_id Nullable(Int64),
    new_socket_id Nullable(Int64),
    dns_query Nullable(String),
    dns_type Nullable(String),
    dns_rcode Nullable(Int64),
    dns_answers Nullable(String),
    remote_hostname Nullable(String),
    run_id Int64,
    boot_id String,
    time DateTime MATERIALIZED toDateTime(intDiv(ts_ns, 1000000000))
)
ENGINE = ReplacingMergeTree()
PARTITION BY toDate(toDateTime(intDiv(ts_ns, 1000000000)))
ORDER BY (host, event_type, ts_ns, seq);

CREATE TABLE IF NOT EXISTS rand_guard.system_events
(
    host String,
    seq Int64,
    event_type String,
    ts_ns Int64,
    boot_ns Int64,
    proc_id Nullable(Int64),
    pid Int64,
    tid Int64,
    uid Int64,
    gid Int64,
    ppid Nullable(Int64),
    parent_proc_id Nullable(Int64),
    comm Nullable(String),
    exe Nullable(String),
    euid Nullable(Int64),
    egid Nullable(Int64),
    syscall Nullable(String),
    path Nullable(String),
    flags Nullable(Int64),
    result Int64,
    path_truncated Int64,
    target_pid Nullable(Int64),
    target_proc_id Nullable(Int64),
    ptrace_request Nullable(Int64),
    bpf_prog_type Nullable(Int64),
    name Nullable(String),
    source Nullable(String),
    source_truncated Nullable(Int64),
    fstype Nullable(String),
    fsuid Nullable(Int64),
    fsgid Nullable(Int64),
    old_uid Nullable(Int64),
    old_euid Nullable(Int64),
    old_fsuid Nullable(Int64),
    old_gid Nullable(Int64),
    old_egid Nullable(Int64),
    old_fsgid Nullable(Int64),
    cap_effective Nullable(Int64),
    old_cap_effective Nullable(Int64),
    run_id Int64,
    boot_id String,
    time DateTime MATERIALIZED toDateTime(intDiv(ts_ns, 1000000000))
)
ENGINE = ReplacingMergeTree()
PARTITION BY toDate(toDateTime(intDiv(ts_ns, 1000000000)))
ORDER BY (host, event_type, ts_ns, seq);

CREATE TABLE IF NOT EXISTS rand_guard.alerts
(
    host String,
    seq Int64,
    ts_ns Int64,
    rule_id String,
    rule_name String,
    severity String,
    tags String,
    event_seq Int64,
    event_type String,
    proc_id Nullable(Int64),
    pid Int64,
    exe Nullable(String),
    summary String,
    rules_digest String,
    steps Nullable(String),
    rule_source Nullable(String),
    rule_file Nullable(String),
    run_id Int64,
    boot_id String,
    time DateTime MATERIALIZED toDateTime(intDiv(ts_ns, 1000000000))
)
ENGINE = ReplacingMergeTree()
PARTITION BY toDate(toDateTime(intDiv(ts_ns, 1000000000)))
ORDER BY (host, ts_ns, seq);

CREATE TABLE IF NOT EXISTS rand_guard.health
(
    host String,
    seq Int64,
    ts_ns Int64,
    run_id Int64,
    events_read Int64,
    events_invalid Int64,
    events_unsupported Int64,
    kernel_drops Int64,
    user_drops Int64,
    filtered Int64,
    ndjson_written Int64,
    ndjson_failures Int64,
    rows_processes Int64,
    rows_process_events Int64,
    rows_gaps Int64,
    store_failures Int64,
    batches Int64,
    batch_commit_us_max Int64,
    queue_depth Int64,
    proctab_size Int64,
    proctab_evictions Int64,
    uptime_s Int64,
    rss_kb Int64,
    rows_file_events Int64,
    rows_network_events Int64,
    rows_alerts Int64,
    alerts Int64,
    rules_enabled Int64,
    rule_reloads Int64,
    rule_reload_failures Int64,
    queue_reserve_used Int64,
    lineage_evictions Int64,
    kernel_drops_process Int64,
    kernel_drops_file Int64,
    kernel_drops_network Int64,
    user_drops_process Int64,
    user_drops_file Int64,
    user_drops_network Int64,
    rows_pruned Int64,
    sequence_partials Int64,
    sequence_evictions Int64,
    wal_bytes Int64,
    checkpoints Int64,
    checkpoints_blocked Int64,
    checkpoint_us_max Int64,
    wal_pinned Int64,
    kernel_drops_system Int64,
    user_drops_system Int64,
    rows_system_events Int64,
    hash_cache_hits Int64,
    hashes_computed Int64,
    hash_over_budget Int64,
    name_loads Int64,
    cgroups_unknown Int64,
    ship_rows Int64,
    ship_failures Int64,
    ship_lag_rows Int64,
    ship_lag_s Int64,
    kernel_skipped Int64,
    boot_id String,
    time DateTime MATERIALIZED toDateTime(intDiv(ts_ns, 1000000000))
)
ENGINE = ReplacingMergeTree()
PARTITION BY toDate(toDateTime(intDiv(ts_ns, 1000000000)))
ORDER BY (host, ts_ns, seq);

CREATE TABLE IF NOT EXISTS rand_guard.processes
(
    host String,
    proc_id Int64,
    boot_id String,
    pid Int64,
    start_boot_ns Int64,
    start_ns Nullable(Int64),
    ppid Nullable(Int64),
    parent_proc_id Nullable(Int64),
    uid Nullable(Int64),
    gid Nullable(Int64),
    euid Nullable(Int64),
    auid Nullable(Int64),
    sessionid Nullable(Int64),
    comm Nullable(String),
    exe Nullable(String),
    cmdline Nullable(String),
    argv Nullable(String),
    cwd Nullable(String),
    exe_truncated Int64,
    argv_truncated Int64,
    cwd_truncated Int64,
    source String,
    exit_ns Nullable(Int64),
    exit_code Nullable(Int64),
    signal Nullable(Int64),
    exe_memfd Int64,
    exe_deleted Int64,
    script Nullable(String),
    env Nullable(String),
    script_truncated Int64,
    env_truncated Int64,
    user Nullable(String),
    euser Nullable(String),
    group_name Nullable(String),
    login_user Nullable(String),
    sudo_user Nullable(String),
    ssh_client Nullable(String),
    ssh_client_port Nullable(Int64),
    cgroup_id Nullable(Int64),
    cgroup_path Nullable(String),
    container_id Nullable(String),
    container_runtime Nullable(String),
    pidns Nullable(Int64),
    mntns Nullable(Int64),
    netns Nullable(Int64),
    userns Nullable(Int64),
    utsns Nullable(Int64),
    cgroupns Nullable(Int64),
    ship_rev Int64
)
ENGINE = ReplacingMergeTree(ship_rev)
ORDER BY (host, boot_id, proc_id);

CREATE TABLE IF NOT EXISTS rand_guard.runs
(
    run_id Int64,
    host String,
    boot_id String,
    version String,
    started_ns Int64,
    stopped_ns Nullable(Int64),
    first_seq Int64,
    last_seq Nullable(Int64),
    lineage_max Nullable(Int64),
    sequence_max Nullable(Int64),
    ship_rev Int64
)
ENGINE = ReplacingMergeTree(ship_rev)
ORDER BY (host, run_id);

CREATE TABLE IF NOT EXISTS rand_guard.gaps
(
    host String,
    gap_id Int64,
    run_id Int64,
    start_ns Int64,
    end_ns Int64,
    count Int64,
    reason String,
    rule_id Nullable(String),
    ship_rev Int64,
    destination Nullable(String),
    boot_id String
)
ENGINE = ReplacingMergeTree(ship_rev)
ORDER BY (host, gap_id);

CREATE TABLE IF NOT EXISTS rand_guard.checkpoints
(
    link Int64,
    run_id Int64,
    ts_ns Int64,
    host String,
    head String,
    pubkey String,
    sig String,
    boot_id String
)
ENGINE = ReplacingMergeTree()
ORDER BY (host, link);

