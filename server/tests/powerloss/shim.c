/* A power loss, simulated for Coffer's durability test (server/tests/process.rs). Preloaded into
 * the server (LD_PRELOAD), it copies a file's whole content to `<file>.durable` whenever the
 * process fsyncs it: at that moment exactly that content is what the disk is guaranteed to
 * hold. Replacing each file under POWERLOSS_DIR by its `.durable` copy (and deleting files never
 * synced) after killing the process gives the state a power cut would have left, including the
 * loss of writes the page cache held but no fsync covered — which a plain SIGKILL never shows. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void keep(int fd) {
    const char *dir = getenv("POWERLOSS_DIR");
    if (dir == NULL || *dir == '\0') return;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return;
    path[n] = '\0';
    if (strncmp(path, dir, strlen(dir)) != 0 || strstr(path, ".durable") != NULL) return;
    char tmp[PATH_MAX + 16], out[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.durable.tmp", path);
    snprintf(out, sizeof out, "%s.durable", path);
    int o = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o < 0) return;
    char buf[1 << 16];
    off_t off = 0;
    ssize_t r;
    while ((r = pread(fd, buf, sizeof buf, off)) > 0) {
        if (write(o, buf, (size_t)r) != r) break;
        off += r;
    }
    close(o);
    rename(tmp, out);
}

int fsync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    pthread_mutex_lock(&lock);
    keep(fd);
    pthread_mutex_unlock(&lock);
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    pthread_mutex_lock(&lock);
    keep(fd);
    pthread_mutex_unlock(&lock);
    return real(fd);
}
