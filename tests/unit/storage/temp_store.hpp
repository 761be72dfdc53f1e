// A private store in a fresh temporary directory, removed with everything in it at the end of a test.
#pragma once

#include <stdlib.h>

#include <string>

#include "skiff/base/fs.hpp"
#include "skiff/storage/store.hpp"

namespace skiff::test {

class TempStore {
public:
    TempStore() {
        char tmpl[] = "/tmp/skiff-unit-storage.XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        config.root = dir_ + "/root";
        config.runroot = dir_ + "/runroot";
        (void)fs::mkdir_p(config.root);
        (void)fs::mkdir_p(config.runroot);
        (void)fs::mkdir_p(dir_ + "/outside");
    }
    ~TempStore() { (void)fs::remove_all(dir_); }
    TempStore(const TempStore&) = delete;
    TempStore& operator=(const TempStore&) = delete;

    const std::string& dir() const { return dir_; }
    // A directory beside the store: a layer that escaped would write here.
    std::string outside() const { return dir_ + "/outside"; }

    storage::StoreConfig config;

private:
    std::string dir_;
};

}  // namespace skiff::test
