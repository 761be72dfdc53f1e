// The codec of layer.json, the record beside a layer's diff/: its diff id, size and the blobs known
// to carry it. Private to storage.
#pragma once

#include <string>
#include <string_view>

#include "skiff/base/result.hpp"
#include "skiff/storage/layers.hpp"

namespace skiff::storage {

std::string layer_json(const LayerInfo& info);
// The record of layer `diff_id` from layer.json's text.
Result<LayerInfo> parse_layer_json(const std::string& diff_id, std::string_view text);

}  // namespace skiff::storage
