// CVE-2019-5736: the long-lived monitor, and exec (whose set-up the container's other processes can
// see), run from a sealed view of skiff's binary (runtime::sealed_self). Its overlay needs an empty
// lower layer: <runroot>/sealed-exe, made when missing. Every container's command is executed
// through the sealed exec stub (src/runtime/exec_stub.c) besides.
#pragma once

#include <string>

#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

std::string sealed_exe_lower(const storage::StoreConfig& store);

// Unless skiff already runs from a sealed view of its binary, re-executes it from one with the
// same arguments and environment: returns only on error.
Result<void> ensure_sealed_binary(const storage::StoreConfig& store);

}  // namespace skiff::engine
