-- 012_sigma.sql: where an alert's rule came from (user_version 12).

-- rule_source is 'rules' (an INI rule) or 'sigma' (a Sigma rule: rule_id
-- is its id, rule_name its title, severity from its level, tags its tags);
-- rule_file is the file that defined it. NULL on alerts from before.
ALTER TABLE alerts ADD COLUMN rule_source TEXT;
ALTER TABLE alerts ADD COLUMN rule_file TEXT;
