/* SPDX-License-Identifier: MIT */
/* What git says about the work tree: commit, branch, dirty, merge base. git runs directly
 * (posix_spawnp, argument vector), so no path or name ever reaches a shell. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

/* Run `git -C directory args...`; its first output line goes to out. 0 on exit status 0. */
static int git(const char *directory, const char *const *args, char *out, size_t size) {
    const char *argv[12] = {"git", "-C", directory};
    size_t argc = 3;
    for (size_t i = 0; args[i] != NULL && argc < 11; i++) argv[argc++] = args[i];
    argv[argc] = NULL;
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int error = posix_spawnp(&pid, "git", &actions, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (error != 0) {
        close(pipe_fds[0]);
        return -1;
    }
    size_t length = 0;
    ssize_t got;
    char buffer[512];
    while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0)
        for (ssize_t i = 0; i < got; i++)
            if (length + 1 < size) out[length++] = buffer[i];
    close(pipe_fds[0]);
    out[length] = '\0';
    out[strcspn(out, "\n")] = '\0';
    int status;
    while (waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int perfbudget_git_describe(perfbudget_context *ctx, const char *directory,
                            perfbudget_git_info *out) {
    memset(out, 0, sizeof *out);
    if (directory == NULL) directory = ".";
    static const char *const commit_args[] = {"rev-parse", "HEAD", NULL};
    if (git(directory, commit_args, out->commit, sizeof out->commit) != 0) {
        out->commit[0] = '\0';
        return perfbudget__fail(ctx, PERFBUDGET_ENOTFOUND, "%s is not in a git work tree",
                                directory);
    }
    static const char *const branch_args[] = {"rev-parse", "--abbrev-ref", "HEAD", NULL};
    if (git(directory, branch_args, out->branch, sizeof out->branch) != 0) out->branch[0] = '\0';
    char changes[8];
    static const char *const status_args[] = {"status", "--porcelain", "--untracked-files=no",
                                              NULL};
    if (git(directory, status_args, changes, sizeof changes) == 0) out->dirty = changes[0] != '\0';
    /* The main line this branch left: the first of these that exists. */
    static const char *const mains[] = {"origin/main", "origin/master", "main", "master"};
    for (size_t i = 0; i < sizeof mains / sizeof *mains; i++) {
        const char *args[] = {"merge-base", "HEAD", mains[i], NULL};
        if (git(directory, args, out->merge_base, sizeof out->merge_base) == 0) break;
        out->merge_base[0] = '\0';
    }
    return PERFBUDGET_OK;
}
