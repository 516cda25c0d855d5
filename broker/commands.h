/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_COMMANDS_H
#define AIRLOCK_COMMANDS_H
#include <stdbool.h>

/*
 * The commands of airlock(8). Each gets its own argv (argv[0] is the
 * command's name) and returns the process's exit status.
 */
int cmd_run(int argc, char **argv);
int cmd_check_policy(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_bind(int argc, char **argv);
int cmd_unbind(int argc, char **argv);
int cmd_ps(int argc, char **argv);

/*
 * The options of a listing command (list, ps): --json, --root DIR (into
 * h, root's alone), --help. -1 to go on; otherwise the exit status,
 * after the usage or a line saying what is wrong.
 */
struct host;
int commands__listing_args(int argc, char **argv, const char *usage, struct host *h, bool *as_json);

#endif
