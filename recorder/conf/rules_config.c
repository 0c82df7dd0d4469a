/* rules_config.c: the rule sources a configuration names (rules.h), one
 * resolution for the recorder and for `rgq replay -c`. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "rules.h"

#define DEFAULT_CONFIG_DIR "/etc/rand-guard"

/* A directory the config names, relative to the config file's own. */
static void config_relative(const char *config_path, const char *name, char *dir, size_t n)
{
	const char *base = DEFAULT_CONFIG_DIR;
	char cbuf[PATH_MAX];
	if (config_path) {
		snprintf(cbuf, sizeof(cbuf), "%s", config_path);
		char *slash = strrchr(cbuf, '/');
		if (slash)
			*(slash == cbuf ? slash + 1 : slash) = '\0';
		base = slash ? cbuf : ".";
	}
	if (name[0] == '/')
		snprintf(dir, n, "%s", name);
	else
		snprintf(dir, n, "%s/%s", base, name);
}

int rg_rules_load_config(const struct rg_config *cfg, const char *config_path,
			 struct rg_ruleset **out, char *err, size_t errlen, char *notice,
			 size_t noticelen)
{
	char dir[2 * PATH_MAX + 2], sigma[2 * PATH_MAX + 2];
	struct rg_rules_source src[3];
	unsigned n = 0;
	notice[0] = '\0';
	if (cfg->rules_dir[0]) {
		config_relative(config_path, cfg->rules_dir, dir, sizeof(dir));
		struct stat sb;
		bool missing = stat(dir, &sb) != 0 && errno == ENOENT;
		if (missing && !cfg->rules_dir_set)
			snprintf(notice, noticelen, "no rules directory %s: no rules from it", dir);
		else
			src[n++] = (struct rg_rules_source){dir, false, true};
	}
	if (config_path)
		src[n++] = (struct rg_rules_source){config_path, true, false};
	if (cfg->sigma_dir[0]) { /* Sigma rules after the INI ones: an id clash skips them */
		config_relative(config_path, cfg->sigma_dir, sigma, sizeof(sigma));
		src[n++] = (struct rg_rules_source){sigma, false, true, true};
	}
	return rg_rules_load(out, src, n, err, errlen);
}
