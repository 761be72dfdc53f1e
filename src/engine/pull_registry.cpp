// A repository of a registry (the distribution API) as an ImageSource.
#include <memory>
#include <thread>

#include "skiff/engine/pull.hpp"
#include "skiff/oci/http.hpp"
#include "skiff/oci/registry.hpp"
#include "skiff/storage/byte_queue.hpp"

namespace skiff::engine {

namespace {

using Pool = std::shared_ptr<oci::RegistryPool>;

// A blob streamed from the registry: nothing happens until the first read, which starts a thread
// pushing the body into a bounded queue over a connection borrowed from the source's pool (a
// Registry is not thread-safe; the pool lends each to one thread), given back when the blob is whole.
class RegistryBlobStream : public storage::ByteSource {
public:
    RegistryBlobStream(Pool pool, std::string digest) : pool_(std::move(pool)), digest_(std::move(digest)) {}
    RegistryBlobStream(const RegistryBlobStream&) = delete;
    RegistryBlobStream& operator=(const RegistryBlobStream&) = delete;

    ~RegistryBlobStream() override {
        if (!producer_.joinable()) return;
        queue_.close_read();  // a producer blocked on a full queue gives up
        producer_.join();
    }

    Result<size_t> read(char* buf, size_t len) override {
        if (!producer_.joinable()) producer_ = std::thread([this] { produce(); });
        return queue_.read(buf, len);
    }

private:
    void produce() {
        auto conn = pool_->borrow();
        if (!conn) {
            queue_.finish(conn.take_error());
            return;
        }
        oci::http::BodySink sink = [this](std::string_view chunk) -> Result<void> {
            if (!queue_.push(chunk)) return make_error("the layer's reader stopped");
            return {};
        };
        auto got = (*conn)->registry->get_blob(digest_, 0, sink);
        if (got.ok()) pool_->give_back(conn.take());
        queue_.finish(std::move(got));
    }

    Pool pool_;
    std::string digest_;
    storage::ByteQueue queue_;
    std::thread producer_;
};

class RegistrySource : public ImageSource {
public:
    RegistrySource(const oci::RegistryTarget& target, std::string display)
        : pool_(std::make_shared<oci::RegistryPool>(target)), display_(std::move(display)) {}

    Result<oci::ManifestBytes> get_manifest(const std::string& tag_or_digest) override {
        auto m = with_conn([&](oci::Registry& r) { return r.get_manifest(tag_or_digest); });
        if (!m) return m.take_error().context("initializing source docker://" + display_);
        return m;
    }

    Result<std::string> get_blob(const oci::Descriptor& d) override {
        return with_conn([&](oci::Registry& r) { return r.fetch_blob(d.digest); });
    }
    std::string repository() const override {
        return pool_->target().options.registry + "/" + pool_->target().repository;
    }

    Result<std::unique_ptr<storage::ByteSource>> open_blob(const oci::Descriptor& d) override {
        return std::unique_ptr<storage::ByteSource>(std::make_unique<RegistryBlobStream>(pool_, d.digest));
    }

private:
    // `f` on a pooled connection, given back unless it failed.
    template <class F>
    auto with_conn(F f) -> decltype(f(std::declval<oci::Registry&>())) {
        auto conn = TRY(pool_->borrow());
        auto r = f(*conn->registry);
        if (r.ok()) pool_->give_back(std::move(conn));
        return r;
    }

    Pool pool_;
    std::string display_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_registry(const oci::RegistryTarget& target, const oci::Reference& ref) {
    return std::unique_ptr<ImageSource>(std::make_unique<RegistrySource>(target, ref.str()));
}

}  // namespace skiff::engine
