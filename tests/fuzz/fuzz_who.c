/* fuzz_who.c: any bytes as a cgroup path and as an environment. What the
 * parsers return is a slice of their input, and a container always has a
 * runtime. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "who.h"

static void inside(struct rg_str part, const uint8_t *data, size_t size)
{
	if (part.p && (part.p < (const char *)data ||
		       part.p + part.len > (const char *)data + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rg_str in = {(const char *)data, (uint32_t)size};
	struct rg_str id = {0};
	const char *runtime = NULL;
	if (rg_container_parse(in, &id, &runtime) && (!runtime || !id.p || !id.len))
		abort();
	inside(id, data, size);

	struct rg_origin o;
	rg_origin_parse(in, &o);
	inside(o.sudo_user, data, size);
	inside(o.sudo_uid, data, size);
	inside(o.ssh_client, data, size);
	if (o.ssh_client.p ? o.ssh_client_port == 0 || o.ssh_client_port > 65535
			   : o.ssh_client_port != 0)
		abort();
	return 0;
}
