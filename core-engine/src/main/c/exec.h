/* `podlab-shim exec DIR PLAN`: one more process in a running container. */
#ifndef SHIM_EXEC_H
#define SHIM_EXEC_H

int exec_main (const char *dir, const char *plan_path);

#endif
