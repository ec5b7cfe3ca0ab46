#pragma once

// A fixture with a fresh embedded state store in a folder of its own, removed afterwards.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "store/state_store.h"

namespace gh::review {

class TempStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gh-review-test-" + std::to_string(std::random_device{}()));
    auto s = store::open_sqlite_store(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s.value());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::StateStore> store_;
};

}  // namespace gh::review
