// Errors as values: Result<T> holds a T or an Error{errno, message, exit code}.
// Our code throws nothing: a cloned child must never unwind into the parent's destructors.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace skiff {

// Exit codes as podman: 125 skiff failed, 126 cannot invoke, 127 not found.
inline constexpr int kExitFailure = 125;
inline constexpr int kExitCannotInvoke = 126;
inline constexpr int kExitNotFound = 127;

struct Error {
    int code = 0;              // errno, or 0 when the cause is not a system call
    std::string message;       // names the operation and its arguments
    int exit_code = kExitFailure;
    bool missing = false;      // the named object (a container, an image) does not exist

    // "ctx: message" — errors gain context as they rise.
    Error context(std::string_view ctx) && {
        message = std::string(ctx) + ": " + message;
        return std::move(*this);
    }
    Error with_exit(int ec) && {
        exit_code = ec;
        return std::move(*this);
    }
};

// An error from a failed system call: "what: strerror(err)".
Error sys_error(std::string_view what, int err = errno);
// An error with no errno.
Error make_error(std::string message, int exit_code = kExitFailure);
// "No such container", "image not known": callers tell it from other failures by Error::missing.
Error missing_error(std::string message);

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error err) : v_(std::in_place_index<1>, std::move(err)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T take() { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }

    const Error& error() const& { return std::get<1>(v_); }
    Error take_error() { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error err) : err_(std::move(err)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    void take() {}
    const Error& error() const& { return err_; }
    Error take_error() { return std::move(err_); }

private:
    Error err_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace skiff

// TRY(expr): evaluate a Result; on error return it from the enclosing function, else yield the value.
#define TRY(expr)                                   \
    ({                                              \
        auto _try_r = (expr);                       \
        if (!_try_r.ok()) return _try_r.take_error(); \
        _try_r.take();                              \
    })

// TRY_CTX(expr, ctx): as TRY, adding context to the error.
#define TRY_CTX(expr, ctx)                                         \
    ({                                                             \
        auto _try_r = (expr);                                      \
        if (!_try_r.ok()) return _try_r.take_error().context(ctx); \
        _try_r.take();                                             \
    })
