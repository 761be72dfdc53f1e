#include "skiff/base/result.hpp"

#include <cstring>

namespace skiff {

Error sys_error(std::string_view what, int err) {
    return Error{err, std::string(what) + ": " + std::strerror(err), kExitFailure};
}

Error make_error(std::string message, int exit_code) {
    return Error{0, std::move(message), exit_code};
}

Error missing_error(std::string message) {
    Error e{0, std::move(message), kExitFailure};
    e.missing = true;
    return e;
}

}  // namespace skiff
