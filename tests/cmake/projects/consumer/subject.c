/* SPDX-License-Identifier: MIT */
/* subject MODE [PIDFILE]: the command under test, doing as told. ok, crash, abort, hang,
 * exit3; flood (8 MiB on stdout and stderr, then fails); daemon (a double-forked, setsid()
 * grandchild that writes its pid to PIDFILE and sleeps); closeout (closes stdout, then
 * succeeds). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void flood(FILE *stream, int c) {
    char block[4096];
    memset(block, c, sizeof block);
    for (int i = 0; i < 2048; i++) fwrite(block, 1, sizeof block, stream);
}

static int daemonise(const char *pidfile) {
    pid_t child = fork();
    if (child != 0) return child < 0; /* the command itself exits at once */
    setsid();
    if (fork() != 0) _exit(0);
    FILE *f = fopen(pidfile, "a");
    if (f != NULL) fprintf(f, "%ld\n", (long)getpid()), fclose(f);
    sleep(300);
    _exit(0);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "ok";
    if (strcmp(mode, "crash") == 0) raise(SIGSEGV);
    if (strcmp(mode, "abort") == 0) abort();
    if (strcmp(mode, "hang") == 0) sleep(30); /* far beyond its TIMEOUT of 0.5 s */
    if (strcmp(mode, "exit3") == 0) return 3;
    if (strcmp(mode, "flood") == 0) {
        flood(stdout, 'o');
        flood(stderr, 'e');
        fputs("\nlast words\n", stderr);
        return 1;
    }
    if (strcmp(mode, "daemon") == 0 && argc > 2) {
        if (daemonise(argv[2]) != 0) return 1;
        usleep(100000); /* long enough for the grandchild to leave the process group */
    }
    if (strcmp(mode, "closeout") == 0) close(STDOUT_FILENO);
    return 0;
}
