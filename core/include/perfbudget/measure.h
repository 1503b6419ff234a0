/* SPDX-License-Identifier: MIT */
/* Measurement: the headers of each object that measures or is measured, in one include. */
#ifndef PERFBUDGET_MEASURE_H
#define PERFBUDGET_MEASURE_H

#include "perfbudget/command.h"
#include "perfbudget/resources.h"
#include "perfbudget/result.h"
#include "perfbudget/result_files.h"
#include "perfbudget/sampler.h"
#include "perfbudget/suite.h"

#endif
