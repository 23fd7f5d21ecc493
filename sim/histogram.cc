#include "sim/histogram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tcpsim::sim {

Histogram::Histogram(std::int64_t highest_trackable, int sub_bucket_bits)
    : highest_trackable_(highest_trackable),
      sub_bucket_bits_(sub_bucket_bits),
      sub_bucket_count_(0),
      top_index_(0) {
  if (sub_bucket_bits < 1 || sub_bucket_bits > kMaxSubBucketBits) {
    throw std::invalid_argument("Histogram: sub_bucket_bits must be in [1, " +
                                std::to_string(kMaxSubBucketBits) + "], got " +
                                std::to_string(sub_bucket_bits));
  }
  if (highest_trackable < 1) {
    throw std::invalid_argument("Histogram: highest_trackable must be at least 1, got " +
                                std::to_string(highest_trackable));
  }
  sub_bucket_count_ = std::uint64_t{1} << sub_bucket_bits;
  top_index_ = index_of(static_cast<std::uint64_t>(highest_trackable));
  pages_.resize((top_index_ >> sub_bucket_bits_) + 1);
}

Histogram::Histogram(const Histogram& other)
    : highest_trackable_(other.highest_trackable_),
      sub_bucket_bits_(other.sub_bucket_bits_),
      sub_bucket_count_(other.sub_bucket_count_),
      top_index_(other.top_index_),
      pages_(other.pages_.size()),
      total_(other.total_),
      overflow_(other.overflow_),
      min_(other.min_),
      max_(other.max_),
      mean_(other.mean_),
      m2_(other.m2_) {
  for (std::size_t p = 0; p < pages_.size(); ++p) {
    if (other.pages_[p]) {
      std::copy_n(other.pages_[p].get(), page_size(p), add_page(p));
    }
  }
}

Histogram& Histogram::operator=(const Histogram& other) {
  if (this != &other) *this = Histogram(other);
  return *this;
}

std::uint64_t* Histogram::add_page(std::size_t page) {
  pages_[page] = std::make_unique<std::uint64_t[]>(page_size(page));
  return pages_[page].get();
}

std::size_t Histogram::table_bytes() { return Histogram().memory_bytes(); }

std::size_t Histogram::pages_spanning(int powers_of_two) {
  const Histogram h;
  return static_cast<std::size_t>(powers_of_two) * h.page_bytes();
}

std::size_t Histogram::memory_bytes() const {
  std::size_t bytes = pages_.capacity() * sizeof(pages_.front());
  for (std::size_t p = 0; p < pages_.size(); ++p) {
    if (pages_[p]) bytes += page_size(p) * sizeof(std::uint64_t);
  }
  return bytes;
}

void Histogram::throw_negative(std::int64_t value) {
  throw std::invalid_argument("Histogram: cannot record negative value " + std::to_string(value));
}

void Histogram::merge(const Histogram& other) {
  if (other.highest_trackable_ != highest_trackable_ ||
      other.sub_bucket_bits_ != sub_bucket_bits_) {
    throw std::invalid_argument("Histogram: cannot merge layouts (highest_trackable " +
                                std::to_string(other.highest_trackable_) + ", sub_bucket_bits " +
                                std::to_string(other.sub_bucket_bits_) +
                                ") into (highest_trackable " + std::to_string(highest_trackable_) +
                                ", sub_bucket_bits " + std::to_string(sub_bucket_bits_) + ")");
  }
  if (other.total_ == 0) return;
  for (std::size_t p = 0; p < pages_.size(); ++p) {
    const std::uint64_t* from = other.pages_[p].get();
    if (from == nullptr) continue;
    std::uint64_t* to = pages_[p] ? pages_[p].get() : add_page(p);
    for (std::size_t j = 0; j < page_size(p); ++j) to[j] += from[j];
  }
  const std::uint64_t n_a = total_;
  const std::uint64_t n_b = other.total_;
  if (n_a == 0) {
    mean_ = other.mean_;
    m2_ = other.m2_;
  } else {
    const auto a = static_cast<long double>(n_a);
    const auto b = static_cast<long double>(n_b);
    const long double delta = other.mean_ - mean_;
    mean_ += delta * b / (a + b);
    m2_ += other.m2_ + delta * delta * a * b / (a + b);
  }
  total_ = n_a + n_b;
  overflow_ += other.overflow_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::reset() {
  for (std::size_t p = 0; p < pages_.size(); ++p) {
    if (pages_[p]) std::fill_n(pages_[p].get(), page_size(p), 0);
  }
  total_ = 0;
  overflow_ = 0;
  min_ = std::numeric_limits<std::int64_t>::max();
  max_ = 0;
  mean_ = 0;
  m2_ = 0;
}

double Histogram::stddev() const {
  if (total_ == 0) return 0.0;
  return static_cast<double>(std::sqrt(std::max(m2_, 0.0L) / static_cast<long double>(total_)));
}

double Histogram::relative_error() const { return std::ldexp(1.0, -sub_bucket_bits_); }

std::int64_t Histogram::percentile(double p) const {
  if (!(p >= 0.0 && p <= 100.0)) {
    throw std::invalid_argument("Histogram: percentile must be in [0, 100], got " +
                                std::to_string(p));
  }
  if (total_ == 0) return 0;
  // p is a double, so p/100 * count can land just above the integer it means
  // (99.9% of 10^6); a relative tolerance far above that error keeps the rank.
  const long double exact = static_cast<long double>(p) / 100.0L * static_cast<long double>(total_);
  const long double ceiled = std::ceil(exact - exact * 1e-14L);
  const std::uint64_t rank = ceiled < 1.0L ? 1 : static_cast<std::uint64_t>(ceiled);
  if (rank <= 1) return min_;
  if (rank >= total_) return max_;
  std::uint64_t seen = 0;
  for (std::size_t page = 0; page < pages_.size(); ++page) {
    if (!pages_[page]) continue;
    for (std::size_t j = 0; j < page_size(page); ++j) {
      seen += pages_[page][j];
      if (seen >= rank) {
        return std::clamp(bucket_highest((page << sub_bucket_bits_) + j), min_, max_);
      }
    }
  }
  return max_;
}

std::vector<Histogram::Bucket> Histogram::buckets() const {
  std::vector<Bucket> out;
  for_each_bucket([&out](const Bucket& b) { out.push_back(b); });
  return out;
}

}  // namespace tcpsim::sim
