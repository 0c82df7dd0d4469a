/* script.h: the script an interpreter was started with as its argument.
 *
 * A script run through its #! line is named by the kernel (the exec's
 * bprm->filename); one handed to an interpreter on its command line
 * (`sh x.sh`, `python3 ./x.py`) is only an argument, found here from the
 * new image's name and arguments. docs/rules.md ("Scripts") lists the
 * interpreters and how the argument is chosen; tests/unit/test_script.c
 * holds the cases.
 */
#ifndef RG_SCRIPT_H
#define RG_SCRIPT_H

#include "event.h"

/* The argument of argv (NUL-separated, as the kernel laid it out) that is
 * the script file run by the interpreter exe (an absolute path; its last
 * component, with a version suffix such as "3.11" left out, says which
 * interpreter it is), as given (maybe relative); {NULL, 0} when exe is no
 * interpreter known here, or it runs no file: a command given with -c or
 * -e, a module (-m), standard input. Points into argv. */
struct rg_str rg_script_arg(struct rg_str exe, struct rg_str argv);

#endif /* RG_SCRIPT_H */
