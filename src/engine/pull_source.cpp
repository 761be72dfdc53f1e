// What the user names → where it is pulled from: OCI layouts, registries (short names through
// registries.conf, mirrors first), and run's --pull policies.
#include <fcntl.h>

#include <algorithm>

#include "skiff/base/strings.hpp"
#include "skiff/base/sys.hpp"
#include "skiff/engine/pull.hpp"
#include "skiff/oci/reference.hpp"
#include "skiff/oci/registries_conf.hpp"
#include "skiff/storage/image_archive.hpp"
#include "skiff/storage/images.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::engine {

namespace {

constexpr std::string_view kOciTransport = "oci:";
constexpr std::string_view kDockerTransport = "docker://";
constexpr std::string_view kArchiveTransports[] = {"docker-archive:", "oci-archive:"};

// The transports that name a source, never a stored image.
bool has_transport(std::string_view image) {
    if (image.starts_with(kOciTransport) || image.starts_with(kDockerTransport)) return true;
    return std::any_of(std::begin(kArchiveTransports), std::end(kArchiveTransports),
                       [&](std::string_view t) { return image.starts_with(t); });
}

// docker-archive:FILE and oci-archive:FILE: the archive loaded into the store (its images keep
// the names it gives them), told as a pull's progress, as podman pulls from one; the first image
// is the one pulled.
Result<PulledImage> pull_archive(const storage::StoreConfig& store, std::string_view transport, const std::string& path,
                                 PullProgress& progress) {
    if (path.empty()) return make_error("invalid reference " + std::string(transport) + ": no archive file");
    unique_fd fd = TRY(sys::open(path, O_RDONLY));
    storage::FdSource src(fd.get());
    auto loaded = TRY_CTX(storage::load_image_archive(store, src, path, archive_progress(progress)),
                          std::string(transport) + path);
    if (loaded.empty()) return make_error(std::string(transport) + path + ": no image in the archive");
    PulledImage p;
    p.id = loaded.front().id;
    return p;
}

// oci:DIR[:REF] — an OCI layout directory, named localhost/DIR[:REF] as podman names it.
Result<PulledImage> pull_oci_layout(const storage::StoreConfig& store, std::string_view spec, PullOptions opts,
                                    PullProgress& progress) {
    std::string dir(spec), ref;
    if (auto colon = dir.find(':'); colon != std::string::npos) {
        ref = dir.substr(colon + 1);
        dir.resize(colon);
    }
    if (dir.empty()) return make_error("invalid reference oci:" + std::string(spec) + ": no directory");
    auto source = TRY(open_oci_layout(dir));
    std::string base = dir;
    while (!base.empty() && base.front() == '/') base.erase(0, 1);
    while (!base.empty() && base.back() == '/') base.pop_back();
    bool digest_ref = ref.starts_with("sha256:");
    auto name = oci::normalize_local_name(base + (ref.empty() || digest_ref ? "" : ":" + ref));
    if (opts.names.empty() && name.ok() && name->starts_with("localhost/")) opts.names.push_back(name.take());
    progress.resolved("oci:" + std::string(spec));
    return pull_image(store, *source, ref, opts, progress);
}

Result<PulledImage> pull_reference(const storage::StoreConfig& store, const oci::RegistriesConf& conf,
                                   const oci::Reference& ref, PullOptions opts, const oci::RegistryAccess& access,
                                   PullProgress& progress) {
    // Pulled by digest, the image is named repository@digest (any tag dropped), as podman names it.
    if (opts.names.empty()) opts.names.push_back(ref.digest.empty() ? ref.str() : oci::Reference{ref.registry, ref.repository, "", ref.digest}.str());
    std::string tag_or_digest = ref.digest.empty() ? ref.tag : ref.digest;
    auto targets = TRY(oci::registry_targets(conf, ref, access));
    std::optional<Error> last;
    for (auto& target : targets) {
        progress.resolved(ref.str());
        auto pulled = [&]() -> Result<PulledImage> {
            auto source = TRY(open_registry(target, ref));
            return pull_image(store, *source, tag_or_digest, opts, progress);
        }();
        if (pulled) return pulled;
        last = pulled.take_error();
        // Registry errors name the reference already ("initializing source docker://…").
        if (!last->message.starts_with("initializing source")) last = std::move(*last).context("pulling docker://" + ref.str());
    }
    if (!last) return make_error("pulling " + ref.str() + ": no registry to pull it from");
    return std::move(*last);
}

bool is_not_known(const Error& e) { return e.missing; }

}  // namespace

storage::ArchiveProgress archive_progress(PullProgress& progress) {
    storage::ArchiveProgress told;
    told.blob = [&progress](const std::string& digest, bool stored) {
        oci::Descriptor d;
        d.digest = digest;
        progress.blob_start(d, stored);
        progress.blob_done(digest);
    };
    told.config = [&progress](const std::string& digest) { progress.config(digest); };
    told.manifest = [&progress] {
        progress.writing_manifest();
        progress.storing_signatures();
    };
    return told;
}

Result<PulledImage> pull(const storage::StoreConfig& store, const std::string& image, PullOptions opts,
                         const oci::RegistryAccess& access, PullProgress& progress) {
    std::string_view input = image;
    if (input.starts_with(kOciTransport)) return pull_oci_layout(store, input.substr(kOciTransport.size()), opts, progress);
    for (std::string_view t : kArchiveTransports)
        if (input.starts_with(t)) return pull_archive(store, t, std::string(input.substr(t.size())), progress);
    if (input.starts_with(kDockerTransport)) input.remove_prefix(kDockerTransport.size());
    if (input.empty()) return make_error("invalid reference format: an image name is required");

    oci::RegistriesConf conf = TRY(oci::load_registries_conf());
    auto candidates = TRY(oci::resolve_image_name(conf, input));
    if (candidates.size() == 1) return pull_reference(store, conf, candidates.front(), opts, access, progress);
    std::vector<std::string> failures;
    for (auto& ref : candidates) {
        auto pulled = pull_reference(store, conf, ref, opts, access, progress);
        if (pulled) return pulled;
        failures.push_back(pulled.error().message);
    }
    return make_error("pulling " + std::string(input) + " failed from every unqualified-search registry: " +
                      str::join(failures, "; "));
}

Result<PullPolicy> parse_pull_policy(std::string_view s) {
    if (s == "missing" || s == "ifmissing" || s == "false") return PullPolicy::kMissing;
    if (s == "always" || s == "true") return PullPolicy::kAlways;
    if (s == "never") return PullPolicy::kNever;
    if (s == "newer" || s == "ifnewer") return PullPolicy::kNewer;
    return make_error("invalid pull policy \"" + std::string(s) + "\": want missing, always, never or newer");
}

Result<storage::ImageRecord> ensure_image(const storage::StoreConfig& store, const std::string& image, PullPolicy policy,
                                          const PullOptions& opts, const oci::RegistryAccess& access,
                                          PullProgress& progress) {
    std::optional<storage::ImageRecord> local;
    // A transport prefix names a source, never a stored image.
    if (!has_transport(image)) {
        auto found = storage::find_image(store, image);
        if (found) local = found.take();
        else if (!is_not_known(found.error()) || policy == PullPolicy::kNever) return found.take_error();
    }
    if (local && (policy == PullPolicy::kMissing || policy == PullPolicy::kNever)) return std::move(*local);
    if (!local && policy == PullPolicy::kNever) return missing_error(image + ": image not known");
    auto pulled = pull(store, image, opts, access, progress);
    if (!pulled) {
        if (local && policy == PullPolicy::kNewer) return std::move(*local);
        return pulled.take_error();
    }
    return storage::find_image(store, pulled->id);
}

}  // namespace skiff::engine
