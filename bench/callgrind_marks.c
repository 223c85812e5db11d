/* Marks for bench/costs.py under `valgrind --tool=callgrind --instr-atstart=no`: count the
 * instructions of exactly the measured requests (start-up and warm-up are not instrumented).
 * Outside valgrind each call is a few no-op instructions. Built by bench/costs.py with cc. */
#include <valgrind/callgrind.h>

void mark_start(void) {
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_ZERO_STATS;
}

void mark_stop(const char *label) {
    CALLGRIND_DUMP_STATS_AT(label);
    CALLGRIND_STOP_INSTRUMENTATION;
}

int on_valgrind(void) {
    return RUNNING_ON_VALGRIND;
}
