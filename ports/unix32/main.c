// unix32: entry point.  Command line compatible with the parts of the
// MicroPython unix port that our tests use:
//
//   micropython [-v]... [-X heapsize=N[w][K|M]] [-c CODE | -m MODULE | SCRIPT] [ARGS...]
//
// Exit status: 0, 1 after an uncaught exception (traceback on stderr), or the
// SystemExit code.  There is no REPL.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "py/builtin.h"
#include "py/compile.h"
#include "py/gc.h"
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/persistentcode.h"
#include "py/runtime.h"
#include "py/stackctrl.h"
#include "shared/runtime/gchelper.h"

// Printer for tracebacks and fatal messages: straight to fd 2.
static void stderr_strn(void *env, const char *str, size_t len) {
    (void)env;
    ssize_t r = write(STDERR_FILENO, str, len);
    (void)r;
}
const mp_print_t mp_stderr_print = {NULL, stderr_strn};

// Default heap: 8 MB (a board has far less; tests that care pass -X heapsize).
static size_t heap_size = 8 * 1024 * 1024;

// Returns the process exit status for an exception that reached the top.
static int handle_uncaught_exception(mp_obj_base_t *exc) {
    if (mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(exc->type), MP_OBJ_FROM_PTR(&mp_type_SystemExit))) {
        mp_obj_t val = mp_obj_exception_get_value(MP_OBJ_FROM_PTR(exc));
        if (val == mp_const_none) {
            return 0;
        }
        mp_int_t code;
        if (mp_obj_get_int_maybe(val, &code)) {
            return code & 0xff;
        }
        // sys.exit("message"): print it, status 1 (as CPython does)
        mp_obj_print_helper(&mp_stderr_print, val, PRINT_STR);
        mp_print_str(&mp_stderr_print, "\n");
        return 1;
    }
    mp_obj_print_exception(&mp_stderr_print, MP_OBJ_FROM_PTR(exc));
    return 1;
}

// Runs a parsed unit as __main__; returns the exit status.
static int execute_lexer(mp_lexer_t *lex) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        qstr source_name = lex->source_name;
        #if MICROPY_PY___FILE__
        if (source_name != MP_QSTR__lt_stdin_gt_) {
            mp_store_global(MP_QSTR___file__, MP_OBJ_NEW_QSTR(source_name));
        }
        #endif
        mp_parse_tree_t pt = mp_parse(lex, MP_PARSE_FILE_INPUT);
        mp_obj_t fun = mp_compile(&pt, source_name, false);
        mp_call_function_0(fun);
        nlr_pop();
        return 0;
    }
    return handle_uncaught_exception(nlr.ret_val);
}

static int run_string(const char *src) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_lexer_t *lex = mp_lexer_new_from_str_len(MP_QSTR__lt_stdin_gt_, src, strlen(src), 0);
        nlr_pop();
        return execute_lexer(lex);
    }
    return handle_uncaught_exception(nlr.ret_val);
}

static int run_file(const char *path) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_lexer_t *lex = mp_lexer_new_from_file(qstr_from_str(path));
        nlr_pop();
        return execute_lexer(lex);
    }
    return handle_uncaught_exception(nlr.ret_val);
}

// -m NAME: import NAME with __name__ == "__main__"; for a package, import
// NAME.__main__ instead (what the unix port does).
static int run_module(const char *name) {
    mp_obj_t args[4];
    args[1] = args[2] = mp_const_none;
    args[3] = mp_const_false;   // sentinel: builtinimport overrides __name__
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        args[0] = mp_obj_new_str(name, strlen(name));
        mp_obj_t mod = mp_builtin___import__(MP_ARRAY_SIZE(args), args);
        mp_obj_t dest[2];
        mp_load_method_maybe(mod, MP_QSTR___path__, dest);
        if (dest[0] != MP_OBJ_NULL) {
            vstr_t v;
            vstr_init(&v, strlen(name) + 10);
            vstr_add_str(&v, name);
            vstr_add_str(&v, ".__main__");
            args[0] = mp_obj_new_str_from_vstr(&v);
            mp_builtin___import__(MP_ARRAY_SIZE(args), args);
        }
        nlr_pop();
        return 0;
    }
    return handle_uncaught_exception(nlr.ret_val);
}

static void add_path(const char *p, size_t len) {
    // "~/..." is the user's home, as on the unix port
    if (len >= 1 && p[0] == '~' && (len == 1 || p[1] == '/')) {
        const char *home = getenv("HOME");
        if (home != NULL) {
            vstr_t v;
            vstr_init(&v, strlen(home) + len);
            vstr_add_str(&v, home);
            vstr_add_strn(&v, p + 1, len - 1);
            mp_obj_list_append(mp_sys_path, mp_obj_new_str_from_vstr(&v));
            return;
        }
    }
    mp_obj_list_append(mp_sys_path, mp_obj_new_str(p, len));
}

// sys.path = ["", *MICROPYPATH]; the first entry becomes the script's
// directory when running a script.
static void init_sys_path(void) {
    mp_sys_path = mp_obj_new_list(0, NULL);
    mp_obj_list_append(mp_sys_path, MP_OBJ_NEW_QSTR(MP_QSTR_));
    const char *env = getenv("MICROPYPATH");
    if (env == NULL) {
        env = ".frozen:~/.micropython/lib:/usr/lib/micropython";
    }
    while (*env) {
        const char *sep = strchr(env, ':');
        size_t len = sep ? (size_t)(sep - env) : strlen(env);
        if (len > 0) {
            add_path(env, len);
        }
        env += len + (sep ? 1 : 0);
    }
}

static void set_sys_argv(char **argv, int argc, int start) {
    for (int i = start; i < argc; i++) {
        mp_obj_list_append(mp_sys_argv, MP_OBJ_NEW_QSTR(qstr_from_str(argv[i])));
    }
}

static void usage(const char *prog) {
    fprintf(stderr,
        "usage: %s [-v] [-X heapsize=N[w][K|M]] [-c CODE | -m MODULE | SCRIPT] [ARGS...]\n", prog);
    exit(2);
}

// "-X heapsize=N[w][K|M]": "w" scales a size meant for a 32-bit board by
// the word size (here 1:1, since this is a 32-bit build).
static void parse_heapsize(const char *s, const char *prog) {
    char *end;
    long n = strtol(s, &end, 0);
    int words = 0;
    if (*end == 'w' || *end == 'W') {
        words = 1;
        end++;
    }
    if (*end == 'k' || *end == 'K') {
        n *= 1024;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        n *= 1024 * 1024;
        end++;
    }
    if (*end != '\0' || n <= 0) {
        usage(prog);
    }
    if (words) {
        n = n * (long)sizeof(mp_uint_t) / 4;
    }
    heap_size = n;
}

int main(int argc, char **argv) {
    mp_stack_ctrl_init();
    // Same margin as the unix port gives a 32-bit build: Python recursion
    // depth comparable with the 64-bit reference port.
    mp_stack_set_limit(40000);

    // Pre-scan options that must be known before the heap exists.
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (strcmp(argv[a], "-X") == 0 && a + 1 < argc) {
            a++;
            if (strncmp(argv[a], "heapsize=", 9) == 0) {
                parse_heapsize(argv[a] + 9, argv[0]);
            }
            // other -X options are accepted and ignored
        } else if (strcmp(argv[a], "-v") == 0) {
            #if MICROPY_DEBUG_PRINTERS
            mp_verbose_flag++;
            #endif
        } else if (strcmp(argv[a], "-c") == 0 || strcmp(argv[a], "-m") == 0) {
            break;
        } else if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
            usage(argv[0]);
        } else {
            break;
        }
    }

    // The GC heap is also where native code goes (emitted by @native/@viper
    // or loaded from .mpy files), so map it executable.
    //
    // Place it low, at 0x20000000 where Cortex-M SRAM lives (rp2, nRF,
    // stm32; esp32 RAM is at 0x3FFxxxxx), if that range is free.  Left to
    // itself Linux maps it near 0xF7000000, and then core code that checks
    // bounds with pointer arithmetic (py/modstruct.c: `p + offset > end`)
    // wraps around 4 GB for offsets near 2**31 and reads wild memory, which
    // a board never does.
    void *heap = mmap((void *)0x20000000, heap_size, PROT_READ | PROT_WRITE | PROT_EXEC,
        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (heap == MAP_FAILED) {
        fprintf(stderr, "%s: cannot map a %zu-byte heap: %s\n", argv[0], heap_size, strerror(errno));
        return 1;
    }
    gc_init(heap, (char *)heap + heap_size);
    mp_init();
    init_sys_path();
    mp_obj_list_init(MP_OBJ_TO_PTR(mp_sys_argv), 0);

    int ret = 0;
    if (a >= argc) {
        usage(argv[0]);
    } else if (strcmp(argv[a], "-c") == 0) {
        if (a + 1 >= argc) {
            usage(argv[0]);
        }
        // sys.argv = ["-c", ARGS...] like the unix port
        mp_obj_list_append(mp_sys_argv, MP_OBJ_NEW_QSTR(qstr_from_str("-c")));
        set_sys_argv(argv, argc, a + 2);
        ret = run_string(argv[a + 1]);
    } else if (strcmp(argv[a], "-m") == 0) {
        if (a + 1 >= argc) {
            usage(argv[0]);
        }
        set_sys_argv(argv, argc, a + 1);
        ret = run_module(argv[a + 1]);
    } else if (argv[a][0] == '-' && argv[a][1] != '\0') {
        usage(argv[0]);
    } else {
        const char *path = argv[a];
        struct stat st;
        if (stat(path, &st) != 0 || S_ISDIR(st.st_mode)) {
            fprintf(stderr, "%s: can't open file '%s': [Errno %d] %s\n", argv[0], path,
                errno ? errno : EISDIR, strerror(errno ? errno : EISDIR));
            return 2;
        }
        // sys.path[0] = the script's directory (resolved)
        char *real = realpath(path, NULL);
        char *slash = real ? strrchr(real, '/') : NULL;
        if (slash != NULL) {
            mp_obj_list_store(mp_sys_path, MP_OBJ_NEW_SMALL_INT(0),
                mp_obj_new_str(real, slash == real ? 1 : (size_t)(slash - real)));
        }
        free(real);
        set_sys_argv(argv, argc, a);
        ret = run_file(path);
    }

    #if MICROPY_PY_SYS_ATEXIT
    // sys.atexit(fn) callback, run before leaving
    if (mp_obj_is_callable(MP_STATE_VM(sys_exitfunc))) {
        nlr_buf_t nlr;
        if (nlr_push(&nlr) == 0) {
            mp_call_function_0(MP_STATE_VM(sys_exitfunc));
            nlr_pop();
        } else {
            ret = handle_uncaught_exception(nlr.ret_val);
        }
    }
    #endif

    mp_deinit();
    return ret;
}

// --- hooks the core needs from a port -----------------------------------------

void gc_collect(void) {
    gc_collect_start();
    gc_helper_collect_regs_and_stack();
    gc_collect_end();
}

mp_import_stat_t mp_import_stat(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            return MP_IMPORT_STAT_DIR;
        } else if (S_ISREG(st.st_mode)) {
            return MP_IMPORT_STAT_FILE;
        }
    }
    return MP_IMPORT_STAT_NO_EXIST;
}

void nlr_jump_fail(void *val) {
    fprintf(stderr, "FATAL: uncaught NLR %p\n", val);
    exit(1);
}
