# Images for the pull benchmark, built offline once and kept in a cache directory as OCI layouts.
# Source it; it defines functions only. Each prints the layout directory; the image's tag is "latest".
#
#   bench_image_large    one gzip layer of ~20,000 mixed files, ~300 MB compressed (half the bytes
#                        random, half text), made from a fixed seed so every build is the same
#   bench_image_debian   Debian 12 minbase from debootstrap (the apt mirror), split into five layers
#
# Cache: $SKIFF_BENCH_CACHE (default /var/cache/skiff-bench). Delete a layout to rebuild it.

bench_cache() {
    local c=${SKIFF_BENCH_CACHE:-/var/cache/skiff-bench}
    mkdir -p "$c" && echo "$c"
}

bench_repo() {
    cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd
}

bench_image_large() {
    local cache out work
    cache=$(bench_cache) || return 1
    out=$cache/large-oci
    if [[ ! -f $out/index.json ]]; then
        work=$(mktemp -d "$cache/.large.XXXXXX")
        python3 - "$work/rootfs" <<'PY' || return 1
import os, random, sys
root = sys.argv[1]
rng = random.Random(20261124)
words = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))) for _ in range(4000)]
for i in range(20000):
    d = os.path.join(root, f"d{i % 400:03d}", f"s{(i // 400) % 10}")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"f{i:05d}")
    if i % 2:
        data = rng.randbytes(rng.randint(1, 56000))
    else:
        n = rng.randint(1, 5000)
        data = (" ".join(rng.choice(words) for _ in range(n)) + "\n").encode()
    with open(path, "wb") as f:
        f.write(data)
    if i % 100 == 0:
        os.symlink(f"f{i:05d}", path + ".link")
PY
        "$(bench_repo)/tools/mkimage-oci" --out "$work/layout" --cmd true "$work/rootfs" >/dev/null || return 1
        mv -T "$work/layout" "$out"
        rm -rf "$work"
    fi
    echo "$out"
}

bench_image_debian() {
    local cache out work r
    cache=$(bench_cache) || return 1
    out=$cache/debian-oci
    if [[ ! -f $out/index.json ]]; then
        command -v debootstrap >/dev/null || {
            echo "bench_image_debian: debootstrap is not installed" >&2
            return 1
        }
        work=$(mktemp -d "$cache/.debian.XXXXXX")
        r=$work/rootfs
        debootstrap --variant=minbase bookworm "$r" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 || {
            tail -20 "$work/debootstrap.log" >&2
            return 1
        }
        # Five layers: usr/lib, usr/share, usr/bin + usr/sbin, var, and the rest.
        mkdir -p "$work/l1/usr" "$work/l2/usr" "$work/l3/usr" "$work/l4"
        mv "$r/usr/lib" "$work/l1/usr/" && mv "$r/usr/share" "$work/l2/usr/" &&
            mv "$r/usr/bin" "$r/usr/sbin" "$work/l3/usr/" && mv "$r/var" "$work/l4/" || return 1
        "$(bench_repo)/tools/mkimage-oci" --out "$work/layout" --cmd bash \
            "$work/l1" "$work/l2" "$work/l3" "$work/l4" "$r" >/dev/null || return 1
        mv -T "$work/layout" "$out"
        rm -rf "$work"
    fi
    echo "$out"
}
