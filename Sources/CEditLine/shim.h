// libedit's readline-compatible interface: line editing, history, completion.
#include <stdio.h>
#include <editline/readline.h>

// Setting libedit's globals from C: Swift 6 refuses to touch C globals
// (shared mutable state); the shell sets them once, before any line is read.
static inline void strata_editline_setup(const char *name, rl_completion_func_t *completer) {
    rl_readline_name = name;
    rl_attempted_completion_function = completer;
}
