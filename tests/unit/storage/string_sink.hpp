// A ByteSink that keeps what it is given, for the layer export tests.
#pragma once

#include <string>
#include <string_view>

#include "skiff/storage/layer_export.hpp"

namespace skiff::test {

class StringSink : public storage::ByteSink {
public:
    Result<void> write(std::string_view d) override {
        out.append(d);
        return {};
    }
    std::string out;
};

}  // namespace skiff::test
