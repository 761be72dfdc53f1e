// skiff's container init (run --init): PID 1 of the container, bind-mounted at /run/podman-init as
// podman mounts catatonit there. It starts the command as its child, forwards every signal it gets
// to it, reaps whatever is reparented to it, and exits with the command's status (128+N when a
// signal N killed it) once the command is gone.
//
// Freestanding and static like the exec stub (exec_stub.c): the container's libc is unknown. Usage,
// as catatonit's: /run/podman-init [--] COMMAND [ARG...]; COMMAND without a slash is looked for in
// $PATH (skiff's default PATH when the environment has none).
//
// Every signal stays blocked in PID 1 and is taken with rt_sigtimedwait: a blocked signal is queued
// even for a namespace's init, which otherwise drops signals it has no handler for.
#include <asm/unistd.h>

#define WNOHANG_ 1
#define SIG_SETMASK_ 2
#define SIGCHLD_ 17
#define ENOENT_ 2
#define EACCES_ 13
#define MAX_PATH 4096

#if defined(__x86_64__)
__asm__(".text\n.global _start\n.type _start,@function\n_start:\n"
        "  xor %ebp, %ebp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call init_main\n  hlt\n");

static long sys4(long n, long a, long b, long c, long d) {
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}

// clone(SIGCHLD): fork without CLONE_* flags, so the other arguments are ignored; x86_64 orders
// them flags, stack, parent_tid, child_tid, tls.
static long fork_child(void) { return sys4(__NR_clone, SIGCHLD_, 0, 0, 0); }
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n.type _start,%function\n_start:\n"
        "  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  bl init_main\n  brk #0\n");

static long sys4(long n, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}

static long fork_child(void) { return sys4(__NR_clone, SIGCHLD_, 0, 0, 0); }
#else
#error "skiff's container init knows the system calls of x86_64 and aarch64 only"
#endif

static __attribute__((noreturn)) void exit_with(int code) {
    for (;;) sys4(__NR_exit_group, code, 0, 0, 0);
}

static unsigned long length(const char* s) {
    unsigned long n = 0;
    while (s[n]) ++n;
    return n;
}

static int starts_with(const char* s, const char* prefix) {
    while (*prefix && *s == *prefix) ++s, ++prefix;
    return *prefix == 0;
}

static void say(const char* s) { sys4(__NR_write, 2, (long)s, (long)length(s), 0); }

// "skiff-init: exec NAME: why", the command's name as given.
static __attribute__((noreturn)) void exec_failed(const char* name, long err) {
    say("skiff-init: exec ");
    say(name);
    say(err == ENOENT_ ? ": No such file or directory\n" : err == EACCES_ ? ": Permission denied\n" : ": cannot execute\n");
    exit_with(err == ENOENT_ ? 127 : 126);
}

// execvp's search: each directory of PATH in turn; EACCES from one is remembered, as execvp does.
static __attribute__((noreturn)) void exec_command(char** argv, char** envp) {
    const char* name = argv[0];
    for (const char* p = name; *p; ++p)
        if (*p == '/') exec_failed(name, -sys4(__NR_execve, (long)name, (long)argv, (long)envp, 0));
    const char* path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (char** e = envp; *e; ++e)
        if (starts_with(*e, "PATH=")) path = *e + 5;
    static char candidate[MAX_PATH];
    unsigned long name_len = length(name);
    long err = ENOENT_;
    for (const char* dir = path;;) {
        const char* end = dir;
        while (*end && *end != ':') ++end;
        unsigned long dir_len = (unsigned long)(end - dir);
        if (dir_len + 1 + name_len + 1 <= MAX_PATH) {
            unsigned long n = 0;
            for (const char* c = dir; c < end; ++c) candidate[n++] = *c;
            if (n == 0) candidate[n++] = '.';  // an empty entry is the working directory
            candidate[n++] = '/';
            for (unsigned long i = 0; i <= name_len; ++i) candidate[n++] = name[i];
            long r = -sys4(__NR_execve, (long)candidate, (long)argv, (long)envp, 0);
            if (r == EACCES_) err = r;
            else if (r != ENOENT_ && r != 20 /* ENOTDIR */) exec_failed(name, r);
        }
        if (!*end) break;
        dir = end + 1;
    }
    exec_failed(name, err);
}

static int status_of(int wstatus) {
    int sig = wstatus & 0x7f;
    return sig == 0 ? (wstatus >> 8) & 0xff : 128 + sig;
}

__attribute__((noreturn, used)) void init_main(long* sp) {
    long argc = sp[0];
    char** argv = (char**)(sp + 1);
    char** envp = argv + argc + 1;
    char** command = argv + 1;
    if (*command && command[0][0] == '-' && command[0][1] == '-' && command[0][2] == 0) ++command;
    if (!*command) {
        say("usage: skiff-init [--] COMMAND [ARG...]\n");
        exit_with(1);
    }
    unsigned long all = ~0UL, none = 0;
    sys4(__NR_rt_sigprocmask, SIG_SETMASK_, (long)&all, 0, sizeof all);
    long child = fork_child();
    if (child < 0) {
        say("skiff-init: fork failed\n");
        exit_with(126);
    }
    if (child == 0) {
        sys4(__NR_rt_sigprocmask, SIG_SETMASK_, (long)&none, 0, sizeof none);
        exec_command(command, envp);
    }
    for (;;) {
        long sig = sys4(__NR_rt_sigtimedwait, (long)&all, 0, 0, sizeof all);
        if (sig < 0) continue;  // EINTR, EAGAIN
        if (sig != SIGCHLD_) {
            sys4(__NR_kill, child, sig, 0, 0);
            continue;
        }
        for (;;) {
            int wstatus = 0;
            long pid = sys4(__NR_wait4, -1, (long)&wstatus, WNOHANG_, 0);
            if (pid <= 0) break;
            if (pid == child) exit_with(status_of(wstatus));
        }
    }
}
