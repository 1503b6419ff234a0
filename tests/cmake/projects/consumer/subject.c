/* SPDX-License-Identifier: MIT */
/* subject [ok|crash|hang|exit3]: the command under test, doing as told. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "ok";
    if (strcmp(mode, "crash") == 0) raise(SIGSEGV);
    if (strcmp(mode, "hang") == 0) sleep(30); /* far beyond its TIMEOUT of 0.5 s */
    if (strcmp(mode, "exit3") == 0) return 3;
    return 0;
}
