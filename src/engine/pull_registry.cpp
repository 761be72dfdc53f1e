// A repository of a registry (the distribution API) as an ImageSource.
#include <thread>

#include "skiff/engine/pull.hpp"
#include "skiff/oci/http.hpp"
#include "skiff/oci/registry.hpp"

namespace skiff::engine {

namespace {

// A blob streamed from the registry: nothing happens until the first read, which starts a thread
// with its own connection (a Registry is not thread-safe) pushing the body into a bounded queue.
class RegistryBlobStream : public storage::ByteSource {
public:
    RegistryBlobStream(oci::RegistryTarget target, std::string digest)
        : target_(std::move(target)), digest_(std::move(digest)) {}
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
        auto client = oci::http::make_client();
        if (!client) {
            queue_.finish(client.take_error());
            return;
        }
        oci::Registry registry(**client, target_.options, target_.repository);
        oci::http::BodySink sink = [this](std::string_view chunk) -> Result<void> {
            if (!queue_.push(chunk)) return make_error("the layer's reader stopped");
            return {};
        };
        queue_.finish(registry.get_blob(digest_, 0, sink));
    }

    oci::RegistryTarget target_;
    std::string digest_;
    StreamQueue queue_;
    std::thread producer_;
};

class RegistrySource : public ImageSource {
public:
    RegistrySource(oci::RegistryTarget target, std::unique_ptr<oci::http::Client> client, std::string display)
        : target_(std::move(target)),
          client_(std::move(client)),
          registry_(*client_, target_.options, target_.repository),
          display_(std::move(display)) {}

    Result<FetchedManifest> get_manifest(const std::string& tag_or_digest) override {
        auto m = registry_.get_manifest(tag_or_digest);
        if (!m) return m.take_error().context("initializing source docker://" + display_);
        return FetchedManifest{std::move(m->bytes), std::move(m->media_type), std::move(m->digest)};
    }

    Result<std::string> get_blob(const oci::Descriptor& d) override { return registry_.fetch_blob(d.digest); }
    std::string repository() const override { return registry_.name(); }

    Result<std::unique_ptr<storage::ByteSource>> open_blob(const oci::Descriptor& d) override {
        return std::unique_ptr<storage::ByteSource>(std::make_unique<RegistryBlobStream>(target_, d.digest));
    }

private:
    oci::RegistryTarget target_;
    std::unique_ptr<oci::http::Client> client_;
    oci::Registry registry_;
    std::string display_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_registry(const oci::RegistryTarget& target, const oci::Reference& ref) {
    auto client = TRY(oci::http::make_client());
    return std::unique_ptr<ImageSource>(std::make_unique<RegistrySource>(target, std::move(client), ref.str()));
}

}  // namespace skiff::engine
