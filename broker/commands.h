/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_COMMANDS_H
#define AIRLOCK_COMMANDS_H

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

#endif
