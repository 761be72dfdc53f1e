// skiff image tree [--whatrequires] IMAGE
#include <cstdio>
#include <iostream>
#include <memory>

#include <CLI/App.hpp>

#include "commands.hpp"
#include "skiff/engine/image_tree.hpp"

namespace skiff::cli {

namespace {

// A size as podman's tree prints it (go-units' HumanSizeWithPrecision(size, 4)): "2.836MB", "512B".
std::string tree_size(uint64_t bytes) {
    static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double v = static_cast<double>(bytes);
    size_t u = 0;
    while (v >= 1000 && u + 1 < std::size(units)) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g%s", v, units[u]);
    return buf;
}

// A text tree drawn as podman's (gotree): children under "├── " and "└── ", their descendants
// indented by "│   " or four spaces; a text of several lines keeps its indent.
struct Tree {
    std::string text;
    std::vector<Tree> items;

    std::string print() const { return text + "\n" + print_items(items, ""); }

    static std::string print_items(const std::vector<Tree>& items, const std::string& indent) {
        std::string out;
        for (size_t i = 0; i < items.size(); ++i) {
            bool last = i + 1 == items.size();
            const std::string& t = items[i].text;
            size_t start = 0;
            for (bool first = true;; first = false) {
                size_t nl = t.find('\n', start);
                out += indent + (first ? (last ? "└── " : "├── ") : (last ? "    " : "│   ")) +
                       t.substr(start, nl - start) + "\n";
                if (nl == std::string::npos) break;
                start = nl + 1;
            }
            out += print_items(items[i].items, indent + (last ? "    " : "│   "));
        }
        return out;
    }
};

std::string go_list(const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
    return out + "]";
}

std::string layer_line(const engine::LayerNode& n) {
    std::string size = tree_size(n.size);
    if (size.size() < 7) size.insert(0, 7 - size.size(), ' ');
    std::string line = "ID: " + n.id.substr(0, 12) + " Size: " + size;
    if (!n.top_of.empty()) line += " Top Layer of: " + go_list(n.top_of);
    return line;
}

// --whatrequires: the layers built on `node`, as libimage walks them: a layer whose parent has one
// child continues its parent's list; several children each start a branch.
void add_children(const engine::LayerGraph& g, size_t node, Tree& parent) {
    const engine::LayerNode& n = g.nodes[node];
    parent.items.push_back(Tree{layer_line(n), {}});
    bool branch = n.parent && g.nodes[*n.parent].children.size() > 1;
    Tree& into = branch ? parent.items.back() : parent;
    for (size_t child : n.children) add_children(g, child, into);
}

Result<void> image_tree(Context& ctx, const std::string& image, bool what_requires) {
    engine::LayerGraph g = TRY(engine::layer_graph(ctx.store, image));
    Tree tree;
    tree.text = "Image ID: " + g.image.id.substr(0, 12) + "\nTags:     " + go_list(g.tags) +
                "\nSize:     " + tree_size(g.image.size) + (g.top ? "\nImage Layers" : "\nNo Image Layers");
    if (g.top && what_requires) {
        add_children(g, *g.top, tree);
    } else {
        std::vector<size_t> chain;  // top first
        for (std::optional<size_t> n = g.top; n; n = g.nodes[*n].parent) chain.push_back(*n);
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) tree.items.push_back(Tree{layer_line(g.nodes[*it]), {}});
    }
    std::cout << tree.print() << "\n";
    return {};
}

}  // namespace

void add_image_tree(CLI::App& image, Context& ctx) {
    auto* sub = image.add_subcommand("tree", "Prints layer hierarchy of an image in a tree format");
    set_usage(sub, "skiff image tree [options] IMAGE");
    auto what_requires = std::make_shared<bool>(false);
    auto names = std::make_shared<std::vector<std::string>>();
    sub->add_flag("--whatrequires", *what_requires, "Show all child images and layers of the specified image");
    sub->add_option("image", *names)->group("");
    sub->callback([=, &ctx] {
        if (names->size() != 1)
            return finish(ctx, make_error("accepts 1 arg(s), received " + std::to_string(names->size())));
        finish(ctx, image_tree(ctx, names->front(), *what_requires));
    });
}

}  // namespace skiff::cli
