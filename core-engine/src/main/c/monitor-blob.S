/* The monitor binary (monitor.h), embedded read-only in podlab-shim.
 * MONITOR_BIN is its path, a string, from the Makefile. */
        .section .rodata.monitor_blob, "a", @progbits
        .balign 16
        .globl monitor_blob
        .globl monitor_blob_end
monitor_blob:
        .incbin MONITOR_BIN
monitor_blob_end:
        .section .note.GNU-stack, "", @progbits
