// `container clone` (clone.hpp): the original's stored configuration, renamed and changed, made
// into a new container as create makes one.
#include "skiff/engine/clone.hpp"

#include <charconv>

#include "container_root.hpp"
#include "run_internal.hpp"
#include "skiff/base/strings.hpp"
#include "skiff/engine/containers.hpp"
#include "skiff/engine/lifecycle.hpp"

namespace skiff::engine {

std::string clone_name(std::string_view original, const std::function<bool(const std::string&)>& taken) {
    std::string n(original);
    if (taken(n + "-clone")) n += "-clone";
    auto at = n.find("-clone");
    if (at == std::string::npos) return n + "-clone";
    size_t digits = at + 6;
    int num = 0;
    auto [end, ec] = std::from_chars(n.data() + digits, n.data() + n.size(), num);
    bool numbered = ec == std::errc() && end == n.data() + n.size() && digits < n.size();
    if (!numbered) {
        // podman's: "-clone1" first, then counting on from 1.
        if (!taken(n + "1")) return n + "1";
        num = 0;
    } else {
        n.resize(digits);
    }
    int count = num;
    do ++count;
    while (taken(n + std::to_string(count)));
    return n + std::to_string(count);
}

Result<storage::Container> clone_container(const storage::StoreConfig& store, const CloneOptions& o) {
    if (o.force && !o.destroy) return make_error("cannot set --force without --destroy: invalid argument");
    auto original = TRY(storage::find_container(store, o.container));
    ContainerConfig config = TRY(with_updates(TRY(config_of(original)), o.limits));
    config.name = !o.name.empty() ? o.name : clone_name(original.name, [&](const std::string& n) {
        auto c = storage::find_container(store, n);
        return c.ok() && c->name == n;
    });
    // The original's volumes stay its own: removing the clone does not take them.
    for (MountConfig& m : config.mounts) m.anonymous = false;
    storage::ImageRecord image;
    if (!o.image.empty()) {
        image = TRY(storage::find_image(store, o.image));
        config.image = o.image_name.empty() ? o.image : o.image_name;
    } else {
        image = TRY(image_of(store, original));
    }
    auto p = TRY(prepare(store, std::move(image), std::move(config), str::random_hex(32)));
    TRY(check_bind_sources(p.config));
    auto c = TRY(make_container(store, p, RunOptions{}));
    TRY(make_container_volumes(store, c, p.config));
    if (o.destroy) {
        RemoveOptions rm;
        rm.force = o.force;
        // As podman's clone: any failure here is 125 (rm's own "in use" status is 2).
        for (auto& r : remove_containers(store, {original.id}, rm))
            if (!r.error.message.empty()) return std::move(r.error).with_exit(kExitFailure);
    }
    if (o.run) TRY(start(store, c.id));
    return c;
}

}  // namespace skiff::engine
