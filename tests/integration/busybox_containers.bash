# The hooks of a file whose tests run busybox containers, loaded instead of helpers: one store for
# the file with busybox imported, and no container left from the test before.

load helpers

setup_file() {
    skiff_setup_file
    import_busybox
}

teardown_file() { skiff_teardown_file; }

setup() { remove_all_containers; }
