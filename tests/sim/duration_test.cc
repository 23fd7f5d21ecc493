#include "sim/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tcpsim::sim {
namespace {

constexpr Time kDay = 24 * kHour;

std::string error_of(std::string_view text) {
  std::string error;
  const std::optional<Time> value = parse_duration(text, &error);
  EXPECT_FALSE(value.has_value()) << text << " parsed as " << value.value_or(0);
  return error;
}

TEST(ParseDuration, SingleTerms) {
  EXPECT_EQ(parse_duration("250us"), 250 * kMicrosecond);
  EXPECT_EQ(parse_duration("1.5s"), 1'500'000'000);
  EXPECT_EQ(parse_duration("60s"), seconds(60));
  EXPECT_EQ(parse_duration("2m"), 2 * kMinute);
  EXPECT_EQ(parse_duration("1h"), kHour);
  EXPECT_EQ(parse_duration("0s"), 0);
  EXPECT_EQ(parse_duration("100ms"), milliseconds(100));
  EXPECT_EQ(parse_duration("1.000000001s"), 1'000'000'001);
  EXPECT_EQ(parse_duration("7ns"), 7);
  EXPECT_EQ(parse_duration("1d"), kDay);
  EXPECT_EQ(parse_duration("0ns"), 0);
}

TEST(ParseDuration, MicroSignSpellings) {
  EXPECT_EQ(parse_duration("250\xC2\xB5s"), 250 * kMicrosecond);
  EXPECT_EQ(parse_duration("250\xCE\xBCs"), 250 * kMicrosecond);
}

TEST(ParseDuration, ConcatenatedTerms) {
  EXPECT_EQ(parse_duration("1h30m"), kHour + 30 * kMinute);
  EXPECT_EQ(parse_duration("2m30.5s"), 2 * kMinute + 30 * kSecond + 500 * kMillisecond);
  EXPECT_EQ(parse_duration("1d2h3m4s5ms6us7ns"),
            kDay + 2 * kHour + 3 * kMinute + 4 * kSecond + 5 * kMillisecond + 6 * kMicrosecond + 7);
  EXPECT_EQ(parse_duration("30m1h"), kHour + 30 * kMinute);
  EXPECT_EQ(parse_duration("1s1s"), seconds(2));
}

TEST(ParseDuration, NumberForms) {
  EXPECT_EQ(parse_duration(".5s"), 500 * kMillisecond);
  EXPECT_EQ(parse_duration("5.s"), seconds(5));
  EXPECT_EQ(parse_duration("007s"), seconds(7));
  EXPECT_EQ(parse_duration("1.50000000000000000000000000s"), 1'500'000'000);
  EXPECT_EQ(parse_duration("00000000000000000000000001ns"), 1);
}

TEST(ParseDuration, FractionsOfLargeUnitsAreExact) {
  EXPECT_EQ(parse_duration("0.1h"), 6 * kMinute);
  EXPECT_EQ(parse_duration("1.5m"), seconds(90));
  EXPECT_EQ(parse_duration("0.001us"), 1);
  EXPECT_EQ(parse_duration("0.000001ms"), 1);
  EXPECT_EQ(parse_duration("0.000000001s"), 1);
  EXPECT_EQ(parse_duration("0.5d"), 12 * kHour);
  // A day is 2^16 * 3^3 * 5^11 ns, so 27ns is the smallest decimal fraction of a day.
  EXPECT_EQ(parse_duration("0.0000000000003125d"), 27);
  EXPECT_NE(error_of("0.00000000000003125d").find("not a whole number of nanoseconds"),
            std::string::npos);
}

TEST(ParseDuration, LimitsOfInt64) {
  EXPECT_EQ(parse_duration("9223372036854775807ns"), kTimeMax);
  EXPECT_EQ(parse_duration("9223372036.854775807s"), kTimeMax);
  EXPECT_EQ(parse_duration("106751d23h47m16.854775807s"), kTimeMax);
  EXPECT_EQ(parse_duration("9223372036854775806ns1ns"), kTimeMax);
}

TEST(ParseDuration, EmptyString) { EXPECT_EQ(error_of(""), "invalid duration \"\": empty string"); }

TEST(ParseDuration, MissingUnit) {
  EXPECT_EQ(error_of("60"),
            "invalid duration \"60\": missing unit after \"60\" (one of ns, us, ms, s, m, h, d)");
  EXPECT_EQ(error_of("0"),
            "invalid duration \"0\": missing unit after \"0\" (one of ns, us, ms, s, m, h, d)");
  EXPECT_EQ(error_of("1h30"),
            "invalid duration \"1h30\": missing unit after \"30\" (one of ns, us, ms, s, m, h, d)");
  EXPECT_EQ(error_of("1.5"),
            "invalid duration \"1.5\": missing unit after \"1.5\" (one of ns, us, ms, s, m, h, d)");
}

TEST(ParseDuration, UnknownUnit) {
  EXPECT_EQ(error_of("5x"),
            "invalid duration \"5x\": unknown unit \"x\" (one of ns, us, ms, s, m, h, d)");
  EXPECT_EQ(error_of("5sec"),
            "invalid duration \"5sec\": unknown unit \"sec\" (one of ns, us, ms, s, m, h, d)");
  EXPECT_EQ(error_of("5min"),
            "invalid duration \"5min\": unknown unit \"min\" (one of ns, us, ms, s, m, h, d)");
  EXPECT_EQ(error_of("5S"),
            "invalid duration \"5S\": unknown unit \"S\" (one of ns, us, ms, s, m, h, d)");
  EXPECT_EQ(error_of("1h5y"),
            "invalid duration \"1h5y\": unknown unit \"y\" (one of ns, us, ms, s, m, h, d)");
}

TEST(ParseDuration, Negative) {
  EXPECT_EQ(error_of("-1s"), "invalid duration \"-1s\": negative durations are not allowed");
  EXPECT_EQ(error_of("-0s"), "invalid duration \"-0s\": negative durations are not allowed");
  EXPECT_EQ(error_of("1h-30m"), "invalid duration \"1h-30m\": negative durations are not allowed");
}

TEST(ParseDuration, NoDigits) {
  EXPECT_EQ(error_of("."), "invalid duration \".\": number \".\" has no digits");
  EXPECT_EQ(error_of(".s"), "invalid duration \".s\": number \".\" has no digits");
  EXPECT_EQ(error_of("1s.ms"), "invalid duration \"1s.ms\": number \".\" has no digits");
  EXPECT_EQ(error_of("s"), "invalid duration \"s\": expected a number at \"s\"");
  EXPECT_EQ(error_of("+1s"), "invalid duration \"+1s\": expected a number at \"+1s\"");
  EXPECT_EQ(
      error_of("1..5s"),
      "invalid duration \"1..5s\": missing unit after \"1.\" (one of ns, us, ms, s, m, h, d)");
}

TEST(ParseDuration, Whitespace) {
  for (const std::string_view text : {" 1s", "1s ", "1 s", "1h 30m", "1\ts"}) {
    EXPECT_NE(error_of(text).find("whitespace is not allowed"), std::string::npos) << text;
  }
  EXPECT_EQ(error_of("1\ns"), "invalid duration \"1\\ns\": whitespace is not allowed");
}

TEST(ParseDuration, FinerThanOneNanosecond) {
  EXPECT_EQ(error_of("0.5ns"),
            "invalid duration \"0.5ns\": \"0.5ns\" is not a whole number of "
            "nanoseconds");
  EXPECT_EQ(error_of("1.0000000001s"),
            "invalid duration \"1.0000000001s\": \"1.0000000001s\" is not a whole number of "
            "nanoseconds");
  EXPECT_EQ(error_of("1s0.0001us"),
            "invalid duration \"1s0.0001us\": \"0.0001us\" is not a whole number of nanoseconds");
  EXPECT_NE(error_of("0.0000000000000000000000001s").find("not a whole number of nanoseconds"),
            std::string::npos);
  EXPECT_NE(error_of("1.1ns").find("not a whole number of nanoseconds"), std::string::npos);
}

TEST(ParseDuration, Overflow) {
  const std::string max = "exceeds the maximum duration 106751d23h47m16.854775807s";
  EXPECT_EQ(error_of("9223372036854775808ns"),
            "invalid duration \"9223372036854775808ns\": " + max);
  EXPECT_EQ(error_of("9223372036.854775808s"),
            "invalid duration \"9223372036.854775808s\": " + max);
  EXPECT_EQ(error_of("106752d"), "invalid duration \"106752d\": " + max);
  EXPECT_EQ(error_of("99999999999999999999999999h"),
            "invalid duration \"99999999999999999999999999h\": " + max);
  EXPECT_EQ(error_of("9223372036854775807ns1ns"),
            "invalid duration \"9223372036854775807ns1ns\": " + max);
}

TEST(ParseDuration, ControlCharactersAreEscapedInMessages) {
  EXPECT_EQ(error_of("5\"x"),
            "invalid duration \"5\\\"x\": unknown unit \"\\\"x\" (one of ns, us, ms, s, m, h, d)");
  EXPECT_EQ(error_of(std::string_view("5\x01", 2)),
            "invalid duration \"5\\x01\": unknown unit \"\\x01\" (one of ns, us, ms, s, m, h, d)");
}

TEST(ParseDuration, NullErrorPointerIsAllowed) {
  EXPECT_EQ(parse_duration("60"), std::nullopt);
  EXPECT_EQ(parse_duration("60", nullptr), std::nullopt);
}

TEST(ParseDurationOrThrow, ReturnsValue) {
  EXPECT_EQ(parse_duration_or_throw("1h30m"), kHour + 30 * kMinute);
}

TEST(ParseDurationOrThrow, ThrowsWithMessage) {
  try {
    parse_duration_or_throw("60");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "invalid duration \"60\": missing unit after \"60\" (one of ns, us, ms, s, m, h, "
                 "d)");
  }
}

TEST(FormatDuration, Examples) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(1), "1ns");
  EXPECT_EQ(format_duration(999), "999ns");
  EXPECT_EQ(format_duration(1'000), "1us");
  EXPECT_EQ(format_duration(1'234), "1.234us");
  EXPECT_EQ(format_duration(250'000), "250us");
  EXPECT_EQ(format_duration(1'500'000), "1.5ms");
  EXPECT_EQ(format_duration(1'000'001), "1.000001ms");
  EXPECT_EQ(format_duration(milliseconds(100)), "100ms");
  EXPECT_EQ(format_duration(999'999'999), "999.999999ms");
  EXPECT_EQ(format_duration(kSecond), "1s");
  EXPECT_EQ(format_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(format_duration(1'000'000'001), "1.000000001s");
  EXPECT_EQ(format_duration(seconds(60)), "1m");
  EXPECT_EQ(format_duration(seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(seconds(3600)), "1h");
  EXPECT_EQ(format_duration(seconds(3601)), "1h1s");
  EXPECT_EQ(format_duration(kHour + 30 * kMinute), "1h30m");
  EXPECT_EQ(format_duration(kHour + 250 * kMillisecond), "1h0.25s");
  EXPECT_EQ(format_duration(kDay), "1d");
  EXPECT_EQ(format_duration(2 * kDay + 3 * kHour + 4 * kMinute + 5 * kSecond + 6),
            "2d3h4m5.000000006s");
  EXPECT_EQ(format_duration(kTimeMax), "106751d23h47m16.854775807s");
}

TEST(FormatDuration, Negative) {
  EXPECT_EQ(format_duration(-1), "-1ns");
  EXPECT_EQ(format_duration(-1'500'000'000), "-1.5s");
  EXPECT_EQ(format_duration(-seconds(90)), "-1m30s");
  EXPECT_EQ(format_duration(std::numeric_limits<Time>::min()), "-106751d23h47m16.854775808s");
}

void expect_round_trip(Time t) {
  const std::string text = format_duration(t);
  std::string error;
  const std::optional<Time> back = parse_duration(text, &error);
  ASSERT_TRUE(back.has_value()) << t << " -> " << text << ": " << error;
  ASSERT_EQ(*back, t) << text;
}

TEST(FormatDuration, RoundTripsEdgeCases) {
  const std::vector<Time> units = {1, kMicrosecond, kMillisecond, kSecond, kMinute, kHour, kDay};
  for (const Time u : units) {
    for (const Time k : {Time{1}, Time{2}, Time{9}, Time{10}, Time{59}, Time{60}, Time{999},
                         Time{1000}, Time{1001}}) {
      if (u > kTimeMax / k) {
        continue;
      }
      for (const Time delta : {Time{-1}, Time{0}, Time{1}}) {
        const Time t = u * k + delta;
        if (t >= 0) {
          expect_round_trip(t);
        }
      }
    }
  }
  expect_round_trip(0);
  expect_round_trip(kTimeMax);
  expect_round_trip(kTimeMax - 1);
}

TEST(FormatDuration, RoundTripsRandomValues) {
  std::mt19937_64 rng(20240531);
  for (int i = 0; i < 100'000; ++i) {
    const auto bits = static_cast<Time>(rng() >> 1U);
    // Spread magnitudes over all scales, from nanoseconds to centuries.
    const int shift = static_cast<int>(rng() % 63);
    Time t = bits >> shift;
    // Also exercise values that are whole multiples of the larger units.
    if (i % 4 == 1) {
      t -= t % kMillisecond;
    }
    if (i % 4 == 2) {
      t -= t % kSecond;
    }
    if (i % 4 == 3) {
      t -= t % kMinute;
    }
    expect_round_trip(t);
    if (HasFatalFailure()) {
      return;
    }
  }
}

}  // namespace
}  // namespace tcpsim::sim
