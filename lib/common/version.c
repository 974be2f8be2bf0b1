#include <cpod/version.h>

#include "cpod-build.h"
#include "common/banned.h"

const char *cpod_version(void)
{
	return CPOD_VERSION_STRING;
}

const char *cpod_api_version(void)
{
	return CPOD_API_VERSION_STRING;
}
