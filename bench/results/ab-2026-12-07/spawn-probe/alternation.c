#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
extern char **environ;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static double fork_once(void) { double s = now(); pid_t p = fork(); if (p == 0) _exit(0); int st; waitpid(p, &st, 0); return now() - s; }
static double spawn_once(char *const argv[]) { double s = now(); pid_t p; posix_spawn(&p, argv[0], NULL, NULL, argv, environ); int st; waitpid(p, &st, 0); return now() - s; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
static double med(double *v, int n) { qsort(v, n, sizeof *v, cmp); return v[n / 2]; }
int main(int argc, char **argv) {
    int windows = atoi(argv[1]), per = atoi(argv[2]);
    char *t[] = {"/bin/true", NULL};
    char *d[] = {argv[3], "4096", NULL};
    /* a parent the size of the CLI: touch some MiB */
    size_t mb = argc > 4 ? (size_t)atoi(argv[4]) : 0; char *ballast = malloc(mb << 20 | 1); for (size_t i = 0; i < (mb << 20); i += 4096) ballast[i] = 1;
    int devnull = open("/dev/null", 1); dup2(devnull, 1);
    for (int w = 0; w < windows; w++) {
        double f[64], s[64], c[64];
        for (int i = 0; i < per; i++) { f[i] = fork_once(); s[i] = spawn_once(t); c[i] = spawn_once(d); }
        fprintf(stderr, "%d %.0f %.0f %.0f %d\n", w, med(f, per), med(s, per), med(c, per), sched_getcpu());
    }
    return 0;
}
