// `stats`: resource use of running containers, read from their cgroups (and network counters from
// their network namespace). The CLI formats it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "skiff/base/result.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::engine {

struct ContainerStats {
    std::string id, name;
    uint64_t cpu_ns = 0;        // CPU time used since it started
    double cpu_percent = 0;     // since the previous sample of this sampler (else since it started)
    double avg_cpu_percent = 0; // since it started
    uint64_t memory_used = 0, memory_limit = 0;  // the limit: the host's memory without one
    uint64_t net_rx = 0, net_tx = 0;             // bytes, interfaces other than lo
    uint64_t block_read = 0, block_write = 0;    // bytes
    uint64_t pids = 0;
};

// Samples again and again (`stats` without --no-stream), remembering each container's CPU time.
class StatsSampler {
public:
    explicit StatsSampler(storage::StoreConfig store) : store_(std::move(store)) {}
    // `names` (each must be running), or every running container when empty.
    Result<std::vector<ContainerStats>> sample(const std::vector<std::string>& names);

private:
    struct Sample {
        uint64_t cpu_ns = 0;
        int64_t at_ns = 0;
    };
    storage::StoreConfig store_;
    std::map<std::string, Sample> last_;
};

}  // namespace skiff::engine
