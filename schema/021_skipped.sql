-- 021_skipped.sql: runs of the BPF programs the kernel skipped (user_version 21).
-- The kernel does not run a tracepoint program on a CPU where another BPF
-- program or a bpf(2) map operation is in progress; Linux 6.7+ counts each
-- skip in the program's recursion_misses (recorder/daemon/bpf_loader.c).
-- Their sum over the programs that send records, an upper bound on the
-- records lost that way; a window where it grew is a `kernel_skipped` gap.
ALTER TABLE health ADD COLUMN kernel_skipped INTEGER NOT NULL DEFAULT 0;
