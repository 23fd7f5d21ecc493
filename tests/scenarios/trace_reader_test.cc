// Arrival traces: what reads, and every kind of bad line named with file:line.

#include "scenarios/trace_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tcpsim::scenarios {
namespace {

using ::testing::ElementsAre;

class TraceFile : public ::testing::Test {
 protected:
  ~TraceFile() override { std::filesystem::remove(path_); }

  TraceRead read(const std::string& text) {
    std::ofstream(path_) << text;
    return read_arrival_trace(path_);
  }
  [[nodiscard]] std::string at(int line, const std::string& message) const {
    return path_ + ":" + std::to_string(line) + ": " + message;
  }

  std::string path_ = (std::filesystem::temp_directory_path() /
                       ("trace_reader_test." + std::to_string(::getpid()) + ".csv"))
                          .string();
};

TEST_F(TraceFile, ReadsOneNumberPerLineOrTheTimeColumn) {
  EXPECT_THAT(read("0\n0.5\n\n0.5\n2\n").times,
              ElementsAre(0, sim::kSecond / 2, sim::kSecond / 2, 2 * sim::kSecond));
  const TraceRead with_header = read("id,time_s\na,1\nb,3.25\n");
  EXPECT_TRUE(with_header.problems.empty());
  EXPECT_THAT(with_header.times, ElementsAre(sim::kSecond, 3'250'000'000));
}

TEST_F(TraceFile, NamesEveryBadLine) {
  const TraceRead r = read("1\nsoon\nnan\ninf\n-1\n1e300\n0.5\n2,3\n");
  EXPECT_THAT(r.problems,
              ElementsAre(at(2, "\"soon\" is not a number of seconds"),
                          at(3, "nan is not a time in [0, 100 years) of seconds"),
                          at(4, "inf is not a time in [0, 100 years) of seconds"),
                          at(5, "-1 is not a time in [0, 100 years) of seconds"),
                          at(6, "1e300 is not a time in [0, 100 years) of seconds"),
                          at(7,
                             "0.5 comes before the previous arrival (1): times must not "
                             "decrease"),
                          at(8, "2 columns: without a header line, each line holds one number")));
  EXPECT_THAT(r.times, ElementsAre(sim::kSecond));
}

TEST_F(TraceFile, NamesAMissingColumn) {
  EXPECT_THAT(read("id,time_s\na\nb,1\n").problems,
              ElementsAre(at(2, "no column 2 (time_s) on this line")));
  EXPECT_THAT(read("id,when\n1\n").problems,
              ElementsAre(at(1, "a header line needs a \"time_s\" column")));
}

TEST(TraceReader, NamesAFileItCannotRead) {
  EXPECT_THAT(read_arrival_trace("/nonexistent/trace.csv").problems,
              ElementsAre("/nonexistent/trace.csv: cannot read the file"));
}

}  // namespace
}  // namespace tcpsim::scenarios
