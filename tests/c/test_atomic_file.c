/* SPDX-License-Identifier: MIT */
/* The output rule (perfbudget_output_write): a writer killed with SIGKILL at any moment, or
 * several writing one file at once, leave the old file or a whole new one, never a mix; a failed
 * write leaves the old file and no temporary behind; a device node or a FIFO stays what it is,
 * written in place; a directory or a socket is refused. */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* mknod */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "test_helpers.h"

static char directory[] = "/tmp/perfbudget-atomic-XXXXXX";

static int make_directory(void **state) {
    (void)state;
    return mkdtemp(directory) == NULL ? -1 : 0;
}

static int remove_directory(void **state) {
    (void)state;
    char command[300];
    snprintf(command, sizeof command, "rm -rf %s", directory);
    return system(command);
}

static char *slurp(const char *file, size_t *size) {
    FILE *f = fopen(file, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long length = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)length + 1);
    *size = fread(data, 1, (size_t)length, f);
    fclose(f);
    return data;
}

/* Files in the test directory whose name contains ".tmp.": temporaries left behind. */
static int temporaries(const char *subdirectory) {
    char path[300];
    snprintf(path, sizeof path, "%s/%s", directory, subdirectory);
    DIR *d = opendir(path);
    if (d == NULL) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

/* Content number k: 1 MiB that says which it is in every byte, so a mix is visible. */
enum { CONTENT_SIZE = 1 << 20 };
static char *content(int k) {
    char *data = malloc(CONTENT_SIZE);
    memset(data, 'A' + k, CONTENT_SIZE);
    return data;
}

static int whole_content(const char *data, size_t size) {
    if (size != CONTENT_SIZE) return -1;
    for (size_t i = 1; i < size; i++)
        if (data[i] != data[0]) return -1;
    return data[0] - 'A';
}

static void test_replace_keeps_mode(void **state) {
    char dir[300], path[320];
    snprintf(dir, sizeof dir, "%s/mode", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/result.json", dir);
    assert_int_equal(perfbudget_output_write(*state, path, "one", 3), PERFBUDGET_OK);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(perfbudget_output_write(*state, path, "second", 6), PERFBUDGET_OK);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0640);
    size_t size = 0;
    char *data = slurp(path, &size);
    assert_int_equal(size, 6);
    assert_memory_equal(data, "second", 6);
    free(data);
    assert_int_equal(temporaries("mode"), 0);
    /* A directory that is not there: the error names the file. */
    snprintf(path, sizeof path, "%s/missing/result.json", dir);
    assert_int_equal(perfbudget_output_write(*state, path, "x", 1), PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), path));
    assert_non_null(strstr(perfbudget_errmsg(*state), "No such file or directory"));
}

/* A child rewrites one file over and over, alternating two contents; SIGKILL at 25 moments
 * spread over the write. Every time the file is one whole content. */
static void test_killed_mid_write(void **state) {
    (void)state;
    char dir[300], path[320];
    snprintf(dir, sizeof dir, "%s/killed", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/baseline.json", dir);
    char *contents[2] = {content(0), content(1)};
    assert_int_equal(perfbudget_output_write(NULL, path, contents[0], CONTENT_SIZE),
                     PERFBUDGET_OK);
    int seen[2] = {0, 0};
    for (int round = 0; round < 25; round++) {
        pid_t child = fork();
        if (child == 0) {
            for (int k = 1;; k ^= 1)
                perfbudget_output_write(NULL, path, contents[k], CONTENT_SIZE);
        }
        struct timespec pause = {0, 1000000L * (1 + round * 3)}; /* 1 to 73 ms */
        nanosleep(&pause, NULL);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        size_t size = 0;
        char *data = slurp(path, &size);
        assert_non_null(data);
        int which = whole_content(data, size);
        free(data);
        if (which < 0) fail_msg("round %d: the file is a mix (%zu bytes)", round, size);
        seen[which]++;
    }
    print_message("after 25 kills: old content %d times, new content %d times; %d temporaries "
                  "left by the killed writers\n",
                  seen[0], seen[1], temporaries("killed"));
    free(contents[0]);
    free(contents[1]);
}

/* The same through the public writer of result files: a killed writer leaves a result file
 * that loads, with every benchmark of one of the two runs. */
static void test_killed_result_writer(void **state) {
    /* In a folder of its own: the killed writers leave their temporaries there, and a later test
     * counts those of the top folder. */
    char dir[300], path[320];
    snprintf(dir, sizeof dir, "%s/killed-results", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/results.json", dir);
    perfbudget_result *runs[2][20];
    double *samples = malloc(5000 * sizeof *samples);
    for (int k = 0; k < 2; k++)
        for (int b = 0; b < 20; b++) {
            for (int i = 0; i < 5000; i++) samples[i] = 1000.0 * (k + 1) + i % 17;
            char name[32];
            snprintf(name, sizeof name, "bench_%d", b);
            assert_int_equal(perfbudget_result_new(*state, name, samples, 5000, NULL,
                                                   PERFBUDGET_RUN_OK, "", &runs[k][b]),
                             PERFBUDGET_OK);
        }
    free(samples);
    assert_int_equal(perfbudget_results_write_json(*state, path, "suite", runs[0], 20),
                     PERFBUDGET_OK);
    for (int round = 0; round < 10; round++) {
        pid_t child = fork();
        if (child == 0) {
            perfbudget_context *ctx;
            if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) _exit(1);
            for (int k = 1;; k ^= 1) perfbudget_results_write_json(ctx, path, "suite", runs[k], 20);
        }
        struct timespec pause = {0, 5000000L * (1 + round)};
        nanosleep(&pause, NULL);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        perfbudget_result **loaded;
        size_t count;
        if (perfbudget_results_new_from_file(*state, path, &loaded, &count) != PERFBUDGET_OK)
            fail_msg("round %d: %s", round, perfbudget_errmsg(*state));
        assert_int_equal(count, 20);
        double level = perfbudget_result_summary(loaded[0])->min;
        for (size_t b = 0; b < count; b++) {
            size_t n;
            perfbudget_result_samples(loaded[b], &n);
            assert_int_equal(n, 5000);
            assert_close(perfbudget_result_summary(loaded[b])->min, level, 0);
        }
        perfbudget_results_free(loaded, count);
    }
    for (int k = 0; k < 2; k++)
        for (int b = 0; b < 20; b++) perfbudget_result_free(runs[k][b]);
}

/* 8 processes write their own content to one file 20 times each: every write succeeds, the
 * file ends whole, and no temporary is left. */
static void test_concurrent_writers(void **state) {
    (void)state;
    char dir[300], path[320];
    snprintf(dir, sizeof dir, "%s/concurrent", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/report.md", dir);
    pid_t children[8];
    for (int c = 0; c < 8; c++) {
        if ((children[c] = fork()) == 0) {
            char *mine = content(c);
            for (int i = 0; i < 20; i++)
                if (perfbudget_output_write(NULL, path, mine, CONTENT_SIZE) != PERFBUDGET_OK)
                    _exit(1);
            _exit(0);
        }
    }
    for (int c = 0; c < 8; c++) {
        int status;
        waitpid(children[c], &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    size_t size = 0;
    char *data = slurp(path, &size);
    int which = whole_content(data, size);
    free(data);
    assert_true(which >= 0 && which < 8);
    assert_int_equal(temporaries("concurrent"), 0);
}

/* A character device node (the same device as /dev/null) made in the test directory: written
 * in place, it stays a device, with no temporary beside it. As root, the old writer renamed a
 * regular file over /dev/null itself. */
static void test_device_stays_device(void **state) {
    char dir[300], node[320];
    snprintf(dir, sizeof dir, "%s/device", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(node, sizeof node, "%s/null", dir);
    if (mknod(node, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        print_message("skipped: mknod is not permitted here (%s)\n", strerror(errno));
        skip();
    }
    assert_int_equal(perfbudget_output_write(*state, node, "report\n", 7), PERFBUDGET_OK);
    struct stat info;
    assert_int_equal(lstat(node, &info), 0);
    assert_true(S_ISCHR(info.st_mode));
    assert_int_equal(info.st_rdev, makedev(1, 3));
    assert_int_equal(temporaries("device"), 0);
}

/* A FIFO is written in place for the reader at its other end, and stays a FIFO. */
static void test_fifo_written_in_place(void **state) {
    (void)state;
    char dir[300], fifo[320];
    snprintf(dir, sizeof dir, "%s/fifo", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    assert_int_equal(mkfifo(fifo, 0666), 0);
    pid_t writer = fork();
    if (writer == 0) _exit(perfbudget_output_write(NULL, fifo, "through the fifo", 16));
    int fd = open(fifo, O_RDONLY);
    assert_true(fd >= 0);
    char buffer[64];
    size_t got = 0;
    for (ssize_t n; (n = read(fd, buffer + got, sizeof buffer - got)) > 0;) got += (size_t)n;
    close(fd);
    int status;
    waitpid(writer, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == PERFBUDGET_OK);
    assert_int_equal(got, 16);
    assert_memory_equal(buffer, "through the fifo", 16);
    struct stat info;
    assert_int_equal(lstat(fifo, &info), 0);
    assert_true(S_ISFIFO(info.st_mode));
    assert_int_equal(temporaries("fifo"), 0);
}

/* A directory or a socket is refused with a message naming it, and left as it was; so is an
 * empty path. */
static void test_refuses_directory_and_socket(void **state) {
    char dir[300], socket_path[320];
    snprintf(dir, sizeof dir, "%s/refused", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    assert_int_equal(perfbudget_output_write(*state, dir, "x", 1), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), dir));
    assert_non_null(strstr(perfbudget_errmsg(*state), "is a directory"));
    struct stat info;
    assert_int_equal(lstat(dir, &info), 0);
    assert_true(S_ISDIR(info.st_mode));
    assert_int_equal(temporaries("refused"), 0);
    assert_int_equal(temporaries(""), 0);

    snprintf(socket_path, sizeof socket_path, "%s/socket", dir);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    assert_true(strlen(socket_path) < sizeof address.sun_path);
    memcpy(address.sun_path, socket_path, strlen(socket_path) + 1);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(listener, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(perfbudget_output_write(*state, socket_path, "x", 1), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "is a socket"));
    assert_int_equal(lstat(socket_path, &info), 0);
    assert_true(S_ISSOCK(info.st_mode));
    close(listener);

    assert_int_equal(perfbudget_output_write(*state, "", "x", 1), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "empty path"));
}

/* A symbolic link is followed: its target is replaced atomically and the link stays a link; a
 * link to a file not there yet creates that file. */
static void test_symlink_target_replaced(void **state) {
    char dir[300], target[320], link_path[320], dangling[320], created[320];
    snprintf(dir, sizeof dir, "%s/links", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(target, sizeof target, "%s/real.md", dir);
    snprintf(link_path, sizeof link_path, "%s/link.md", dir);
    assert_int_equal(perfbudget_output_write(*state, target, "old", 3), PERFBUDGET_OK);
    assert_int_equal(symlink("real.md", link_path), 0);
    assert_int_equal(perfbudget_output_write(*state, link_path, "new!", 4), PERFBUDGET_OK);
    struct stat info;
    assert_int_equal(lstat(link_path, &info), 0);
    assert_true(S_ISLNK(info.st_mode));
    size_t size = 0;
    char *data = slurp(target, &size);
    assert_int_equal(size, 4);
    assert_memory_equal(data, "new!", 4);
    free(data);

    snprintf(dangling, sizeof dangling, "%s/dangling.md", dir);
    snprintf(created, sizeof created, "%s/made.md", dir);
    assert_int_equal(symlink("made.md", dangling), 0);
    assert_int_equal(perfbudget_output_write(*state, dangling, "made", 4), PERFBUDGET_OK);
    assert_int_equal(lstat(dangling, &info), 0);
    assert_true(S_ISLNK(info.st_mode));
    assert_int_equal(stat(created, &info), 0);
    assert_int_equal(info.st_size, 4);
    assert_int_equal(temporaries("links"), 0);
}

/* "-" is standard output; /dev/stdout redirected to a log appends to it, as the process's own
 * output would: the log keeps its inode and its old lines. */
static void test_standard_output(void **state) {
    (void)state;
    char log[320];
    snprintf(log, sizeof log, "%s/stdout.log", directory);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "old\n", 4), 4);
    close(fd);
    struct stat before;
    assert_int_equal(stat(log, &before), 0);
    const char *paths[] = {"-", "/dev/stdout"};
    fflush(stdout); /* or the child's "-" would write cmocka's pending output too */
    for (int k = 0; k < 2; k++) {
        pid_t child = fork();
        if (child == 0) {
            int out = open(log, O_WRONLY | O_APPEND);
            if (out < 0 || dup2(out, STDOUT_FILENO) < 0) _exit(100);
            _exit(perfbudget_output_write(NULL, paths[k], k == 0 ? "dash\n" : "link\n", 5));
        }
        int status;
        waitpid(child, &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), PERFBUDGET_OK);
    }
    size_t size = 0;
    char *data = slurp(log, &size);
    assert_int_equal(size, 14);
    assert_memory_equal(data, "old\ndash\nlink\n", 14);
    free(data);
    struct stat after;
    assert_int_equal(stat(log, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);
}

/* mkdir -p: nested folders are made, an existing one is fine, and a file in the way is an
 * error naming the path that could not be made. */
static void test_make_directory(void **state) {
    char nested[320], blocked[340], file[320];
    snprintf(nested, sizeof nested, "%s/made/a/b/", directory);
    assert_int_equal(perfbudget_output_make_directory(*state, nested), PERFBUDGET_OK);
    assert_int_equal(perfbudget_output_make_directory(*state, nested), PERFBUDGET_OK);
    struct stat info;
    assert_int_equal(stat(nested, &info), 0);
    assert_true(S_ISDIR(info.st_mode));
    snprintf(file, sizeof file, "%s/made/file", directory);
    assert_int_equal(perfbudget_output_write(*state, file, "x", 1), PERFBUDGET_OK);
    snprintf(blocked, sizeof blocked, "%s/below", file);
    assert_int_equal(perfbudget_output_make_directory(*state, blocked), PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), blocked));
    assert_int_equal(perfbudget_output_make_directory(*state, ""), PERFBUDGET_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replace_keeps_mode, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_killed_mid_write, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_killed_result_writer, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_device_stays_device, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_written_in_place, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_refuses_directory_and_socket, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_symlink_target_replaced, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_standard_output, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_make_directory, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
