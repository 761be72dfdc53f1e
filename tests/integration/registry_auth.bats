#!/usr/bin/env bats
# login / logout against a real docker-registry with TLS (a CA made here) and htpasswd (bcrypt).

load helpers

start_auth_registry() {
    local d=$SKIFF_TEST_DIR/registry
    mkdir -p "$d/data" "$d/certs.d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=skiff test CA" \
        -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"$d/ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
        -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null
    python3 -W ignore -c "import crypt; print('testuser:' + crypt.crypt('testpassword', crypt.mksalt(crypt.METHOD_BLOWFISH)))" \
        >"$d/htpasswd"
    REGISTRY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$d/config.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $d/data
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  tls:
    certificate: $d/server.crt
    key: $d/server.key
auth:
  htpasswd:
    realm: skiff-test
    path: $d/htpasswd
YML
    docker-registry serve "$d/config.yml" >"$d/log" 2>&1 &
    echo $! >"$d/pid"
    REGISTRY=127.0.0.1:$REGISTRY_PORT
    CERT_DIR=$d/certs.d/$REGISTRY
    mkdir -p "$CERT_DIR"
    cp "$d/ca.crt" "$CERT_DIR/ca.crt"
    local i
    for i in $(seq 50); do
        curl -s -o /dev/null --cacert "$d/ca.crt" "https://$REGISTRY/v2/" && break
        sleep 0.1
    done
    export REGISTRY REGISTRY_PORT CERT_DIR
}

setup_file() {
    skiff_setup_file
    start_auth_registry
    export AUTHFILE=$SKIFF_TEST_DIR/auth.json
    export CONTAINERS_REGISTRIES_CONF=$SKIFF_TEST_DIR/registries.conf
    echo 'unqualified-search-registries = []' >"$CONTAINERS_REGISTRIES_CONF"
}

teardown_file() {
    local pid
    pid=$(cat "$SKIFF_TEST_DIR/registry/pid" 2>/dev/null) && kill "$pid" 2>/dev/null
    skiff_teardown_file
}

@test "login with the right password writes auth.json 0600; --get-login; logout removes it" {
    rm -f "$AUTHFILE"
    run skiff login --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" -u testuser -p testpassword "$REGISTRY"
    [[ $status -eq 0 ]] || { echo "$output"; false; }
    [[ $output == "Login Succeeded!" ]]
    [[ $(stat -c %a "$AUTHFILE") == 600 ]]
    grep -q "\"$REGISTRY\"" "$AUTHFILE"
    grep -q "$(printf testuser:testpassword | base64)" "$AUTHFILE"

    run skiff login --authfile "$AUTHFILE" --get-login "$REGISTRY"
    [[ $status -eq 0 && $output == testuser ]]

    run skiff logout --authfile "$AUTHFILE" "$REGISTRY"
    [[ $status -eq 0 ]]
    [[ $output == "Removed login credentials for $REGISTRY" ]]
    ! grep -q "\"$REGISTRY\"" "$AUTHFILE"

    run skiff logout --authfile "$AUTHFILE" "$REGISTRY"
    [[ $status -eq 125 ]]
    [[ $output == "Error: not logged into $REGISTRY" ]]
}

@test "login with a wrong password fails clearly and writes nothing" {
    rm -f "$AUTHFILE"
    run skiff login --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" -u testuser -p wrong "$REGISTRY"
    [[ $status -eq 125 ]]
    [[ $output == "Error: logging into \"$REGISTRY\": invalid username/password" ]]
    [[ ! -e $AUTHFILE ]]
}

@test "login --password-stdin" {
    rm -f "$AUTHFILE"
    run skiff login --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" -u testuser --password-stdin "$REGISTRY" <<<"testpassword"
    [[ $status -eq 0 && $output == "Login Succeeded!" ]]
    run skiff logout --authfile "$AUTHFILE" --all
    [[ $status -eq 0 && $output == "Removed login credentials for all registries" ]]
}

@test "login without the CA fails on TLS; --tls-verify=false accepts the certificate" {
    rm -f "$AUTHFILE"
    run skiff login --authfile "$AUTHFILE" -u testuser -p testpassword "$REGISTRY"
    [[ $status -eq 125 ]]
    [[ $output == *"logging into \"$REGISTRY\""* ]]
    [[ ! -e $AUTHFILE ]]
    run skiff login --authfile "$AUTHFILE" --tls-verify=false -u testuser -p testpassword "$REGISTRY"
    [[ $status -eq 0 && $output == "Login Succeeded!" ]]
}

@test "REGISTRY_AUTH_FILE is where login writes without --authfile" {
    local f=$SKIFF_TEST_DIR/env-auth.json
    REGISTRY_AUTH_FILE=$f run skiff login --cert-dir "$CERT_DIR" -u testuser -p testpassword "$REGISTRY"
    [[ $status -eq 0 ]]
    grep -q "\"$REGISTRY\"" "$f"
    REGISTRY_AUTH_FILE=$f run skiff login --get-login "$REGISTRY"
    [[ $output == testuser ]]
}

@test "login and logout usage errors" {
    run skiff login
    [[ $status -eq 125 && $output == "Error: please provide a registry to login to" ]]
    run skiff logout
    [[ $status -eq 125 && $output == "Error: please provide a registry to logout from" ]]
    run skiff login --authfile "$AUTHFILE" --get-login nowhere.example
    [[ $status -eq 125 && $output == "Error: not logged into nowhere.example" ]]
}
