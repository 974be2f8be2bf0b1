/* /etc/hosts, /etc/hostname, /etc/resolv.conf and /run/.containerenv for a container, written
 * into its bundle directory before the spec is generated (the spec bind-mounts them). */
#ifndef CPOD_ENGINE_CTR_FILES_H
#define CPOD_ENGINE_CTR_FILES_H

#include <stdbool.h>

#include <json-c/json.h>

#include <cpod/error.h>

typedef struct {
	const char *id, *name, *image_name, *image_id;
	const char *hostname;	 /* NULL: none (uts host) */
	json_object *sg;	 /* hostadd, dns_server, dns_search, dns_option */
	const char *host_resolv; /* NULL: /etc/resolv.conf (tests point elsewhere) */
	bool host_network;	 /* keep loopback name servers */
	bool privileged;
	bool rootless;
} ctr_files_opts;

int ctr_files_write(const char *bundle, const ctr_files_opts *o, cpod_error **err);

#endif
