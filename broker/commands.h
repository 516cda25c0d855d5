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
/* stop and kill, as argv[0] says. */
int cmd_stop(int argc, char **argv);
int cmd_console(int argc, char **argv);

/*
 * This process's audit log: the one the default policy names, or syslog
 * alone when there is no policy to read. 0, or -1 after a line.
 */
int commands__audit_open(void);

/*
 * The running VM name of h's registry, for command cmd (the prefix of its
 * messages). 0, or the exit status after a line (2: name is not a name).
 */
struct host;
struct registry_vm;
int commands__running_vm(const struct host *h, const char *cmd, const char *name, struct registry_vm *vm);
/*
 * NULL when the subject may do deed ("stop it") to vm: its owner, root or
 * an admin; otherwise the refusal, one line in buf.
 */
const char *commands__not_owner(const struct registry_vm *vm, const char *cmd, const char *deed, char *buf, size_t len);

/*
 * The options of a listing command (list, ps): --json, --root DIR (into
 * h, root's alone), --help. -1 to go on; otherwise the exit status,
 * after the usage or a line saying what is wrong.
 */
int commands__listing_args(int argc, char **argv, const char *usage, struct host *h, bool *as_json);

#endif
