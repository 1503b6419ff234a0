/* SPDX-License-Identifier: MIT */
/* Whole-process measurement: spawn, wait with a timeout, wall/CPU/RSS from wait4(). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

int perfbudget__command_options_read(perfbudget_context *ctx,
                                     const perfbudget_command_options *in,
                                     perfbudget_command_options *out) {
    perfbudget_command_options_init(out);
    if (in == NULL) return PERFBUDGET_OK;
    return perfbudget__sized_read(ctx, "perfbudget_command_options", in,
                                  PERFBUDGET__COMMAND_OPTIONS_SIZE_1, sizeof *out, out);
}

void perfbudget_command_options_init(perfbudget_command_options *opts) {
    if (opts == NULL) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->warmup_runs = 1;
    opts->runs = 10;
    opts->timeout_ns = UINT64_C(60000000000);
    opts->output_limit = 64 * 1024;
    opts->cancel_fd = -1;
}

typedef struct one_run {
    double wall_ns, cpu_ns, peak_rss_bytes;
    double involuntary_switches, voluntary_switches; /* the child's, from wait4() */
    double runqueue_wait_ns;                         /* the child's, read before reaping it */
    double io_read_bytes, io_write_bytes;            /* the child's, read before reaping it */
    double minor_faults, major_faults;               /* the child's, from wait4() */
    char reason[256]; /* empty when the run succeeded */
} one_run;

static int open_output_file(void) {
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/perfbudget-output-XXXXXX", dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0) unlink(path); /* anonymous: gone when closed */
    return fd;
}

typedef enum wait_outcome { WAIT_TIMED_OUT, WAIT_EXITED, WAIT_CANCELLED } wait_outcome;

/* Wait for pid up to deadline_ns (0: forever), or until cancel_fd (-1: none) is readable: the
 * caller's signal arrived. A pidfd wakes us the moment the child exits; without one (old
 * kernels, valgrind), poll the child with short sleeps, which watch cancel_fd meanwhile. */
static wait_outcome wait_until(pid_t pid, uint64_t deadline_ns, int cancel_fd) {
#ifdef SYS_pidfd_open
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0) {
        wait_outcome outcome = WAIT_TIMED_OUT;
        for (;;) {
            int timeout_ms = -1;
            if (deadline_ns) {
                uint64_t now = perfbudget__monotonic_ns();
                if (now >= deadline_ns) break;
                timeout_ms = (int)((deadline_ns - now + 999999) / 1000000);
            }
            /* poll() skips a negative descriptor: no cancel_fd, no second entry. */
            struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                                  {.fd = cancel_fd, .events = POLLIN}};
            int ready = poll(p, 2, timeout_ms);
            if (ready > 0) {
                outcome = p[1].revents ? WAIT_CANCELLED : WAIT_EXITED;
                break;
            }
            if (ready < 0 && errno != EINTR) break;
        }
        close(pidfd);
        return outcome;
    }
#endif
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
            return WAIT_EXITED;
        if (deadline_ns && perfbudget__monotonic_ns() >= deadline_ns) return WAIT_TIMED_OUT;
        struct pollfd cancel = {.fd = cancel_fd, .events = POLLIN};
        struct timespec pause = {0, 200000};
        if (ppoll(&cancel, 1, &pause, NULL) > 0) return WAIT_CANCELLED;
    }
}

/* Kill what is left of a process group and give the kernel a moment to finish it: SIGKILL is
 * delivered asynchronously, and a caller checking right after must find nothing running. The
 * wait is bounded (200 ms), since an orphan's zombie lasts until init reaps it. */
static void kill_group(pid_t group) {
    if (kill(-group, SIGKILL) != 0) return;
    for (int i = 0; i < 200 && kill(-group, 0) == 0; i++) {
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
}

const char *perfbudget__signal_name(int signal) {
    /* The names people search for; strsignal()'s texts vary between C libraries. */
    static const struct {
        int number;
        const char *name;
    } names[] = {{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
                 {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
                 {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
                 {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
                 {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
                 {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].number == signal) return names[i].name;
    return "an unnamed signal";
}

static void describe_status(int status, char *reason, size_t size) {
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        snprintf(reason, size, "exited with code %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(reason, size, "killed by signal %d (%s: %s)%s", WTERMSIG(status),
                 perfbudget__signal_name(WTERMSIG(status)), strsignal(WTERMSIG(status)),
                 WCOREDUMP(status) ? ", core dumped" : "");
}

#ifdef __linux__
/* A growing list of process ids, for the walk of this process's descendants below. */
typedef struct pid_list {
    long *pids;
    size_t count, capacity;
} pid_list;

static int pid_list_add(pid_list *list, long pid) {
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 16;
        long *grown = realloc(list->pids, capacity * sizeof *grown);
        if (grown == NULL) return -1;
        list->pids = grown;
        list->capacity = capacity;
    }
    list->pids[list->count++] = pid;
    return 0;
}

/* Adds the ids in one /proc/PID/task/TID/children file ("12 34 ") to list. Returns -1 when
 * the file cannot be opened (the kernel lacks CONFIG_PROC_CHILDREN, or the task is gone). */
static int add_children_file(pid_list *list, const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[4096];
    long pid = 0;
    ssize_t got;
    /* A number may straddle two reads: the digits are accumulated across them. */
    while ((got = read(fd, text, sizeof text)) > 0) {
        for (ssize_t i = 0; i < got; i++) {
            if (text[i] >= '0' && text[i] <= '9') {
                pid = pid * 10 + (text[i] - '0');
            } else if (pid > 0) {
                if (pid_list_add(list, pid) != 0) break;
                pid = 0;
            }
        }
    }
    if (pid > 0) pid_list_add(list, pid);
    close(fd);
    return 0;
}

/* Adds the children of every thread of pid (0: this process) to list: a child belongs to the
 * thread that forked it. Returns -1 when this process's children cannot be read this way. */
static int add_children(pid_list *list, long pid) {
    char tasks_path[64];
    if (pid == 0)
        snprintf(tasks_path, sizeof tasks_path, "/proc/self/task");
    else
        snprintf(tasks_path, sizeof tasks_path, "/proc/%ld/task", pid);
    DIR *tasks = opendir(tasks_path);
    if (tasks == NULL) return pid == 0 ? -1 : 0; /* a descendant that is gone has no children */
    int readable = 0, any = 0;
    struct dirent *e;
    while ((e = readdir(tasks)) != NULL) {
        if (e->d_name[0] == '.') continue;
        any = 1;
        char path[sizeof tasks_path + sizeof e->d_name + 16];
        snprintf(path, sizeof path, "%s/%s/children", tasks_path, e->d_name);
        if (add_children_file(list, path) == 0) readable = 1;
    }
    closedir(tasks);
    return pid == 0 && any && !readable ? -1 : 0;
}

/* Every descendant of this process, breadth first, into list. Returns -1 when the kernel does
 * not say who a process's children are (then the caller scans /proc instead). */
static int list_descendants(pid_list *list) {
    if (add_children(list, 0) != 0) return -1;
    for (size_t next = 0; next < list->count; next++) add_children(list, list->pids[next]);
    return 0;
}

/* Is this process a subreaper (perfbudget__adopt_orphans())? Then everything a command
 * started stays among its descendants, whatever becomes of its parents. */
static int is_subreaper(void) {
#ifdef PR_GET_CHILD_SUBREAPER
    int flag = 0;
    return prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0) == 0 && flag != 0;
#else
    return 0;
#endif
}

/* Reads /proc/PID/FILE into buffer (size bytes, NUL-terminated); the bytes read, or -1 when the
 * file cannot be opened or read (the process is gone, or another user's). */
static ssize_t read_proc_file(long pid, const char *file, char *buffer, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/%s", pid, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t got = read(fd, buffer, size - 1);
    close(fd);
    buffer[got > 0 ? got : 0] = '\0';
    return got;
}

/* The state, parent and flags of pid, from /proc/PID/stat; 0 on success, -1 when it is gone. */
static int read_process_stat(long pid, char *state, long *parent, unsigned long *flags) {
    char text[512];
    if (read_proc_file(pid, "stat", text, sizeof text) <= 0) return -1;
    /* "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": comm may hold anything, so
     * read from the last ')'. */
    const char *after = strrchr(text, ')');
    if (after == NULL ||
        sscanf(after + 1, " %c %ld %*d %*d %*d %*d %lu", state, parent, flags) != 3)
        return -1;
    return 0;
}

/* Does pid have marker (with its NUL: a whole entry, marker_size bytes) in its environment?
 * 1 if it does, 0 if not, -1 if it cannot tell yet. environment is a scratch buffer of 65536
 * bytes.
 * An environment that reads empty is no answer by itself. The file reads empty while the
 * process is inside execve(), after its new memory is in place and before the kernel has
 * written the arguments and environment into it (milliseconds when the machine is busy or the
 * binary must be read from disk): then its command line reads empty too, and it cannot tell
 * yet. The file also reads empty when it was opened on the image an execve() then replaced:
 * then it is read again. Only a zombie, a kernel thread, or a process whose command line is
 * there but whose environment stays empty is not ours. */
static int carries_marker(long pid, const char *marker, size_t marker_size, char *environment) {
    enum { KERNEL_THREAD = 0x00200000 /* PF_KTHREAD */, READS = 3 };
    for (int attempt = 0; attempt < READS; attempt++) {
        ssize_t got = read_proc_file(pid, "environ", environment, 65536);
        if (got < 0) return 0; /* gone, or another user's: not ours */
        for (ssize_t at = 0; at + (ssize_t)marker_size <= got + 1;
             at += (ssize_t)strlen(environment + at) + 1)
            if (memcmp(environment + at, marker, marker_size) == 0) return 1;
        if (got > 0) return 0;
        char state, command_line[2];
        long parent;
        unsigned long flags;
        if (read_process_stat(pid, &state, &parent, &flags) != 0 || state == 'Z' ||
            state == 'X' || (flags & KERNEL_THREAD) != 0)
            return 0;
        if (read_proc_file(pid, "cmdline", command_line, sizeof command_line) == 0) return -1;
    }
    return 0;
}

/* SIGKILLs pid, keeping a pidfd of it in dying (when the kernel has them) to wait for its end;
 * 1 if it was signalled. */
static int kill_process(long pid, pid_list *dying) {
    int fd = -1;
#ifdef SYS_pidfd_open
    fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
#endif
    if (kill((pid_t)pid, SIGKILL) != 0) {
        if (fd >= 0) close(fd);
        return 0;
    }
    if (fd >= 0 && pid_list_add(dying, fd) != 0) close(fd);
    return 1;
}

/* A SIGKILL lands when its process next runs, which on a busy machine can take a while, and a
 * caller checking right after must find nothing running: wait for each process in dying to end
 * (200 ms at most in all, as for the process group), then close the pidfds. */
static void await_ends(pid_list *dying) {
    uint64_t deadline = perfbudget__monotonic_ns() + UINT64_C(200000000);
    for (size_t i = 0; i < dying->count; i++) {
        struct pollfd end = {.fd = (int)dying->pids[i], .events = POLLIN};
        uint64_t now = perfbudget__monotonic_ns();
        int wait_ms = now < deadline ? (int)((deadline - now + 999999) / 1000000) : 0;
        while (poll(&end, 1, wait_ms) < 0 && errno == EINTR) {}
        close(end.fd);
    }
    free(dying->pids);
}

/* The last process id the kernel handed out in our pid namespace; -1 when unknown. */
static long last_pid(void) {
    char text[32];
    int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got <= 0) return -1;
    text[got] = '\0';
    char *end;
    long pid = strtol(text, &end, 10);
    return end != text && pid > 0 ? pid : -1;
}

/* Kills pid if it carries marker; counts it in *killed or, when it cannot tell yet, *unsure. */
static void kill_if_marked(long pid, const char *marker, size_t marker_size, char *environment,
                           pid_list *dying, int *killed, int *unsure) {
    int marked = carries_marker(pid, marker, marker_size, environment);
    if (marked > 0) *killed += kill_process(pid, dying);
    else if (marked < 0) (*unsure)++;
}

/* One pass of perfbudget__kill_marked: kills the marked processes among candidates (NULL:
 * every process in /proc whose id was handed out since first, or every one for first 0) and
 * returns how many; *unsure counts those that could not be told yet. */
static int kill_marked_among(const pid_list *candidates, long first, const char *marker,
                             char *environment, pid_list *dying, int *unsure) {
    size_t marker_size = strlen(marker) + 1;
    long self = (long)getpid();
    int found = 0;
    *unsure = 0;
    if (candidates != NULL) {
        for (size_t i = 0; i < candidates->count; i++)
            kill_if_marked(candidates->pids[i], marker, marker_size, environment, dying, &found,
                           unsure);
        return found;
    }
    long last = first > 0 ? last_pid() : -1;
    DIR *proc = opendir("/proc");
    if (proc == NULL) return 0;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 1 || pid == self) continue;
        if (last > 0 && !perfbudget__pid_allocated_since(pid, first, last)) continue;
        kill_if_marked(pid, marker, marker_size, environment, dying, &found, unsure);
    }
    closedir(proc);
    return found;
}
#endif

int perfbudget__pid_allocated_since(long pid, long first, long last) {
    return first <= last ? pid >= first && pid <= last : pid >= first || pid <= last;
}

/* Descendants that left the process group (setsid(), a daemon's double fork) still carry the
 * marker variable in their environment: find them, kill them, and say how many there were.
 * Only a process that both leaves the group and drops the variable escapes; a cgroup would
 * catch that too, at the price of privileges a test runner seldom has. A subreaper (the CLI)
 * looks among its own descendants only, where all of them stay, so the cost of a run does not
 * grow with what else runs on the machine; any other caller reads the environment of every
 * process in /proc, or after a short run only of those started since the command
 * (perfbudget__kill_marked_since). Several passes, since one may fork while we look; zombies
 * have an empty environ and are not counted. */
int perfbudget__kill_marked(const char *marker) { return perfbudget__kill_marked_since(marker, 0); }

int perfbudget__kill_marked_since(const char *marker, long first) {
    int killed = 0;
    if (marker == NULL || marker[0] == '\0') return 0; /* "" would match every environment */
#ifdef __linux__
    char *environment = malloc(65536);
    if (environment == NULL) return 0;
    int subreaper = is_subreaper();
    pid_list dying = {NULL, 0, 0}; /* pidfds of the processes killed */
    /* Passes go on while they find marked processes or ones caught mid-execve, 1 s at most. */
    uint64_t give_up = perfbudget__monotonic_ns() + UINT64_C(1000000000);
    for (;;) {
        pid_list descendants = {NULL, 0, 0};
        int walked = subreaper && list_descendants(&descendants) == 0;
        int unsure = 0;
        int found = kill_marked_among(walked ? &descendants : NULL, first, marker, environment,
                                      &dying, &unsure);
        free(descendants.pids);
        killed += found;
        if ((found == 0 && unsure == 0) || perfbudget__monotonic_ns() > give_up) break;
        /* Let the kills land (and reap any that were re-parented to us) before looking again. */
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
    await_ends(&dying);
    free(environment);
#else
    (void)marker;
    (void)first;
#endif
    return killed;
}

void perfbudget__adopt_orphans(void) {
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
}

#ifdef __linux__
/* Kills pid, a child of ours, unless it is already a zombie, and reaps it; 1 if it was killed. */
static int kill_and_reap_child(long pid) {
    char state;
    long parent;
    unsigned long flags;
    if (read_process_stat(pid, &state, &parent, &flags) != 0 || parent != (long)getpid())
        return 0;
    int killed = state != 'Z' && kill((pid_t)pid, SIGKILL) == 0;
    waitpid((pid_t)pid, NULL, 0); /* SIGKILLed or already a zombie: returns at once */
    return killed;
}
#endif

int perfbudget__kill_adopted(void) {
    int killed = 0;
#ifdef __linux__
    /* Our children, from /proc/self/task/TID/children where the kernel has them; else every
     * process in /proc, of which kill_and_reap_child takes only ours. */
    pid_list children = {NULL, 0, 0};
    if (add_children(&children, 0) == 0) {
        for (size_t i = 0; i < children.count; i++) killed += kill_and_reap_child(children.pids[i]);
        free(children.pids);
        return killed;
    }
    free(children.pids);
    DIR *proc = opendir("/proc");
    if (proc == NULL) return 0;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end == '\0' && pid > 1) killed += kill_and_reap_child(pid);
    }
    closedir(proc);
#endif
    return killed;
}

int perfbudget__supervise(pid_t pid, uint64_t timeout_ns, int cancel_fd, const char *marker,
                          char *reason, size_t size) {
    reason[0] = '\0';
    uint64_t deadline = timeout_ns ? perfbudget__monotonic_ns() + timeout_ns : 0;
    wait_outcome outcome = wait_until(pid, deadline, cancel_fd);
    int exited = outcome == WAIT_EXITED;
    if (!exited) kill(pid, SIGKILL);
    int status = 0;
    pid_t waited;
    do
        waited = waitpid(pid, &status, 0);
    while (waited < 0 && errno == EINTR);
    int left = perfbudget__kill_marked(marker) + perfbudget__kill_adopted();
    if (outcome == WAIT_CANCELLED) {
        snprintf(reason, size, "interrupted (killed with what it started)");
        return -2;
    }
    if (!exited) {
        snprintf(reason, size, "timed out after %.3g s (killed with what it started)",
                 (double)timeout_ns / 1e9);
        return -1;
    }
    if (waited != pid) {
        snprintf(reason, size, "cannot wait for the measuring process: %s", strerror(errno));
        return -1;
    }
    if (WIFSIGNALED(status)) {
        describe_status(status, reason, size);
        return -1;
    }
    int code = WEXITSTATUS(status);
    if (code > 2) {
        describe_status(status, reason, size);
        return -1;
    }
    if (left > 0 && code == 0) {
        snprintf(reason, size, "left processes running after it finished (they were killed)");
        return -1;
    }
    return code;
}

/* environ plus the marker, for the spawned command. Returns NULL when out of memory. */
static char **marked_environment(const char *marker) {
    size_t n = 0;
    while (environ[n] != NULL) n++;
    char **env = malloc((n + 2) * sizeof *env);
    if (env == NULL) return NULL;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PERFBUDGET_RUN_MARKER=", 22) != 0) env[kept++] = environ[i];
    env[kept++] = (char *)marker;
    env[kept] = NULL;
    return env;
}

/* How every run of a command is spawned: made once for all its runs, since each file action
 * asks the kernel for the descriptor limit (5 system calls a run). */
typedef struct spawn_setup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int null_fd; /* /dev/null, opened once for every run's stdin; -1 when it cannot be */
} spawn_setup;

static void spawn_setup_init(spawn_setup *setup, const perfbudget_command_options *opts,
                             int output_fd) {
    posix_spawn_file_actions_t *actions = &setup->actions;
    posix_spawnattr_t *attributes = &setup->attributes;
    posix_spawn_file_actions_init(actions);
    posix_spawnattr_init(attributes);
    /* Opened here once rather than by each child: an open() a run inside the timed span. */
    setup->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (setup->null_fd >= 0)
        posix_spawn_file_actions_adddup2(actions, setup->null_fd, 0);
    else
        posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0);
    if (opts->stdout_path != NULL)
        posix_spawn_file_actions_addopen(actions, 1, opts->stdout_path,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0666);
    else
        posix_spawn_file_actions_adddup2(actions, output_fd, 1);
    posix_spawn_file_actions_adddup2(actions, output_fd, 2);
    if (opts->working_directory != NULL)
        posix_spawn_file_actions_addchdir_np(actions, opts->working_directory);
    /* Its own process group, so a timeout kills the command and everything it started; default
     * signal dispositions and an empty mask, whatever the caller (a test runner) had set. */
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setpgroup(attributes, 0);
    posix_spawnattr_setsigdefault(attributes, &all);
    posix_spawnattr_setsigmask(attributes, &none);
    posix_spawnattr_setflags(attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                             POSIX_SPAWN_SETSIGMASK);
}

static void spawn_setup_destroy(spawn_setup *setup) {
    if (setup->null_fd >= 0) close(setup->null_fd);
    posix_spawn_file_actions_destroy(&setup->actions);
    posix_spawnattr_destroy(&setup->attributes);
}

static int run_once(perfbudget_context *ctx, char *const argv[],
                    const perfbudget_command_options *opts, const spawn_setup *setup,
                    one_run *out) {
    memset(out, 0, sizeof *out);
    char *shell_argv[] = {"/bin/sh", "-c", argv[0], NULL};
    char *const *command = opts->use_shell ? shell_argv : argv;
    /* Unique per run: this process, the time, and the address of this frame's record. */
    char marker[96];
    snprintf(marker, sizeof marker, "PERFBUDGET_RUN_MARKER=%ld-%llu-%p", (long)getpid(),
             (unsigned long long)perfbudget__monotonic_ns(), (void *)out);
    char **env = marked_environment(marker);

    pid_t pid;
    uint64_t start = perfbudget__monotonic_ns();
    int error = env == NULL ? ENOMEM
                            : posix_spawnp(&pid, command[0], &setup->actions,
                                           &setup->attributes, command, env);
    free(env);
    if (error != 0) {
        snprintf(out->reason, sizeof out->reason, "cannot start '%s': %s", command[0],
                 strerror(error));
        return PERFBUDGET_OK;
    }
    uint64_t deadline = opts->timeout_ns ? start + opts->timeout_ns : 0;
    wait_outcome outcome = wait_until(pid, deadline, opts->cancel_fd);
    /* The run ends when the command has exited: what is read about it below is not its time. */
    uint64_t end = perfbudget__monotonic_ns();
    int exited = outcome == WAIT_EXITED;
    /* Not reaped yet: its schedstat still says how long it waited for a CPU. */
    out->runqueue_wait_ns = exited ? perfbudget__runqueue_wait_ns(pid) : NAN;
    out->io_read_bytes = out->io_write_bytes = NAN;
    if (exited) {
        char io_path[64];
        snprintf(io_path, sizeof io_path, "/proc/%ld/io", (long)pid);
        perfbudget__io_read(io_path, &out->io_read_bytes, &out->io_write_bytes);
    }
    if (!exited) kill(-pid, SIGKILL); /* the leader first, so wait4 below returns */
    int status = 0;
    struct rusage usage;
    pid_t waited;
    do
        waited = wait4(pid, &status, 0, &usage);
    while (waited < 0 && errno == EINTR);
    if (waited != pid)
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "waiting for '%s': %s", command[0],
                                strerror(errno));
    /* Whatever is left in the group outlived the command: a failure, and cleaned up. */
    int stragglers = exited && kill(-pid, 0) == 0;
    kill_group(pid);
    /* What escaped the group was started after the command, so its process id was handed out
     * after the command's: a caller that is no subreaper reads only those processes'
     * environments, not every process's. Ids are handed out in a cycle of pid_max (at least
     * 32,768, and 1,024 per CPU), which no machine goes round within 30 ms; after a longer
     * run every process is read. */
    enum { SHORT_RUN_MS = 30 };
    long first = perfbudget__monotonic_ns() - start < UINT64_C(1000000) * SHORT_RUN_MS ? pid : 0;
    int escaped = perfbudget__kill_marked_since(marker, first);
    if (outcome == WAIT_CANCELLED)
        return perfbudget__fail(ctx, PERFBUDGET_EINTERRUPTED,
                                "interrupted while '%s' ran (killed with what it started)",
                                command[0]);
    out->wall_ns = (double)(end - start);
    out->cpu_ns = (double)usage.ru_utime.tv_sec * 1e9 + (double)usage.ru_utime.tv_usec * 1e3 +
                  (double)usage.ru_stime.tv_sec * 1e9 + (double)usage.ru_stime.tv_usec * 1e3;
    out->peak_rss_bytes = (double)usage.ru_maxrss * 1024.0;
    out->involuntary_switches = (double)usage.ru_nivcsw;
    out->voluntary_switches = (double)usage.ru_nvcsw;
    out->minor_faults = (double)usage.ru_minflt;
    out->major_faults = (double)usage.ru_majflt;
    if (!exited)
        snprintf(out->reason, sizeof out->reason, "timed out after %.3g s (process group killed)",
                 (double)opts->timeout_ns / 1e9);
    else if ((stragglers || escaped) && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        snprintf(out->reason, sizeof out->reason,
                 "left processes running after it exited (they were killed%s)",
                 escaped ? "; some had left its process group" : "");
    else
        describe_status(status, out->reason, sizeof out->reason);
    return PERFBUDGET_OK;
}

/* The last `limit` bytes of what the command wrote. */
static char *output_tail(int fd, size_t limit) {
    struct stat info;
    if (fstat(fd, &info) != 0) return NULL;
    size_t size = (size_t)info.st_size, keep = size < limit ? size : limit;
    char *text = malloc(keep + 64);
    if (text == NULL) return NULL;
    size_t prefix = 0;
    if (keep < size) prefix = (size_t)sprintf(text, "[... %zu bytes not shown ...]\n", size - keep);
    ssize_t got = pread(fd, text + prefix, keep, (off_t)(size - keep));
    text[prefix + (got > 0 ? (size_t)got : 0)] = '\0';
    return text;
}

/* Said before the first run, by name: a failed chdir in posix_spawn reads as "cannot start
 * 'CMD'". */
static int check_working_directory(perfbudget_context *ctx, const char *directory) {
    struct stat directory_info;
    if (stat(directory, &directory_info) != 0)
        return errno == ENOENT
                   ? perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                      "working directory '%s' does not exist", directory)
                   : perfbudget__fail(ctx, PERFBUDGET_EINVAL, "working directory '%s': %s",
                                      directory, strerror(errno));
    if (!S_ISDIR(directory_info.st_mode))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "working directory '%s' is not a directory",
                                directory);
    if (access(directory, X_OK) != 0)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "cannot enter working directory '%s': %s",
                                directory, strerror(errno));
    return PERFBUDGET_OK;
}

/* Checks perfbudget_command_measure's arguments beyond what reading the options checked. */
static int check_arguments(perfbudget_context *ctx, const char *name, char *const argv[],
                           const perfbudget_command_options *opts, perfbudget_result **out) {
    if (name == NULL || argv == NULL || argv[0] == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "command_measure: no command");
    if (opts->runs == 0)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "command_measure: runs must be >= 1");
    if (opts->working_directory != NULL &&
        check_working_directory(ctx, opts->working_directory) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    return PERFBUDGET_OK;
}

static int empty_output_file(perfbudget_context *ctx, int fd) {
    /* The runs share the descriptor's offset, so it ends where the output ends: 0 when the
     * last run wrote nothing, and then there is nothing to empty (ftruncate costs ~15 us). */
    off_t end = lseek(fd, 0, SEEK_END);
    if (end == 0) return PERFBUDGET_OK;
    if (end < 0 || ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot empty the file for the output: %s",
                                strerror(errno));
    return PERFBUDGET_OK;
}

/* The result of the measured runs, failed when reason is not empty; it takes output (freed
 * when there is no result). */
static int command_result(perfbudget_context *ctx, const char *name, const double *samples,
                          const double *cpu_samples, uint32_t measured,
                          const perfbudget_metrics *metrics, const char *reason, char *output,
                          perfbudget_result **out) {
    int code = perfbudget_result_new(ctx, name, samples, measured, metrics,
                                     reason[0] ? PERFBUDGET_RUN_FAILED : PERFBUDGET_RUN_OK, reason,
                                     out);
    if (code == PERFBUDGET_OK &&
        (code = perfbudget_result_set_cpu_samples(ctx, *out, cpu_samples, measured)) !=
            PERFBUDGET_OK) {
        perfbudget_result_free(*out);
        *out = NULL;
    }
    if (code == PERFBUDGET_OK)
        perfbudget__result_take_output(*out, output);
    else
        free(output);
    return code;
}

/* The measured runs' figures, summed (the peak RSS is the largest). */
typedef struct run_totals {
    double cpu, wall, peak_rss, involuntary, voluntary, waited_for_cpu;
    double resources[4]; /* I/O read, written; minor, major faults */
} run_totals;

static void add_run(run_totals *t, const one_run *run) {
    t->involuntary += run->involuntary_switches;
    t->waited_for_cpu += run->runqueue_wait_ns;
    t->voluntary += run->voluntary_switches;
    for (int f = 0; f < 4; f++) /* NaN (unknown) in one run leaves the sum unknown */
        t->resources[f] += f == 0 ? run->io_read_bytes : f == 1 ? run->io_write_bytes
                         : f == 2 ? run->minor_faults : run->major_faults;
    t->cpu += run->cpu_ns;
    t->wall += run->wall_ns;
    if (run->peak_rss_bytes > t->peak_rss) t->peak_rss = run->peak_rss_bytes;
}

/* The metrics of measured runs (at least one), from their totals; energy since rapl_start. */
static void totals_to_metrics(perfbudget_context *ctx, const run_totals *t, uint32_t measured,
                              const perfbudget__rapl *rapl_start, const perfbudget__probe *probe,
                              perfbudget_metrics *metrics) {
    metrics->iterations_per_sample = 1;
    metrics->rounds = measured;
    metrics->total_iterations = measured;
    metrics->wall_ns = t->wall;
    metrics->cpu_ns_per_iteration = t->cpu / measured;
    metrics->cpu_utilization = t->wall > 0 ? t->cpu / t->wall : NAN;
    metrics->peak_rss_bytes = t->peak_rss;
    metrics->involuntary_switches = t->involuntary;
    metrics->runqueue_wait_ns = t->waited_for_cpu;
    metrics->voluntary_switches = t->voluntary;
    metrics->io_read_bytes = t->resources[0];
    metrics->io_write_bytes = t->resources[1];
    metrics->minor_faults = t->resources[2];
    metrics->major_faults = t->resources[3];
    perfbudget__rapl rapl_end;
    perfbudget__rapl_read("/sys/class/powercap", &rapl_end);
    metrics->energy_joules = perfbudget__rapl_joules(rapl_start, &rapl_end);
    perfbudget_clock_info clock = perfbudget_context_clock_info(ctx);
    metrics->clock_overhead_ns = clock.overhead_ns;
    metrics->clock_resolution_ns = clock.resolution_ns;
    perfbudget__probe_metrics(probe, metrics);
}

/* The machine probes before a measured run: three timings of each before the first (a median
 * needs them). Then the spawn probe before every run: the machine's speed at creating
 * processes flickers within a run of a short command, and only a probe beside each run follows
 * it (a fork costs about 0.2 ms from perfbudget here, a few ms over a command's runs). The code
 * probe, once 2 ms have passed since the last, as in-process measuring does. */
static void probe_before_run(perfbudget_context *ctx, perfbudget__probe *probe, int first,
                             uint64_t *probed_at) {
    for (int p = 0; p < (first ? 3 : 1); p++) perfbudget__probe_spawn(probe, ctx);
    if (!first && perfbudget_context_now_ns(ctx) - *probed_at < PERFBUDGET__PROBE_INTERVAL_NS)
        return;
    for (int p = 0; p < (first ? 3 : 1); p++) perfbudget__probe_run(probe, ctx);
    *probed_at = perfbudget_context_now_ns(ctx);
}

/* Why the run numbered i (warm-up runs first) failed, with which run it was. */
static void describe_failed_run(char *reason, size_t size, const perfbudget_command_options *opts,
                                uint32_t i, const char *run_reason) {
    int warmup = i < opts->warmup_runs;
    snprintf(reason, size, "%s run %u of %u %s", warmup ? "warm-up" : "measured",
             (warmup ? i : i - opts->warmup_runs) + 1, warmup ? opts->warmup_runs : opts->runs,
             run_reason);
}

int perfbudget_command_measure(perfbudget_context *ctx, const char *name, char *const argv[],
                               const perfbudget_command_options *opts, perfbudget_result **out) {
    return perfbudget__command_measure(ctx, name, argv, opts, 1, out);
}

int perfbudget__command_measure(perfbudget_context *ctx, const char *name, char *const argv[],
                                const perfbudget_command_options *opts, int probed,
                                perfbudget_result **out) {
    perfbudget_command_options known;
    if (perfbudget__command_options_read(ctx, opts, &known) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    opts = &known;
    if (check_arguments(ctx, name, argv, opts, out) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    double *samples = malloc(opts->runs * sizeof *samples);
    double *cpu_samples = malloc(opts->runs * sizeof *cpu_samples); /* the child's user + sys */
    if (samples == NULL || cpu_samples == NULL) {
        free(samples);
        free(cpu_samples);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    perfbudget_metrics metrics;
    perfbudget_metrics_init(&metrics);
    run_totals totals = {0};
    /* Energy from the first measured run's start to the last's end (the machine's, probes and
     * perfbudget's own work between runs included). */
    perfbudget__rapl rapl_start = {0};
    char reason[400] = "";
    char *output = NULL;
    uint32_t measured = 0;
    int code = PERFBUDGET_OK;
    /* The machine probes, timed here around the measured runs (judge.c): the speed the machine
     * gave code bound by caches and branches, and creating processes. Out of memory: none. */
    perfbudget__probe *probe = NULL;
    if (probed && !perfbudget_context_clock_info(ctx).is_fake) perfbudget__probe_new(&probe);
    uint64_t probed_at = 0;
    /* One file for every run's output, emptied before each: creating and unlinking a file a
     * run cost more than the rest of perfbudget's work around a short command. */
    int fd = open_output_file();
    if (fd < 0)
        code = perfbudget__fail(ctx, PERFBUDGET_EIO, "cannot create a file for the output: %s",
                                strerror(errno));
    spawn_setup setup;
    spawn_setup_init(&setup, opts, fd);
    for (uint32_t i = 0; i < opts->warmup_runs + opts->runs && code == PERFBUDGET_OK; i++) {
        if ((code = empty_output_file(ctx, fd)) != PERFBUDGET_OK) break;
        one_run run;
        if (i == opts->warmup_runs) perfbudget__rapl_read("/sys/class/powercap", &rapl_start);
        if (probe != NULL && i >= opts->warmup_runs)
            probe_before_run(ctx, probe, i == opts->warmup_runs, &probed_at);
        code = run_once(ctx, argv, opts, &setup, &run);
        if (code == PERFBUDGET_OK && run.reason[0] != '\0') {
            describe_failed_run(reason, sizeof reason, opts, i, run.reason);
            output = output_tail(fd, opts->output_limit);
            break;
        }
        if (code != PERFBUDGET_OK || i < opts->warmup_runs) continue;
        /* One iteration per run: the per-iteration figures are the run's own. */
        samples[measured] = run.wall_ns;
        cpu_samples[measured++] = run.cpu_ns;
        add_run(&totals, &run);
    }
    spawn_setup_destroy(&setup);
    if (fd >= 0) close(fd);
    if (code == PERFBUDGET_OK && measured > 0)
        totals_to_metrics(ctx, &totals, measured, &rapl_start, probe, &metrics);
    perfbudget__probe_free(probe);
    if (code == PERFBUDGET_OK)
        code = command_result(ctx, name, samples, cpu_samples, measured, &metrics, reason, output,
                              out);
    else
        free(output);
    free(samples);
    free(cpu_samples);
    return code;
}

/* ---- perfbudget/process.h: supervision for front ends ---- */

const char *perfbudget_signal_name(int signal) { return perfbudget__signal_name(signal); }

void perfbudget_process_adopt_orphans(void) { perfbudget__adopt_orphans(); }

int perfbudget_process_kill_adopted(void) { return perfbudget__kill_adopted(); }

int perfbudget_process_kill_marked(const char *marker) { return perfbudget__kill_marked(marker); }

int perfbudget_process_supervise(pid_t pid, uint64_t timeout_ns, int cancel_fd, const char *marker,
                                 char *reason, size_t size) {
    char unused[8];
    if (reason == NULL || size == 0) reason = unused, size = sizeof unused;
    return perfbudget__supervise(pid, timeout_ns, cancel_fd, marker, reason, size);
}
