#!/usr/bin/env bats
# login / logout against a real docker-registry with TLS (a CA made here) and htpasswd (bcrypt).

load helpers
load registry_helpers

setup_file() {
    skiff_setup_file
    start_registry --htpasswd testuser:testpassword
    export AUTHFILE=$SKIFF_TEST_DIR/auth.json
    use_test_registries_conf
}

teardown_file() {
    stop_registry
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
    ! grep -q "\"$REGISTRY\"" "$AUTHFILE" || fail "logout left $REGISTRY in auth.json: $(cat "$AUTHFILE")"

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
    # --verbose names the file written, in podman's words.
    run --separate-stderr skiff login -v --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" -u testuser --password-stdin "$REGISTRY" <<<"testpassword"
    assert_status 0
    assert_output "Used:  $AUTHFILE"$'\n'"Login Succeeded!"
    run skiff logout --authfile "$AUTHFILE" --all
    [[ $status -eq 0 && $output == "Removed login credentials for all registries" ]]
}

@test "login without the CA fails on TLS; --tls-verify=false accepts the certificate" {
    rm -f "$AUTHFILE"
    run --separate-stderr skiff login --authfile "$AUTHFILE" -u testuser -p testpassword "$REGISTRY"
    assert_status 125
    # podman: `Error: authenticating creds for "…": pinging container registry …: x509: certificate
    # signed by unknown authority`; the cause must be the certificate, whatever the words around it.
    assert_one_error_line "\"$REGISTRY\"" certificate
    [[ ! -e $AUTHFILE ]] || fail "a refused login wrote $AUTHFILE"
    run --separate-stderr skiff login --authfile "$AUTHFILE" --tls-verify=false -u testuser -p testpassword "$REGISTRY"
    assert_status 0
    assert_output "Login Succeeded!"
    # The login really reached the registry: the password was checked and the credentials stored.
    jq -e --arg r "$REGISTRY" --arg a "$(printf testuser:testpassword | base64)" '.auths[$r].auth == $a' "$AUTHFILE" \
        >/dev/null || fail "auth.json does not hold the login: $(cat "$AUTHFILE")"
    run --separate-stderr skiff login --authfile "$AUTHFILE" --tls-verify=false -u testuser -p wrong "$REGISTRY"
    assert_status 125
    assert_one_error_line "invalid username/password"
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

@test "pull needs credentials: none → unauthorized, wrong → refused, --creds and login → pulled" {
    registry_push_oci "$(busybox_oci_layout):latest" private/busybox:1 --dest-creds testuser:testpassword
    rm -f "$AUTHFILE"
    run --separate-stderr skiff pull -q --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" "$REGISTRY/private/busybox:1"
    assert_status 125
    assert_one_error_line "$REGISTRY/private/busybox" "unauthorized"
    run skiff images -q
    [[ -z $output ]] || fail "images after a refused pull: $output"

    run --separate-stderr skiff pull -q --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" --creds testuser:wrong \
        "$REGISTRY/private/busybox:1"
    assert_status 125
    assert_one_error_line "$REGISTRY/private/busybox" "unauthorized"

    run --separate-stderr skiff pull -q --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" --creds testuser:testpassword \
        "$REGISTRY/private/busybox:1"
    [[ $status -eq 0 && $output =~ ^[0-9a-f]{64}$ ]] || { echo "$output $stderr"; false; }
    skiff rmi -a >/dev/null

    skiff login --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" -u testuser -p testpassword "$REGISTRY" >/dev/null
    run --separate-stderr skiff run --rm --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" "$REGISTRY/private/busybox:1" \
        echo logged in
    [[ $status -eq 0 && $output == "logged in" ]] || { echo "$output $stderr"; false; }
    skiff logout --authfile "$AUTHFILE" "$REGISTRY" >/dev/null
}

@test "push needs credentials: none → unauthorized, wrong → refused, --creds and login → pushed" {
    import_busybox pushme
    rm -f "$AUTHFILE"
    run --separate-stderr skiff push -q --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" pushme "$REGISTRY/private/pushed:1"
    assert_status 125
    assert_one_error_line "$REGISTRY/private/pushed" "unauthorized"

    run --separate-stderr skiff push -q --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" --creds testuser:wrong \
        pushme "$REGISTRY/private/pushed:1"
    assert_status 125
    assert_one_error_line "unauthorized"

    run --separate-stderr skiff push -q --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" --creds testuser:testpassword \
        pushme "$REGISTRY/private/pushed:1"
    assert_status 0

    skiff login --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" -u testuser -p testpassword "$REGISTRY" >/dev/null
    run --separate-stderr skiff push -q --authfile "$AUTHFILE" --cert-dir "$CERT_DIR" pushme "$REGISTRY/private/pushed:2"
    assert_status 0
    run skopeo inspect --cert-dir "$CERT_DIR" --creds testuser:testpassword "docker://$REGISTRY/private/pushed:2"
    assert_status 0
    skiff logout --authfile "$AUTHFILE" "$REGISTRY" >/dev/null
}
