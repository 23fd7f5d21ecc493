#include "models/tcp/timer_wheel.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "sim/random_stream.h"
#include "sim/time.h"

namespace tcpsim::tcp {
namespace {

using sim::kSecond;
using sim::milliseconds;
using sim::seconds;

TEST(TimerWheel, HzZeroIsExact) {
  const TimerWheel exact(0);
  EXPECT_EQ(exact.expiry(seconds(3) + 17, seconds(60)), seconds(63) + 17);
  EXPECT_EQ(exact.expiry(0, 0), 0);
}

// 60 s at HZ=250 is 15,000 jiffies: level 3 (4,032 to 32,255 jiffies), buckets of 512 jiffies
// (2.048 s). calc_index() rounds 15,000 up past itself: bucket 30, 61.44 s.
TEST(TimerWheel, SixtySecondsAtHz250EndOnTheNext2048MsBoundary) {
  const TimerWheel wheel(250);
  EXPECT_EQ(wheel.expiry(0, seconds(60)), milliseconds(61'440));
  EXPECT_EQ(wheel.expiry(milliseconds(3), seconds(60)), milliseconds(61'440));  // jiffy 0
  // At 2.5 s (jiffy 625) it expires at jiffy 15,625, in bucket 31: 63.488 s.
  EXPECT_EQ(wheel.expiry(milliseconds(2'500), seconds(60)), milliseconds(63'488));
  // An expiry already on a boundary still moves a whole bucket on: never early.
  EXPECT_EQ(wheel.expiry(milliseconds(1'440), seconds(60)), milliseconds(63'488));
}

// The lifetimes linux-tcp.md measured: 60 s TIME_WAITs in (60, 62.05] s at HZ=250, in
// batches on 2.048-s boundaries; 10-s orphaned FIN_WAIT_2 in (10, 10.26] s (256 ms buckets);
// HZ=1000 rounds 60 s to 4.096 s, HZ=100 to 5.12 s.
TEST(TimerWheel, LifetimesAndBatchesFollowTheLevelOfTheTimeout) {
  struct Case {
    std::uint32_t hz;
    sim::Time timeout;
    sim::Time granule;
  };
  for (const Case c :
       {Case{250, seconds(60), milliseconds(2'048)}, Case{250, seconds(10), milliseconds(256)},
        Case{250, seconds(3), milliseconds(256)},
        Case{250, seconds(2), milliseconds(32)},  // 500 jiffies: level 1
        Case{250, milliseconds(200), milliseconds(4)}, Case{1000, seconds(60), milliseconds(4'096)},
        Case{100, seconds(60), milliseconds(5'120)}}) {
    SCOPED_TRACE(testing::Message() << c.hz << " Hz, " << c.timeout << " ns");
    const TimerWheel wheel(c.hz);
    sim::RandomStream rng(7, c.hz);
    sim::Time longest = 0;
    sim::Time shortest = sim::kTimeMax;
    for (int i = 0; i < 20'000; ++i) {
      const auto now = static_cast<sim::Time>(rng.next_u64() % (3600 * kSecond));
      const sim::Time at = wheel.expiry(now, c.timeout);
      ASSERT_GT(at, now + c.timeout) << now;
      ASSERT_LE(at, now + c.timeout + c.granule) << now;
      ASSERT_EQ(at % c.granule, 0) << now;
      longest = std::max(longest, at - now);
      shortest = std::min(shortest, at - now);
    }
    // The whole range is reached: a tick above the timeout to a granule above it.
    EXPECT_LE(shortest, c.timeout + sim::kSecond / c.hz);
    EXPECT_GE(longest, c.timeout + c.granule - sim::kSecond / c.hz);
  }
}

TEST(TimerWheel, ExpiriesKeepTheOrderOfTheirStarts) {
  const TimerWheel wheel(250);
  sim::Time last = 0;
  for (sim::Time now = 0; now < seconds(30); now += milliseconds(1) + 7) {
    const sim::Time at = wheel.expiry(now, seconds(60));
    ASSERT_GE(at, last) << now;
    last = at;
  }
}

// Beyond the last level's reach (63 x 8^8 jiffies, about 49 days at HZ=250) the kernel cuts
// the timeout to the wheel's capacity, WHEEL_TIMEOUT_MAX.
TEST(TimerWheel, TimeoutsBeyondTheWheelAreCutToItsCapacity) {
  const TimerWheel wheel(250);
  constexpr std::uint64_t kLastGranule = std::uint64_t{1} << 24U;  // jiffies
  const sim::Time jiffy = milliseconds(4);
  const auto max_jiffies = (63 * kLastGranule) - kLastGranule;
  const sim::Time cut = wheel.expiry(0, 100 * 24 * 3600 * kSecond);
  EXPECT_EQ(cut, static_cast<sim::Time>((max_jiffies / kLastGranule + 1) * kLastGranule) * jiffy);
  EXPECT_EQ(wheel.expiry(0, 200 * 24 * 3600 * kSecond), cut);
}

// A jiffy that is no whole number of nanoseconds (HZ=300: 3.33 ms) is still never early.
TEST(TimerWheel, HzThatDoesNotDivideASecond) {
  const TimerWheel wheel(300);
  // 60 s = 18,000 jiffies: level 3, 512-jiffy buckets; from jiffy 0, bucket 36 = 18,432
  // jiffies = 61.44 s.
  EXPECT_EQ(wheel.expiry(0, seconds(60)), milliseconds(61'440));
  for (sim::Time now = 1; now < seconds(5); now += milliseconds(7) + 3) {
    ASSERT_GT(wheel.expiry(now, seconds(60)), now + seconds(60));
  }
}

}  // namespace
}  // namespace tcpsim::tcp
