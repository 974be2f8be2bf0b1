/* libcpod: the one header a program includes. */
#ifndef CPOD_CPOD_H
#define CPOD_CPOD_H

#include <cpod/export.h>
#include <cpod/container.h>
#include <cpod/error.h>
#include <cpod/image.h>
#include <cpod/log.h>
#include <cpod/registry.h>
#include <cpod/runtime.h>
#include <cpod/system.h>
#include <cpod/version.h>
#include <cpod/volume.h>

#endif
