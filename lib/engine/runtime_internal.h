/* The insides of cpod_runtime, shared by the engine's files. */
#ifndef CPOD_ENGINE_RUNTIME_INTERNAL_H
#define CPOD_ENGINE_RUNTIME_INTERNAL_H

#include <cpod/runtime.h>

#include "common/strv.h"
#include "config/containers_conf.h"
#include "config/storage_conf.h"
#include "oci/select.h"
#include "storage/store.h"

struct cpod_runtime {
	containers_conf *cc;
	storage_conf *sc;
	int rootless;

	/* The caller's choices (cpod_runtime_opts), copied; NULL when not given. */
	char *want_runtime;
	strv runtime_flags;
	char *want_conmon;
	char *cgroup_manager; /* resolved: option, else containers.conf */
	char *events_backend; /* resolved: option, else containers.conf */
	strv hooks_dirs;      /* resolved: option, else containers.conf */
	char *network_config_dir;
	char *tmpdir;
	char *volumepath;
	char *self_path;
	strv self_global_args;

	/* Opened on first use. */
	store *store;
	int engine_db_ready; /* the engine schema is current and reboots were handled */

	/* Chosen on first use (oci_select_runtime probes, so not at creation). */
	int oci_chosen;
	oci_runtime_choice oci;
};

/* Creates the runroot if needed (0700) and returns it; borrowed from rt. */
const char *engine_runroot(cpod_runtime *rt, cpod_error **err);
/* The image and layer store, opened on first call; borrowed from rt. */
store *engine_store(cpod_runtime *rt, cpod_error **err);
/* The OCI runtime to use, chosen (and probed) on first call; borrowed from rt. */
const oci_runtime_choice *engine_oci_runtime(cpod_runtime *rt, cpod_error **err);

#endif
