-- 014_identity.sql: who ran a process and where (user_version 14).

-- Names of the ids as the passwd and group files had them when the
-- recorder saw the process (they stay after an account is renamed or
-- deleted), the sudo or SSH origin its environment carried, its cgroup
-- (v2: the id is the cgroup directory's inode number, the path is below
-- the v2 mount), the container that path names, and its namespaces'
-- inode numbers (/proc/PID/ns/NAME). The same names on process_start
-- events, in NDJSON and in rules.
ALTER TABLE processes ADD COLUMN user TEXT;
ALTER TABLE processes ADD COLUMN euser TEXT;
ALTER TABLE processes ADD COLUMN group_name TEXT;
ALTER TABLE processes ADD COLUMN login_user TEXT;
ALTER TABLE processes ADD COLUMN sudo_user TEXT;
ALTER TABLE processes ADD COLUMN ssh_client TEXT;
ALTER TABLE processes ADD COLUMN ssh_client_port INTEGER;
ALTER TABLE processes ADD COLUMN cgroup_id INTEGER;
ALTER TABLE processes ADD COLUMN cgroup_path TEXT;
ALTER TABLE processes ADD COLUMN container_id TEXT;
ALTER TABLE processes ADD COLUMN container_runtime TEXT;
ALTER TABLE processes ADD COLUMN pidns INTEGER;
ALTER TABLE processes ADD COLUMN mntns INTEGER;
ALTER TABLE processes ADD COLUMN netns INTEGER;
ALTER TABLE processes ADD COLUMN userns INTEGER;
ALTER TABLE processes ADD COLUMN utsns INTEGER;
ALTER TABLE processes ADD COLUMN cgroupns INTEGER;
-- rgq events --container: the processes of one container.
CREATE INDEX processes_container ON processes (container_id) WHERE container_id IS NOT NULL;

ALTER TABLE process_events ADD COLUMN user TEXT;
ALTER TABLE process_events ADD COLUMN euser TEXT;
ALTER TABLE process_events ADD COLUMN group_name TEXT;
ALTER TABLE process_events ADD COLUMN login_user TEXT;
ALTER TABLE process_events ADD COLUMN sudo_user TEXT;
ALTER TABLE process_events ADD COLUMN ssh_client TEXT;
ALTER TABLE process_events ADD COLUMN ssh_client_port INTEGER;
ALTER TABLE process_events ADD COLUMN cgroup_id INTEGER;
ALTER TABLE process_events ADD COLUMN cgroup_path TEXT;
ALTER TABLE process_events ADD COLUMN container_id TEXT;
ALTER TABLE process_events ADD COLUMN container_runtime TEXT;
ALTER TABLE process_events ADD COLUMN pidns INTEGER;
ALTER TABLE process_events ADD COLUMN mntns INTEGER;
ALTER TABLE process_events ADD COLUMN netns INTEGER;
ALTER TABLE process_events ADD COLUMN userns INTEGER;
ALTER TABLE process_events ADD COLUMN utsns INTEGER;
ALTER TABLE process_events ADD COLUMN cgroupns INTEGER;

-- The rules' lineage seed (005) keeps what rules may ask of a process
-- found at start: its user and container, as on events.
ALTER TABLE run_processes ADD COLUMN user TEXT;
ALTER TABLE run_processes ADD COLUMN container_id TEXT;
ALTER TABLE run_processes ADD COLUMN container_runtime TEXT;

-- What naming cost and missed: parses of the passwd and group files, and
-- cgroup ids no path was found for (their processes' cgroup_path is null).
ALTER TABLE health ADD COLUMN name_loads INTEGER NOT NULL DEFAULT 0;
ALTER TABLE health ADD COLUMN cgroups_unknown INTEGER NOT NULL DEFAULT 0;
