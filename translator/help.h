/* The CLI's help texts (help.c), kept beside the CLI and in step with doc/wasmaot.1. */
#ifndef WASMAOT_HELP_H
#define WASMAOT_HELP_H

/* The overview for NULL, a command's full description for "build" or "run"; NULL for any
 * other command. */
const char *help_text(const char *command);

/* 1 for --help and -h. */
int help_is_request(const char *arg);

#endif
