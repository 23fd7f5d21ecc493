#include "io/temporary_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace tcpsim::io {
namespace {

namespace fs = std::filesystem;

class TemporaryFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tcpsim-tmpfile-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string touch(const std::string& name) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << "x";
    return path;
  }

  fs::path dir_;
};

TEST_F(TemporaryFileTest, RemovesOnlyTheFilesRegisteredNow) {
  const std::string kept = touch("kept.tmp.1");
  const std::string released = touch("released.tmp.1");
  { const TemporaryFile once(released); }
  std::vector<std::string> removed;
  {
    // More at once than any slot list held before, so that the list grows.
    std::vector<std::optional<TemporaryFile>> registered(40);
    for (std::size_t i = 0; i < registered.size(); ++i) {
      removed.push_back(touch("r" + std::to_string(i) + ".tmp.1"));
      registered[i].emplace(removed.back());
    }
    remove_temporary_files();
  }
  for (const std::string& p : removed) EXPECT_FALSE(fs::exists(p)) << p;
  EXPECT_TRUE(fs::exists(kept));
  EXPECT_TRUE(fs::exists(released));
  const std::string later = touch("later.tmp.1");
  remove_temporary_files();  // every registration has ended
  EXPECT_TRUE(fs::exists(later));
}

TEST(IsTemporaryOf, NamesTheStemDotTmpDotDigits) {
  EXPECT_TRUE(is_temporary_of("study.h5.tmp.123", "study.h5"));
  EXPECT_TRUE(is_temporary_of("run-7.row.h5.tmp.9", "run-7.row.h5"));
  EXPECT_FALSE(is_temporary_of("study.h5.tmp.", "study.h5"));
  EXPECT_FALSE(is_temporary_of("study.h5.tmp.12a", "study.h5"));
  EXPECT_FALSE(is_temporary_of("study.h5", "study.h5"));
  EXPECT_FALSE(is_temporary_of("other.h5.tmp.1", "study.h5"));
  EXPECT_FALSE(is_temporary_of("xstudy.h5.tmp.1", "study.h5"));
}

}  // namespace
}  // namespace tcpsim::io
