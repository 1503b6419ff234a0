/* SPDX-License-Identifier: MIT */
/* perfbudget: performance regression testing. The umbrella header. */
#ifndef PERFBUDGET_H
#define PERFBUDGET_H

#include "perfbudget/version.h"
#include "perfbudget/error.h"
#include "perfbudget/context.h"
#include "perfbudget/resources.h"
#include "perfbudget/result.h"
#include "perfbudget/suite.h"
#include "perfbudget/sampler.h"
#include "perfbudget/command.h"
#include "perfbudget/result_files.h"
#include "perfbudget/measure.h"
#include "perfbudget/stats.h"
#include "perfbudget/compare.h"
#include "perfbudget/report.h"
#include "perfbudget/budget.h"
#include "perfbudget/history.h"
#include "perfbudget/verdict.h"
#include "perfbudget/interleave.h"
#include "perfbudget/output.h"
#include "perfbudget/complexity.h"
#include "perfbudget/process.h"
#include "perfbudget/text.h"
#include "perfbudget/alerts.h"
#include "perfbudget/threads.h"

#endif
