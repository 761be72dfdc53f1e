# Registry helpers for integration tests: a real docker-registry (Debian's package) on 127.0.0.1 with TLS
# from a CA made here, optional htpasswd, an access log to count requests, and test images pushed into it
# with skopeo. Load after helpers: `load helpers; load registry_helpers`.
#
#   start_registry [--htpasswd USER:PASS]
#       exports REGISTRY (127.0.0.1:PORT), REGISTRY_DIR (data/, log, pid), REGISTRY_CA (the CA
#       certificate), CERT_DIR (a directory holding ca.crt: pass as --cert-dir to skiff and as
#       --dest-cert-dir/--src-cert-dir to skopeo), REGISTRY_PID.
#   stop_registry                      kills the registry started by this file, by PID
#   registry_blob_gets DIGEST          how many GETs of that blob the registry has served
#   registry_request_count REGEX       how many access-log lines match REGEX (e.g. 'PUT /v2/.*/blobs/')
#   registry_blob_path DIGEST          the blob's data file in the registry's storage
#   registry_tamper_blob DIGEST        changes one byte of a stored blob (its digest no longer matches)
#   busybox_oci_layout                 an OCI layout DIR:latest with the busybox rootfs (one gzip layer),
#                                      built once per bats run; prints DIR
#   registry_push_oci LAYOUT:TAG REPO:TAG [skopeo copy options…]
#                                      pushes an OCI layout image into the registry with skopeo
#   start_registry_proxy               a misbehaving TLS proxy in front of the registry
#                                      (tests/fixtures/registry_proxy.py): exports PROXY
#                                      (127.0.0.1:PORT, same CA), PROXY_RULES (its JSON rules file),
#                                      PROXY_LOG, PROXY_PID
#   stop_registry_proxy
#   use_test_registries_conf           a registries.conf of the test's own, with no search registries
#   use_fresh_store                    a store of its own for the current test (call from setup):
#                                      every test then sees the pulls it makes itself
#   assert_error_last WORD…            after `run --separate-stderr`: stderr's last line is its only
#                                      `Error: …` line (progress may come before) and names each WORD

start_registry() {
    local htpasswd=
    if [[ ${1:-} == --htpasswd ]]; then
        htpasswd=$2
        shift 2
    fi
    REGISTRY_DIR=$(mktemp -d "$SKIFF_TEST_DIR/registry.XXXXXX")
    local d=$REGISTRY_DIR
    mkdir -p "$d/data" "$d/certs"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=skiff test CA" \
        -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null || return 1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" \
        -out "$d/server.csr" 2>/dev/null || return 1
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$d/ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
        -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null || return 1
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$d/config.yml" <<YML
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $d/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  tls:
    certificate: $d/server.crt
    key: $d/server.key
YML
    if [[ -n $htpasswd ]]; then
        python3 -W ignore -c "import crypt,sys; u,p=sys.argv[1].split(':',1); print(u+':'+crypt.crypt(p, crypt.mksalt(crypt.METHOD_BLOWFISH)))" \
            "$htpasswd" >"$d/htpasswd"
        cat >>"$d/config.yml" <<YML
auth:
  htpasswd:
    realm: skiff-test
    path: $d/htpasswd
YML
    fi
    docker-registry serve "$d/config.yml" >"$d/log" 2>&1 &
    REGISTRY_PID=$!
    echo "$REGISTRY_PID" >"$d/pid"
    REGISTRY=127.0.0.1:$port
    REGISTRY_CA=$d/ca.crt
    CERT_DIR=$d/certs
    cp "$d/ca.crt" "$CERT_DIR/ca.crt"
    export REGISTRY REGISTRY_DIR REGISTRY_CA CERT_DIR REGISTRY_PID
    local i code
    for i in $(seq 100); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$REGISTRY_CA" "https://$REGISTRY/v2/") || true
        [[ $code == 200 || $code == 401 ]] && return 0
        kill -0 "$REGISTRY_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "# docker-registry did not start:" >&3
    sed 's/^/#   /' "$d/log" >&3
    return 1
}

stop_registry() {
    [[ -n ${REGISTRY_PID:-} ]] || return 0
    kill "$REGISTRY_PID" 2>/dev/null || true
    local i
    for i in $(seq 50); do
        kill -0 "$REGISTRY_PID" 2>/dev/null || break
        sleep 0.1
    done
    REGISTRY_PID=
}

registry_request_count() {
    grep -cE "\"$1" "$REGISTRY_DIR/log" || true
}

registry_blob_gets() {
    registry_request_count "GET /v2/[^ ]*/blobs/$1 "
}

registry_blob_path() {
    local hex=${1#sha256:}
    echo "$REGISTRY_DIR/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

registry_tamper_blob() {
    local f
    f=$(registry_blob_path "$1")
    [[ -f $f ]] || return 1
    # Flip the last byte: the size stays the same, the digest does not.
    python3 - "$f" <<'PY'
import sys
p = sys.argv[1]
with open(p, "r+b") as f:
    f.seek(-1, 2)
    b = f.read(1)
    f.seek(-1, 2)
    f.write(bytes([b[0] ^ 0xff]))
PY
}

busybox_oci_layout() {
    local dir=$BATS_RUN_TMPDIR/busybox-oci
    if [[ ! -f $dir/index.json ]]; then
        local tar work
        tar=$(busybox_tarball) || return 1
        work=$(mktemp -d "$BATS_RUN_TMPDIR/busybox-oci.XXXXXX")
        (
            set -e
            umoci init --layout "$work/layout"
            umoci new --image "$work/layout:latest"
            umoci unpack --image "$work/layout:latest" "$work/bundle" >/dev/null
            tar -xf "$tar" -C "$work/bundle/rootfs"
            umoci repack --image "$work/layout:latest" "$work/bundle" >/dev/null
            umoci config --image "$work/layout:latest" --config.cmd sh \
                --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            umoci gc --layout "$work/layout"
        ) >&2 || return 1
        # Another file of the same run may have won the race; either copy is good.
        mv -T "$work/layout" "$dir" 2>/dev/null || true
        rm -rf "$work"
    fi
    echo "$dir"
}

registry_push_oci() {
    local src=$1 dest=$2
    shift 2
    skopeo copy -q --dest-cert-dir "$CERT_DIR" "$@" "oci:$src" "docker://$REGISTRY/$dest"
}

start_registry_proxy() {
    PROXY_RULES=$REGISTRY_DIR/proxy-rules.json
    PROXY_LOG=$REGISTRY_DIR/proxy.log
    echo '{}' >"$PROXY_RULES"
    rm -f "$REGISTRY_DIR/proxy-port"
    python3 "$REPO/tests/fixtures/registry_proxy.py" "$REGISTRY_DIR/proxy-port" "$REGISTRY" "$REGISTRY_CA" \
        "$REGISTRY_DIR/server.crt" "$REGISTRY_DIR/server.key" "$PROXY_RULES" 2>"$PROXY_LOG" &
    PROXY_PID=$!
    local i
    for i in $(seq 100); do
        [[ -s $REGISTRY_DIR/proxy-port ]] && break
        kill -0 "$PROXY_PID" 2>/dev/null || break
        sleep 0.1
    done
    [[ -s $REGISTRY_DIR/proxy-port ]] || {
        echo "# the registry proxy did not start:" >&3
        sed 's/^/#   /' "$PROXY_LOG" >&3
        return 1
    }
    PROXY=127.0.0.1:$(cat "$REGISTRY_DIR/proxy-port")
    export PROXY PROXY_RULES PROXY_LOG PROXY_PID
}

stop_registry_proxy() {
    [[ -n ${PROXY_PID:-} ]] || return 0
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
    PROXY_PID=
}

use_fresh_store() {
    export SKIFF_TEST_ROOT=$SKIFF_TEST_DIR/root-$BATS_TEST_NUMBER
    export SKIFF_TEST_RUNROOT=$SKIFF_TEST_DIR/runroot-$BATS_TEST_NUMBER
    mkdir -p "$SKIFF_TEST_ROOT" "$SKIFF_TEST_RUNROOT"
}

assert_error_last() {
    local last
    last=$(tail -n 1 <<<"$stderr")
    [[ $last == "Error: "* && $(grep -c '^Error: ' <<<"$stderr") -eq 1 ]] ||
        fail "want one Error line, last: got [$stderr]" || return 1
    local w
    for w in "$@"; do
        [[ $last == *"$w"* ]] || fail "error should name [$w]: [$last]" || return 1
    done
}

use_test_registries_conf() {
    export CONTAINERS_REGISTRIES_CONF=$SKIFF_TEST_DIR/registries.conf
    echo 'unqualified-search-registries = []' >"$CONTAINERS_REGISTRIES_CONF"
}
