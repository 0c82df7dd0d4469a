-- 015_dns.sql: DNS queries and answers, and the host name a connect's
-- address was resolved from (user_version 15).

-- dns_query and dns_answer events are network events: they carry the
-- socket's fields (family, protocol, addresses, ports, socket_id) too.
ALTER TABLE network_events ADD COLUMN dns_query TEXT;
ALTER TABLE network_events ADD COLUMN dns_type TEXT;
ALTER TABLE network_events ADD COLUMN dns_rcode INTEGER;
ALTER TABLE network_events ADD COLUMN dns_answers TEXT;
-- network_connect: the name of the latest DNS answer that gave remote_addr.
ALTER TABLE network_events ADD COLUMN remote_hostname TEXT;
