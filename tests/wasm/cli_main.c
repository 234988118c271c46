/* A libc-builtin app for the CLI tests: prints its arguments; "exit N"
   calls exit(N); "trap" executes unreachable; returns argc. */
int printf(const char *fmt, ...);
int strcmp(const char *a, const char *b);
int atoi(const char *s);
void exit(int status);

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    if (argc > 2 && strcmp(argv[1], "exit") == 0)
        exit(atoi(argv[2]));
    if (argc > 1 && strcmp(argv[1], "trap") == 0)
        __builtin_trap();
    return argc;
}
