// A mergeable log-linear histogram of non-negative int64 values (latencies in
// nanoseconds) in the style of HdrHistogram: bounded relative error, O(1) record.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace tcpsim::sim {

// Layout, with S sub-bucket bits and M = 2^S: every value below 2M has a
// bucket of its own, so small values are recorded exactly; above that, each
// power of two [2^e, 2^(e+1)) is split into M buckets of width 2^(e-S).
// Relative error: values sharing a bucket differ by at most 2^-S times the
// smaller one, so a value reported for a bucket exceeds each value recorded in
// it by at most that fraction of it (1/128, about 0.78%, for the default S = 7).
// Buckets are kept in pages of M, one page per power of two, allocated when a
// value first lands in it: an unused histogram costs a few hundred bytes, and
// recording allocates at most once per page over a histogram's life.
class Histogram {
 public:
  struct Bucket {
    std::int64_t lowest;   // inclusive
    std::int64_t highest;  // inclusive
    std::uint64_t count;
    bool operator==(const Bucket&) const = default;
  };

  static constexpr int kDefaultSubBucketBits = 7;
  static constexpr int kMaxSubBucketBits = 24;

  // Values above `highest_trackable` are recorded in the bucket of
  // `highest_trackable` and counted in overflow(). Throws
  // std::invalid_argument unless highest_trackable >= 1 and
  // 1 <= sub_bucket_bits <= kMaxSubBucketBits.
  explicit Histogram(std::int64_t highest_trackable = std::numeric_limits<std::int64_t>::max(),
                     int sub_bucket_bits = kDefaultSubBucketBits);
  Histogram(const Histogram& other);
  Histogram& operator=(const Histogram& other);
  Histogram(Histogram&&) noexcept = default;
  Histogram& operator=(Histogram&&) noexcept = default;
  ~Histogram() = default;

  // Throws std::invalid_argument for a negative value.
  void record(std::int64_t value, std::uint64_t count = 1) {
    if (value < 0) [[unlikely]]
      throw_negative(value);
    if (count == 0) return;
    std::size_t index = top_index_;
    if (value > highest_trackable_) [[unlikely]] {
      overflow_ += count;
    } else {
      index = index_of(static_cast<std::uint64_t>(value));
    }
    std::uint64_t* page = pages_[index >> sub_bucket_bits_].get();
    if (page == nullptr) [[unlikely]]
      page = add_page(index >> sub_bucket_bits_);
    page[index & (sub_bucket_count_ - 1)] += count;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
    total_ += count;
    const auto x = static_cast<long double>(value);
    const auto c = static_cast<long double>(count);
    const long double delta = x - mean_;
    mean_ += delta * c / static_cast<long double>(total_);
    m2_ += delta * (x - mean_) * c;
  }

  // Adds the other histogram's records. Throws std::invalid_argument unless
  // both have the same highest_trackable and sub_bucket_bits.
  void merge(const Histogram& other);
  // Forgets all records; the layout and the pages stay.
  void reset();

  [[nodiscard]] std::uint64_t count() const { return total_; }
  [[nodiscard]] std::uint64_t overflow() const { return overflow_; }
  // min(), max(), mean() and stddev() are exact (up to long double rounding
  // for the moments) over the values as given, overflowed ones included;
  // all are 0 when the histogram is empty.
  [[nodiscard]] std::int64_t min() const { return total_ == 0 ? 0 : min_; }
  [[nodiscard]] std::int64_t max() const { return max_; }
  [[nodiscard]] double mean() const { return static_cast<double>(mean_); }
  // Population standard deviation.
  [[nodiscard]] double stddev() const;

  // The value of nearest rank ceil(p/100 * count()) (at least 1), for p in
  // [0, 100]: exact for the lowest and the highest rank, otherwise the highest
  // value equivalent to the bucket holding that rank, clamped to
  // [min(), max()]. Ranks in the top bucket saturate there when values
  // overflowed. 0 when empty; throws std::invalid_argument for p outside
  // [0, 100].
  [[nodiscard]] std::int64_t percentile(double p) const;

  [[nodiscard]] std::int64_t highest_trackable() const { return highest_trackable_; }
  [[nodiscard]] int sub_bucket_bits() const { return sub_bucket_bits_; }
  [[nodiscard]] std::size_t bucket_count() const { return top_index_ + 1; }
  // Heap bytes held: the page table and the pages allocated so far.
  [[nodiscard]] std::size_t memory_bytes() const;
  // Heap bytes of a histogram of the default layout: its page table, and the pages it adds
  // once it holds values over `powers_of_two` consecutive powers of two.
  static std::size_t table_bytes();
  static std::size_t pages_spanning(int powers_of_two);
  // Bytes of one page of buckets.
  [[nodiscard]] std::size_t page_bytes() const { return sub_bucket_count_ * sizeof(std::uint64_t); }
  [[nodiscard]] double relative_error() const;

  // Bounds of the bucket that holds `value` in this layout, ignoring the
  // clamping at highest_trackable. `value` must be non-negative.
  [[nodiscard]] std::int64_t lowest_equivalent(std::int64_t value) const {
    return bucket_lowest(index_of(static_cast<std::uint64_t>(value)));
  }
  [[nodiscard]] std::int64_t highest_equivalent(std::int64_t value) const {
    return bucket_highest(index_of(static_cast<std::uint64_t>(value)));
  }

  // Calls fn(const Bucket&) for each non-empty bucket, in increasing order.
  template <typename Fn>
  void for_each_bucket(Fn&& fn) const {
    for (std::size_t p = 0; p < pages_.size(); ++p) {
      if (!pages_[p]) continue;
      for (std::size_t j = 0; j < page_size(p); ++j) {
        const std::size_t i = (p << sub_bucket_bits_) + j;
        const std::uint64_t n = pages_[p][j];
        if (n != 0) fn(Bucket{bucket_lowest(i), bucket_highest(i), n});
      }
    }
  }
  [[nodiscard]] std::vector<Bucket> buckets() const;

 private:
  [[noreturn]] static void throw_negative(std::int64_t value);
  std::uint64_t* add_page(std::size_t page);
  // Buckets in page p: M, or fewer in the last page, which ends at top_index_.
  [[nodiscard]] std::size_t page_size(std::size_t p) const {
    const std::size_t first = p << sub_bucket_bits_;
    return std::min<std::size_t>(sub_bucket_count_, top_index_ + 1 - first);
  }

  [[nodiscard]] std::size_t index_of(std::uint64_t v) const {
    const int shift =
        static_cast<int>(std::bit_width(v | sub_bucket_count_)) - 1 - sub_bucket_bits_;
    return (static_cast<std::size_t>(shift) << sub_bucket_bits_) + (v >> shift);
  }
  [[nodiscard]] int bucket_shift(std::size_t index) const {
    const auto group = static_cast<int>(index >> sub_bucket_bits_);
    return group > 0 ? group - 1 : 0;
  }
  [[nodiscard]] std::int64_t bucket_lowest(std::size_t index) const {
    const int shift = bucket_shift(index);
    const std::uint64_t sub = index - (static_cast<std::size_t>(shift) << sub_bucket_bits_);
    return static_cast<std::int64_t>(sub << shift);
  }
  [[nodiscard]] std::int64_t bucket_highest(std::size_t index) const {
    const int shift = bucket_shift(index);
    return bucket_lowest(index) + static_cast<std::int64_t>((std::uint64_t{1} << shift) - 1);
  }

  std::int64_t highest_trackable_;
  int sub_bucket_bits_;
  std::uint64_t sub_bucket_count_;
  std::size_t top_index_;
  std::vector<std::unique_ptr<std::uint64_t[]>> pages_;  // bucket index >> S; null: all zero
  std::uint64_t total_ = 0;
  std::uint64_t overflow_ = 0;
  std::int64_t min_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_ = 0;
  long double mean_ = 0;
  long double m2_ = 0;
};

}  // namespace tcpsim::sim
