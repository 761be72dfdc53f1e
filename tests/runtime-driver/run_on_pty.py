#!/usr/bin/env python3
"""Run a command on a fresh pty and report what it printed, its exit code, and whether the pty's
settings were the same after it exited as before (skiff must restore raw mode on every way out).

  run_on_pty.py [--rows R --cols C] [--input TEXT] [--resize-after S --rows2 R --cols2 C] -- CMD [ARG...]
"""
import argparse
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=24)
    p.add_argument("--cols", type=int, default=80)
    p.add_argument("--input", default="")
    p.add_argument("--resize-after", type=float, default=None)
    p.add_argument("--rows2", type=int, default=0)
    p.add_argument("--cols2", type=int, default=0)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("cmd", nargs="+")
    a = p.parse_args()

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(a.cmd[0], a.cmd)
    set_size(fd, a.rows, a.cols)
    before = termios.tcgetattr(fd)
    start = time.monotonic()
    if a.input:
        time.sleep(0.3)
        os.write(fd, a.input.encode().decode("unicode_escape").encode())
    resized = a.resize_after is None
    out = b""
    status = None
    while status is None and time.monotonic() - start < a.timeout:
        if not resized and time.monotonic() - start >= a.resize_after:
            set_size(fd, a.rows2, a.cols2)
            resized = True
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 4096)
                continue
            except OSError:
                pass  # EIO: the last slave descriptor is closed
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    after = termios.tcgetattr(fd)
    if status is None:
        os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.stdout.write(out.decode(errors="replace").replace("\r", "") + "\n")
    print("exit=%d" % code)
    print("restored=%s" % (before == after))


if __name__ == "__main__":
    main()
