/* SPDX-License-Identifier: MIT */
/* Whole-command measurement: exit codes, signals, timeouts and stray processes are failures
 * with a reason; nothing is left running. Timing is never asserted. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "test_helpers.h"

static perfbudget_result *measure(perfbudget_context *ctx, char *const argv[], int shell,
                                  uint64_t timeout_ns) {
    perfbudget_command_options opts;
    perfbudget_command_options_init(&opts);
    opts.runs = 3;
    opts.use_shell = shell;
    opts.timeout_ns = timeout_ns;
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_command_measure(ctx, "cmd", argv, &opts, &r), PERFBUDGET_OK);
    return r;
}

static void expect_failure(perfbudget_context *ctx, const char *script, uint64_t timeout_ns,
                           const char *reason, const char *output) {
    char *argv[] = {(char *)script, NULL};
    perfbudget_result *r = measure(ctx, argv, 1, timeout_ns);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    if (strstr(perfbudget_result_message(r), reason) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", script, perfbudget_result_message(r), reason);
    if (output != NULL && strstr(perfbudget_result_output(r), output) == NULL)
        fail_msg("'%s': output '%s' lacks '%s'", script, perfbudget_result_output(r), output);
    perfbudget_result_free(r);
}

static void test_success(void **state) {
    char *argv[] = {"true", NULL};
    perfbudget_result *r = measure(*state, argv, 0, 0);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    size_t n;
    const double *samples = perfbudget_result_samples(r, &n);
    assert_int_equal(n, 3);
    assert_true(samples[0] > 0);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_true(m->peak_rss_bytes > 0);
    assert_int_equal(m->rounds, 3);
    /* each run's user + system time, and the runs' context switches (values unasserted) */
    size_t cpu_n;
    const double *cpu = perfbudget_result_cpu_samples(r, &cpu_n);
    assert_non_null(cpu);
    assert_int_equal(cpu_n, 3);
    for (size_t i = 0; i < cpu_n; i++) assert_true(isfinite(cpu[i]) && cpu[i] >= 0.0);
    assert_true(isfinite(m->involuntary_switches) && m->involuntary_switches >= 0.0);
    assert_true(isfinite(m->voluntary_switches) && m->voluntary_switches >= 0.0);
    /* the machine's probes, three of each before the first measured run: the judge's view of
     * the machine's speed for code and for creating processes */
    assert_true(m->probe_ns > 0 && m->spawn_probe_ns > 0);
    assert_string_equal(perfbudget_result_output(r), "");
    perfbudget_result_free(r);
}

/* Running, not a zombie: an orphan's zombie lasts until whoever adopted it reaps it, and PID 1
 * in a container may never do so. */
static int running(long pid) {
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[got] = '\0';
    const char *after = strrchr(text, ')');
    return after != NULL && after[1] == ' ' && after[2] != 'Z' && after[2] != 'X';
}

/* Whether pid still runs after up to 5 s: perfbudget waits 200 ms at most for the processes it
 * killed to end, and on a loaded machine a killed process can take longer to be scheduled and
 * exit; a process that was not killed keeps running. */
static int still_running(long pid) {
    for (int waited_ms = 0; waited_ms < 5000 && running(pid); waited_ms += 10) {
        struct timespec pause = {0, 10000000L};
        nanosleep(&pause, NULL);
    }
    return running(pid);
}

static long read_pid(const char *path) {
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld", &pid) != 1) pid = 0;
        fclose(f);
    }
    remove(path);
    return pid;
}

static void test_failures(void **state) {
    expect_failure(*state, "echo broken; exit 3", 0, "exited with code 3", "broken");
    expect_failure(*state, "kill -SEGV $$", 0, "killed by signal 11 (SIGSEGV", NULL);
    expect_failure(*state, "kill -ABRT $$", 0, "killed by signal 6 (SIGABRT", NULL);
    /* Each writes its pid: the check afterwards is about these processes, not about any
     * "sleep" that tests running beside this one (or other worktrees') may have started. */
    char dir[] = "/tmp/perfbudget-test-failures-XXXXXX", script[256], pidfile[128];
    assert_non_null(mkdtemp(dir));
    snprintf(pidfile, sizeof pidfile, "%s/pid", dir);
    snprintf(script, sizeof script, "echo $$ > %s; exec sleep 30", pidfile);
    expect_failure(*state, script, 200000000, "timed out after 0.2 s", NULL);
    long timed_out = read_pid(pidfile);
    snprintf(script, sizeof script, "sleep 30 & echo $! > %s; echo child started", pidfile);
    expect_failure(*state, script, 0, "left processes running", "child started");
    long abandoned = read_pid(pidfile);
    rmdir(dir);
    expect_failure(*state, "echo bad >&2; exit 1", 0, "warm-up run 1 of 1", "bad");
    char *missing[] = {"/nonexistent/program", NULL};
    perfbudget_result *r = measure(*state, missing, 0, 0);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(r), "cannot start"));
    perfbudget_result_free(r);
    /* Nothing from the timed-out or abandoned commands survives. */
    assert_true(timed_out > 1 && abandoned > 1);
    assert_false(still_running(timed_out));
    assert_false(still_running(abandoned));
}

/* Children that outlive the command: in its process group, and daemons that setsid() away
 * from it, directly or after a double fork. Each writes its pid first; none runs afterwards. */
static void test_no_stray_processes(void **state) {
    char dir[] = "/tmp/perfbudget-test-strays-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char *const scripts[] = {
        /* a plain background child, still in the group */
        "sleep 300 & echo $! > %s/pid",
        /* a daemon: its own session, started by a subshell that exits (a double fork) */
        "(setsid sleep 300 & echo $! > %s/pid)",
        /* a daemon that also ignores SIGTERM and SIGHUP */
        ("setsid sh -c 'trap \"\" TERM HUP; echo $$ > %s/pid.tmp; mv %s/pid.tmp %s/pid; "
         "exec sleep 300' & while [ ! -s %s/pid ]; do sleep 0.01; done"),
    };
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
        char script[1024], pidfile[128];
        snprintf(script, sizeof script, scripts[i], dir, dir, dir, dir);
        snprintf(pidfile, sizeof pidfile, "%s/pid", dir);
        expect_failure(*state, script, 0, "left processes running after it exited", NULL);
        long pid = read_pid(pidfile);
        assert_true(pid > 1);
        if (still_running(pid)) {
            kill((pid_t)pid, SIGKILL);
            fail_msg("'%s': process %ld still runs", script, pid);
        }
    }
    /* A daemon left behind by a command that failed anyway: the failure is reported, the
     * daemon killed all the same. */
    char script[512], pidfile[128];
    snprintf(script, sizeof script, "(setsid sleep 300 & echo $! > %s/pid); exit 4", dir);
    snprintf(pidfile, sizeof pidfile, "%s/pid", dir);
    expect_failure(*state, script, 0, "exited with code 4", NULL);
    long pid = read_pid(pidfile);
    assert_true(pid > 1);
    assert_false(still_running(pid));
    /* Timed out with a daemon running: both go. */
    snprintf(script, sizeof script, "(setsid sleep 300 & echo $! > %s/pid); sleep 300", dir);
    expect_failure(*state, script, 300000000, "timed out after 0.3 s", NULL);
    pid = read_pid(pidfile);
    assert_true(pid > 1);
    assert_false(still_running(pid));
    rmdir(dir);
}

/* A cancel_fd that becomes readable (the CLI's signalfd when SIGINT arrives) mid-run stops
 * measuring: no result, PERFBUDGET_EINTERRUPTED, and the command, its group and its daemon all
 * killed. The command itself makes the descriptor readable once its daemon runs, through
 * /proc, so the cancel lands mid-run without a race. */
static void test_cancelled(void **state) {
    char dir[] = "/tmp/perfbudget-test-cancel-XXXXXX";
    assert_non_null(mkdtemp(dir));
    int cancel[2];
    assert_int_equal(pipe(cancel), 0);
    fcntl(cancel[0], F_SETFD, FD_CLOEXEC);
    fcntl(cancel[1], F_SETFD, FD_CLOEXEC);
    char script[1024], daemon_file[128], shell_file[128];
    snprintf(daemon_file, sizeof daemon_file, "%s/daemon", dir);
    snprintf(shell_file, sizeof shell_file, "%s/shell", dir);
    snprintf(script, sizeof script,
             "(setsid sleep 300 & echo $! > %s); echo $$ > %s; echo x > /proc/%ld/fd/%d; "
             "sleep 300",
             daemon_file, shell_file, (long)getpid(), cancel[1]);
    char *argv[] = {script, NULL};
    perfbudget_command_options opts;
    perfbudget_command_options_init(&opts);
    assert_int_equal(opts.cancel_fd, -1);
    opts.use_shell = 1;
    opts.cancel_fd = cancel[0];
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_command_measure(*state, "cmd", argv, &opts, &r),
                     PERFBUDGET_EINTERRUPTED);
    assert_null(r);
    assert_non_null(strstr(perfbudget_errmsg(*state), "interrupted"));
    long daemon = read_pid(daemon_file), shell = read_pid(shell_file);
    assert_true(daemon > 1 && shell > 1);
    assert_false(still_running(daemon));
    assert_false(still_running(shell));
    close(cancel[0]);
    close(cancel[1]);
    unlink(daemon_file);
    unlink(shell_file);
    rmdir(dir);
}

/* A working directory that cannot be one is said by name, not as "cannot start 'true'". */
static void test_working_directory(void **state) {
    char *argv[] = {"true", NULL};
    perfbudget_command_options opts;
    perfbudget_command_options_init(&opts);
    perfbudget_result *r = NULL;
    opts.working_directory = "/nonexistent/dir";
    assert_int_equal(perfbudget_command_measure(*state, "cmd", argv, &opts, &r), PERFBUDGET_EINVAL);
    assert_string_equal(perfbudget_errmsg(*state),
                        "working directory '/nonexistent/dir' does not exist");
    opts.working_directory = "/dev/null";
    assert_int_equal(perfbudget_command_measure(*state, "cmd", argv, &opts, &r), PERFBUDGET_EINVAL);
    assert_string_equal(perfbudget_errmsg(*state),
                        "working directory '/dev/null' is not a directory");
    assert_null(r);
    opts.working_directory = "/";
    assert_int_equal(perfbudget_command_measure(*state, "cmd", argv, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    perfbudget_result_free(r);
}

/* A command may close its standard output: that alone is no failure; writing to it afterwards
 * fails the command, and the failure is reported as the command's. */
static void test_closed_stdout(void **state) {
    char *argv[] = {"exec >&- 2>&-; exit 0", NULL};
    perfbudget_result *r = measure(*state, argv, 1, 0);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    perfbudget_result_free(r);
    expect_failure(*state, "exec >&-; echo lost; echo the shell says why >&2; exit 1", 0,
                   "exited with code 1", "the shell says why");
}

/* Process ids are handed out in a cycle: those since first run up to last, across the wrap. */
static void test_pid_allocated_since(void **state) {
    (void)state;
    assert_true(perfbudget__pid_allocated_since(100, 100, 200));
    assert_true(perfbudget__pid_allocated_since(150, 100, 200));
    assert_true(perfbudget__pid_allocated_since(200, 100, 200));
    assert_false(perfbudget__pid_allocated_since(99, 100, 200));
    assert_false(perfbudget__pid_allocated_since(201, 100, 200));
    /* wrapped: from 32000 up to pid_max, then from 300 up to 500 */
    assert_true(perfbudget__pid_allocated_since(32000, 32000, 500));
    assert_true(perfbudget__pid_allocated_since(32767, 32000, 500));
    assert_true(perfbudget__pid_allocated_since(300, 32000, 500));
    assert_true(perfbudget__pid_allocated_since(500, 32000, 500));
    assert_false(perfbudget__pid_allocated_since(501, 32000, 500));
    assert_false(perfbudget__pid_allocated_since(31999, 32000, 500));
}

/* A process carrying marker: /bin/sleep with marker as its whole environment. posix_spawn
 * returns once the exec has begun, before the kernel has set the new environment's place:
 * waited for (5 s at most), as a process a command started has long been running. */
static pid_t start_marked(const char *marker) {
    char *argv[] = {"sleep", "300", NULL}, *env[] = {(char *)marker, NULL};
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, "/bin/sleep", NULL, NULL, argv, env), 0);
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
    for (int i = 0; i < 5000; i++) {
        int fd = open(path, O_RDONLY);
        ssize_t got = fd >= 0 ? read(fd, text, sizeof text) : -1;
        if (fd >= 0) close(fd);
        if (got > 0) break;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    return pid;
}

/* A caller that is no subreaper and knows the first process a run started reads only what was
 * started since: a marked process from before is left alone, one from since is killed. */
static void test_kill_marked_since(void **state) {
    (void)state;
    char marker[64];
    snprintf(marker, sizeof marker, "PERFBUDGET_RUN_MARKER=since-%ld", (long)getpid());
    pid_t before = start_marked(marker);
    pid_t unmarked = start_marked("OTHER=1"); /* the run's first process */
    pid_t since = start_marked(marker);
    /* At least 1: a kill that has not landed by the next pass counts again. */
    int killed = perfbudget__kill_marked_since(marker, (long)unmarked);
    int since_status = 0;
    assert_int_equal(waitpid(since, &since_status, 0), since);
    assert_true(WIFSIGNALED(since_status) && WTERMSIG(since_status) == SIGKILL);
    int still_running = waitpid(before, NULL, WNOHANG) == 0; /* started before the run */
    /* Without a first process, every process is looked at. */
    int all = perfbudget__kill_marked(marker);
    assert_int_equal(waitpid(before, NULL, 0), before);
    kill(unmarked, SIGKILL);
    waitpid(unmarked, NULL, 0);
    assert_true(killed >= 1);
    assert_true(still_running);
    assert_true(all >= 1);
}

/* perfbudget/process.h for front ends: no marker kills nothing (an empty one would match every
 * process's environment), and a child is waited for and its exit code given back. */
static void test_supervise_without_marker(void **state) {
    (void)state;
    assert_int_equal(perfbudget_process_kill_marked(NULL), 0);
    assert_int_equal(perfbudget_process_kill_marked(""), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) _exit(1);
    char reason[256];
    assert_int_equal(perfbudget_process_supervise(child, 0, -1, NULL, reason, sizeof reason), 1);
    assert_string_equal(perfbudget_signal_name(9), "SIGKILL");
}

static void test_output_is_bounded(void **state) {
    perfbudget_command_options opts;
    perfbudget_command_options_init(&opts);
    opts.runs = 1;
    opts.use_shell = 1;
    opts.output_limit = 1000;
    char *argv[] = {"head -c 5000000 /dev/zero | tr '\\\\0' x; exit 1", NULL};
    perfbudget_result *r;
    assert_int_equal(perfbudget_command_measure(*state, "big", argv, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_true(strlen(perfbudget_result_output(r)) < 1100);
    assert_non_null(strstr(perfbudget_result_output(r), "bytes not shown"));
    perfbudget_result_free(r);
    /* Megabytes on both streams, the default limit: the tail of both, interleaved as written. */
    perfbudget_command_options_init(&opts);
    opts.runs = 1;
    opts.use_shell = 1;
    char *both[] = {"head -c 4000000 /dev/zero | tr '\\0' o; head -c 4000000 /dev/zero | "
                    "tr '\\0' e >&2; echo; echo last words >&2; exit 1",
                    NULL};
    assert_int_equal(perfbudget_command_measure(*state, "both", both, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    const char *output = perfbudget_result_output(r);
    assert_true(strlen(output) <= opts.output_limit + 64);
    assert_non_null(strstr(output, "[... 7934476 bytes not shown ...]"));
    assert_non_null(strstr(output, "last words"));
    perfbudget_result_free(r);
}

/* Each run's output is its own: a failing run shows what it wrote, not what earlier runs did
 * (the file that holds the output is emptied before each run). */
static void test_output_of_the_failing_run(void **state) {
    char dir[] = "/tmp/perfbudget-test-output-XXXXXX", script[512];
    assert_non_null(mkdtemp(dir));
    /* Runs 1 and 2 (a warm-up, a measured run) print a long line; run 3 a short one, and fails. */
    snprintf(script, sizeof script,
             "n=$(cat %s/n 2>/dev/null || echo 1); echo $((n + 1)) > %s/n; "
             "if [ $n -lt 3 ]; then echo earlier run $n wrote this long line; "
             "else echo run $n; exit 1; fi",
             dir, dir);
    expect_failure(*state, script, 0, "measured run 2 of 3 exited with code 1", NULL);
    char *argv[] = {script, NULL};
    char counter[128];
    snprintf(counter, sizeof counter, "%s/n", dir);
    remove(counter);
    perfbudget_result *r = measure(*state, argv, 1, 0);
    assert_string_equal(perfbudget_result_output(r), "run 3\n");
    perfbudget_result_free(r);
    remove(counter);
    rmdir(dir);
}

/* The subreaper's way (the CLI calls perfbudget__adopt_orphans): what a command leaves behind
 * is found among this process's descendants. Run in a child process, which becomes the
 * subreaper, so that the other tests keep the plain way (every process in /proc). The child
 * says what went wrong on stderr and exits non-zero. */
static int subreaper_case(perfbudget_context *ctx, const char *dir, const char *script,
                          const char *reason, int left_running, long *pids, int *count) {
    perfbudget_command_options opts;
    perfbudget_command_options_init(&opts);
    opts.runs = 2;
    opts.use_shell = 1;
    char *argv[] = {(char *)script, NULL};
    perfbudget_result *r = NULL;
    if (perfbudget_command_measure(ctx, "cmd", argv, &opts, &r) != PERFBUDGET_OK) {
        fprintf(stderr, "'%s': %s\n", script, perfbudget_errmsg(ctx));
        return 1;
    }
    int failed = 0;
    const char *message = perfbudget_result_message(r);
    if (reason != NULL ? strstr(message, reason) == NULL : message[0] != '\0') {
        fprintf(stderr, "'%s': message '%s', expected '%s'\n", script, message,
                reason ? reason : "");
        failed = 1;
    }
    perfbudget_result_free(r);
    /* Each pid the command wrote: gone now, or left running for perfbudget__kill_adopted. */
    char pidfile[128];
    snprintf(pidfile, sizeof pidfile, "%s/pid", dir);
    FILE *f = fopen(pidfile, "r");
    int before = *count;
    while (f != NULL && *count < 16 && fscanf(f, "%ld", &pids[*count]) == 1) (*count)++;
    if (f != NULL) fclose(f);
    remove(pidfile);
    if (*count == before) {
        fprintf(stderr, "'%s': wrote no pid\n", script);
        return 1;
    }
    for (int i = before; i < *count; i++) {
        if ((left_running ? running(pids[i]) : still_running(pids[i])) != left_running) {
            fprintf(stderr, "'%s': process %ld %s\n", script, pids[i],
                    left_running ? "was killed" : "still runs");
            failed = 1;
        }
    }
    return failed;
}

static int subreaper_cases(const char *dir) {
    perfbudget__adopt_orphans();
    perfbudget_context *ctx = NULL;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 1;
    /* A child of this process that no command started: never touched by a measurement. */
    pid_t own = fork();
    if (own == 0) {
        execlp("sleep", "sleep", "300", (char *)NULL);
        _exit(127);
    }
    char scripts[3][512];
    /* A daemon after a double fork, out of the group before the command exits: re-parented to
     * us, marked, killed during the run. */
    snprintf(scripts[0], sizeof scripts[0],
             "(setsid sh -c 'echo $$ >> %s/pid; exec sleep 300' &); "
             "while [ ! -s %s/pid ]; do sleep 0.01; done",
             dir, dir);
    /* A daemon that waits for a child of its own: a grandchild of ours, killed too. */
    snprintf(scripts[1], sizeof scripts[1],
             "(setsid sh -c 'sleep 300 & echo $! >> %s/pid; echo $$ >> %s/pid; wait' &); "
             "while [ $(cat %s/pid 2>/dev/null | wc -l) -lt 2 ]; do sleep 0.01; done",
             dir, dir, dir);
    /* One that drops the marker: not seen during the run (the run passes, one left by each of
     * its 3 runs), killed afterwards with every other child, as the CLI does before it exits. */
    snprintf(scripts[2], sizeof scripts[2],
             "n=$(cat %s/pid 2>/dev/null | wc -l); "
             "(setsid env -i sh -c 'echo $$ >> %s/pid; exec sleep 300' &); "
             "while [ $(cat %s/pid 2>/dev/null | wc -l) -le $n ]; do sleep 0.01; done",
             dir, dir, dir);
    const char *left = "left processes running after it exited (they were killed; some had "
                       "left its process group)";
    long pids[16];
    int count = 0, failed = subreaper_case(ctx, dir, scripts[0], left, 0, pids, &count);
    failed |= subreaper_case(ctx, dir, scripts[1], left, 0, pids, &count);
    int scrubbed_from = count;
    failed |= subreaper_case(ctx, dir, scripts[2], NULL, 1, pids, &count);
    if (count - scrubbed_from != 3) {
        fprintf(stderr, "the unmarked daemons: %d pids written, expected 3\n",
                count - scrubbed_from);
        failed = 1;
    }
    if (!running(own)) {
        fprintf(stderr, "this process's own child was killed\n");
        failed = 1;
    }
    /* The 3 unmarked daemons and our own child; the killed daemons' zombies are reaped. */
    int killed = perfbudget__kill_adopted();
    if (killed != 4) {
        fprintf(stderr, "perfbudget__kill_adopted killed %d, expected 4\n", killed);
        failed = 1;
    }
    for (int i = 0; i < count; i++) {
        if (still_running(pids[i])) {
            kill((pid_t)pids[i], SIGKILL);
            fprintf(stderr, "process %ld still runs after perfbudget__kill_adopted\n", pids[i]);
            failed = 1;
        }
    }
    if (waitpid(-1, NULL, WNOHANG) != -1) {
        fprintf(stderr, "a child is left unreaped\n");
        failed = 1;
    }
    perfbudget_context_free(ctx);
    return failed;
}

static void test_subreaper(void **state) {
    (void)state;
    char dir[] = "/tmp/perfbudget-test-subreaper-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) _exit(subreaper_cases(dir));
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    rmdir(dir);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_success, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_failures, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_output_is_bounded, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_no_stray_processes, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_closed_stdout, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_cancelled, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_working_directory, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_output_of_the_failing_run, context_setup,
                                        context_teardown),
        cmocka_unit_test(test_pid_allocated_since),
        cmocka_unit_test(test_kill_marked_since),
        cmocka_unit_test(test_subreaper),
        cmocka_unit_test_setup_teardown(test_supervise_without_marker, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
