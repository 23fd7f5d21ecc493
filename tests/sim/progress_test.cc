#include "sim/progress.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tcpsim::sim {
namespace {

// An in-memory FILE* whose contents can be read back.
class MemoryFile {
 public:
  MemoryFile() : file_(open_memstream(&buffer_, &size_)) {}
  ~MemoryFile() {
    std::fclose(file_);
    std::free(buffer_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  [[nodiscard]] std::FILE* get() const { return file_; }
  std::string text() {
    std::fflush(file_);
    return {buffer_, size_};
  }

 private:
  char* buffer_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

class ProgressTest : public ::testing::Test {
 protected:
  Progress make(Time end, bool enabled = true, std::int64_t interval = Progress::kDefaultInterval) {
    return Progress(
        end, out.get(), enabled, [this] { return wall; }, interval);
  }

  MemoryFile out;
  std::int64_t wall = 1'000'000'000'000;  // an arbitrary steady-clock origin
};

TEST_F(ProgressTest, PrintsOnlyOnceAnIntervalHasElapsed) {
  Progress p = make(seconds(120));
  const std::int64_t t0 = wall;
  wall = t0 + milliseconds(999);
  p.beat(seconds(1), 1'000);
  EXPECT_EQ(out.text(), "");

  wall = t0 + seconds(5);
  p.beat(milliseconds(12'500), 16'050'000);
  const std::string first = "\rsim 12.5s/2m (10.4%)  3.21 M events/s  ETA 43s";
  EXPECT_EQ(out.text(), first);

  wall = t0 + seconds(5) + milliseconds(999);
  p.beat(seconds(13), 17'000'000);
  EXPECT_EQ(out.text(), first);

  wall = t0 + seconds(6);
  p.beat(seconds(15), 18'000'000);
  EXPECT_EQ(out.text(), first + "\rsim 15s/2m (12.5%)  3.00 M events/s  ETA 42s  ");
}

TEST_F(ProgressTest, IntervalIsConfigurable) {
  Progress p = make(seconds(10), true, milliseconds(250));
  const std::int64_t t0 = wall;
  wall = t0 + milliseconds(249);
  p.beat(seconds(1), 10);
  EXPECT_EQ(out.text(), "");
  wall = t0 + milliseconds(250);
  p.beat(seconds(1), 10);
  EXPECT_EQ(out.text(), "\rsim 1s/10s (10.0%)  40.0 events/s  ETA 2s");
}

TEST_F(ProgressTest, EtaFollowsTheSimulatedTimeRate) {
  Progress p = make(kHour);
  wall += seconds(10);
  // 5 simulated minutes in 10 wall seconds: 55 minutes left take 110 s.
  p.beat(5 * kMinute, 1'234);
  EXPECT_EQ(out.text(), "\rsim 5m/1h (8.3%)  123 events/s  ETA 1m50s");
}

TEST_F(ProgressTest, EtaInHours) {
  Progress p = make(10 * kHour);
  wall += seconds(1000);
  p.beat(kHour, 2'500'000);
  EXPECT_EQ(out.text(), "\rsim 1h/10h (10.0%)  2.50 k events/s  ETA 2h30m00s");
}

TEST_F(ProgressTest, EtaBeyondOneHundredHours) {
  Progress p = make(1000 * kHour);
  wall += seconds(1);
  p.beat(seconds(1), 1);
  EXPECT_EQ(out.text(), "\rsim 0s/41d16h (0.0%)  1.00 events/s  ETA >100h");
}

TEST_F(ProgressTest, EtaUnknownWithoutSimulatedProgress) {
  Progress p = make(seconds(120));
  wall += seconds(1);
  p.beat(0, 0);
  EXPECT_EQ(out.text(), "\rsim 0s/2m (0.0%)  0 events/s  ETA --");
}

TEST_F(ProgressTest, UnknownEndShowsNoPercentageOrEta) {
  Progress p = make(kTimeMax);
  wall += seconds(2);
  p.beat(12'487'654'321, 5'000);
  EXPECT_EQ(out.text(), "\rsim 12.48s  2.50 k events/s");
}

TEST_F(ProgressTest, ShorterLineOverwritesTheRestOfTheLongerOne) {
  Progress p = make(kHour);
  const std::int64_t t0 = wall;
  wall = t0 + seconds(10);
  p.beat(5 * kMinute, 1'234);
  wall = t0 + seconds(20);
  p.beat(kHour, 2'468);
  EXPECT_EQ(out.text(),
            "\rsim 5m/1h (8.3%)  123 events/s  ETA 1m50s"
            "\rsim 1h/1h (100.0%)  123 events/s  ETA 0s ");
}

TEST_F(ProgressTest, FinishEndsAPrintedLineWithTheFinalState) {
  Progress p = make(seconds(120));
  const std::int64_t t0 = wall;
  wall = t0 + seconds(5);
  p.beat(milliseconds(12'500), 16'050'000);
  wall = t0 + seconds(63);
  p.finish(seconds(120), 189'000'000);
  EXPECT_EQ(out.text(),
            "\rsim 12.5s/2m (10.4%)  3.21 M events/s  ETA 43s"
            "\rsim 2m/2m (100.0%)  3.00 M events/s  in 1m03s \n");
  p.finish(seconds(120), 189'000'000);
  EXPECT_EQ(out.text(),
            "\rsim 12.5s/2m (10.4%)  3.21 M events/s  ETA 43s"
            "\rsim 2m/2m (100.0%)  3.00 M events/s  in 1m03s \n");
}

TEST_F(ProgressTest, FinishPrintsNothingWhenNothingWasShown) {
  Progress p = make(seconds(120));
  wall += milliseconds(500);
  p.beat(seconds(120), 1'000);
  p.finish(seconds(120), 1'000);
  EXPECT_EQ(out.text(), "");
}

TEST_F(ProgressTest, DisabledPrintsNothing) {
  Progress p = make(seconds(120), false);
  for (std::int64_t i = 1; i <= 10; ++i) {
    wall += seconds(5);
    p.beat(seconds(12 * i), 1'000'000U * static_cast<std::uint64_t>(i));
  }
  p.finish(seconds(120), 10'000'000);
  EXPECT_EQ(out.text(), "");
}

TEST_F(ProgressTest, RestartMovesTheBaseline) {
  Progress p = make(seconds(200));
  wall += seconds(100);
  p.restart(seconds(100), 1'000'000);
  wall += seconds(10);
  p.beat(seconds(150), 1'500'000);
  EXPECT_EQ(out.text(), "\rsim 2m30s/3m20s (75.0%)  50.0 k events/s  ETA 10s");
}

TEST_F(ProgressTest, EventRateUsesThreeSignificantDigitsAndSiPrefixes) {
  Progress p = make(kTimeMax, false);
  const std::int64_t t1 = wall + seconds(1);
  EXPECT_EQ(p.status_line(kSecond, 999, t1), "sim 1s  999 events/s");
  EXPECT_EQ(p.status_line(kSecond, 12'345, t1), "sim 1s  12.3 k events/s");
  EXPECT_EQ(p.status_line(kSecond, 999'700, t1), "sim 1s  1.00 M events/s");
  EXPECT_EQ(p.status_line(kSecond, 1'500'000'000, t1), "sim 1s  1.50 G events/s");
  EXPECT_EQ(p.status_line(kSecond, 5, wall + seconds(2)), "sim 1s  2.50 events/s");
}

TEST_F(ProgressTest, LogLinesEndEachBeatWithANewlineAndRedrawNothing) {
  Progress p(
      seconds(120), out.get(), true, [this] { return wall; }, seconds(10), true);
  int beats = 0;
  p.set_detail([&beats] { return "sockets " + std::to_string(1000 * ++beats); });
  const std::int64_t t0 = wall;
  wall = t0 + seconds(9);
  p.beat(seconds(9), 9'000'000);
  EXPECT_EQ(out.text(), "");
  wall = t0 + seconds(10);
  p.beat(seconds(10), 10'000'000);
  wall = t0 + seconds(15);
  p.beat(seconds(15), 15'000'000);
  wall = t0 + seconds(20);
  p.beat(seconds(20), 20'000'000);
  wall = t0 + seconds(25);
  p.finish(seconds(120), 50'000'000);
  EXPECT_EQ(out.text(),
            "sim 10s/2m (8.3%)  1.00 M events/s  sockets 1000  ETA 1m50s\n"
            "sim 20s/2m (16.7%)  1.00 M events/s  sockets 2000  ETA 1m40s\n"
            "sim 2m/2m (100.0%)  2.00 M events/s  sockets 3000  in 25s\n");
}

TEST_F(ProgressTest, DetailStandsBeforeTheEtaOnATerminal) {
  Progress p = make(seconds(100));
  p.set_detail([] { return std::string("sockets 7"); });
  EXPECT_EQ(p.status_line(seconds(50), 500, wall + seconds(5)),
            "sim 50s/1m40s (50.0%)  100 events/s  sockets 7  ETA 5s");
}

TEST_F(ProgressTest, ForStderrConstructs) {
  Progress p = Progress::for_stderr(seconds(1));
  p.finish(seconds(1), 0);
  SUCCEED();
}

}  // namespace
}  // namespace tcpsim::sim
