# Shared by tools/test and tools/demo: the Debian packages skiff needs, installed only when missing,
# and the build (configure or reconfigure, then ninja). Source it; it defines functions only.

# What building skiff needs.
skiff_build_packages=(
    meson ninja-build g++ pkg-config libcurl4-openssl-dev rapidjson-dev libarchive-dev libcap-dev
    libfmt-dev catch2 libseccomp-dev libssl-dev zlib1g-dev libzstd-dev libisal-dev libcli11-dev
    libtomlplusplus-dev scdoc
)

# Install the packages among "$@" that are not installed; apt-get update only when one is missing.
# SKIFF_NO_INSTALL=1 turns a missing package into an error instead.
install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    if [[ -n ${SKIFF_NO_INSTALL:-} ]]; then
        echo "missing packages (SKIFF_NO_INSTALL is set): ${missing[*]}" >&2
        return 1
    fi
    if [[ $(id -u) -ne 0 ]]; then
        echo "missing packages, and installing them needs root: ${missing[*]}" >&2
        return 1
    fi
    echo "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Configure BUILD_DIR (or reconfigure it when it exists) and build with JOBS jobs.
build_skiff() {
    local build=$1 jobs=$2 log
    mkdir -p "$build"
    log=$build/.setup.log
    if [[ -f $build/build.ninja ]]; then
        meson setup --reconfigure "$build" >"$log" 2>&1 || meson setup --wipe "$build" >"$log" 2>&1
    else
        meson setup "$build" >"$log" 2>&1
    fi || {
        cat "$log"
        echo "meson setup $build failed" >&2
        return 1
    }
    ninja -C "$build" -j"$jobs" || {
        echo "build failed" >&2
        return 1
    }
}

# The skiff executable of a build directory: build/skiff, or where meson put it.
skiff_binary() {
    local build=$1
    if [[ ! -x $build/skiff && -x $build/src/cli/skiff ]]; then
        echo "$build/src/cli/skiff"
    else
        echo "$build/skiff"
    fi
}
