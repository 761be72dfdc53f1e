// skiff's exec stub: the last program a container's process runs before its command (CVE-2019-5736).
//
// The container's process is a clone of skiff: until it executes the command, /proc/self/exe is
// skiff's binary. A command that is `/proc/self/exe`, a `#!/proc/self/exe` script or an ELF file
// whose interpreter is `/proc/self/exe` would make the container run that binary, and a process of
// the container could then open it through /proc/PID/exe. So the clone executes this stub (from a
// sealed memfd, runtime/exec_stub_fd.cpp), and the stub executes the command: whatever the command
// names as itself is the stub, a few kilobytes that nobody can write, and never skiff.
//
// Freestanding: no libc, a dozen instructions of start-up. The protocol, from the clone:
//   argv = { "skiff-exec", SYNC_FD, PATH, ARG0, ARG1, ... }, the environment the command's.
// SYNC_FD (the clone's end of the sync socket, left open across this exec) is made close-on-exec,
// then PATH is executed with ARG0... On success the socket closes with the exec, which tells skiff
// the command runs; on failure one packet {kind 4, errno, PATH} says why (runtime/sync.cpp).
// Run any other way (by a container's command), it says what it is and exits 126.
#include <asm/unistd.h>

#define F_SETFD_ 2
#define FD_CLOEXEC_ 1
#define KIND_EXEC_ERROR 4
#define MAX_PACKET 8192

#if defined(__x86_64__)
__asm__(".text\n.global _start\n.type _start,@function\n_start:\n"
        "  xor %ebp, %ebp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call stub_main\n  hlt\n");

static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n.type _start,%function\n_start:\n"
        "  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  bl stub_main\n  brk #0\n");

static long sys3(long n, long a, long b, long c) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
#else
#error "skiff's exec stub knows the system calls of x86_64 and aarch64 only"
#endif

static __attribute__((noreturn)) void exit_with(int code) {
    for (;;) sys3(__NR_exit_group, code, 0, 0);
}

static unsigned long length(const char* s) {
    unsigned long n = 0;
    while (s[n]) ++n;
    return n;
}

static int same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

// A descriptor number, or -1.
static int parse_fd(const char* s) {
    long v = 0;
    if (!*s) return -1;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (*s - '0');
        if (v > 1 << 20) return -1;
    }
    return (int)v;
}

static const char kRefusal[] = "skiff-exec: skiff's exec stub runs only as the last step of starting a container's command\n";

__attribute__((noreturn, used)) void stub_main(long* sp) {
    long argc = sp[0];
    char** argv = (char**)(sp + 1);
    char** envp = argv + argc + 1;
    if (argc < 4 || !same(argv[0], "skiff-exec")) {
        sys3(__NR_write, 2, (long)kRefusal, sizeof kRefusal - 1);
        exit_with(126);
    }
    int sync_fd = parse_fd(argv[1]);
    const char* path = argv[2];
    long err = sync_fd < 0 ? -9 /* EBADF */ : sys3(__NR_fcntl, sync_fd, F_SETFD_, FD_CLOEXEC_);
    if (err == 0) err = sys3(__NR_execve, (long)path, (long)(argv + 3), (long)envp);
    // Only on failure: {kind, errno (host order, 32 bits), PATH}, the path cut to fit.
    int code = (int)-err;
    static char packet[MAX_PACKET];
    unsigned long n = 0;
    packet[n++] = KIND_EXEC_ERROR;
    const char* c = (const char*)&code;
    for (unsigned long i = 0; i < sizeof code; ++i) packet[n++] = c[i];
    unsigned long len = length(path);
    for (unsigned long i = 0; i < len && n < MAX_PACKET; ++i) packet[n++] = path[i];
    if (sync_fd >= 0) sys3(__NR_write, sync_fd, (long)packet, (long)n);
    exit_with(code == 2 /* ENOENT */ ? 127 : 126);
}
