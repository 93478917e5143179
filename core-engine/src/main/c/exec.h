/* `podlab-shim exec DIR PLAN [WINSZ]`: one more process in a running container. WINSZ, with a
   terminal, names a FIFO the caller writes size records to (rows, columns: big-endian u16 each). */
#ifndef SHIM_EXEC_H
#define SHIM_EXEC_H

int exec_main (const char *dir, const char *plan_path, const char *winsz_path);

#endif
