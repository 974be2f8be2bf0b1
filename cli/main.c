#include <stdio.h>

#include <cpod/cpod.h>

#include "common/banned.h"

int main(int argc, char **argv)
{
	printf("cpod version %s\n", cpod_version());
	return 0;
}
