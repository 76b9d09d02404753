#pragma once
/// \file generator.hpp
/// `Generator`: Torch7's random number generator, reproduced bit for bit.
///
/// A Mersenne Twister (MT19937) seeded as Torch7 seeds it, with Torch7's formulas for every
/// distribution (torch/torch7: lib/TH/THRandom.c). A Torch7 program and a t7 program that call
/// `manualSeed(s)` and then draw the same distributions in the same order get the same numbers.
///
/// Not thread-safe: give each thread its own Generator (every random function takes one).

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

#include "t7/core/error.hpp"

namespace t7 {

class Generator {
 public:
  static constexpr int kStateSize = 624;  ///< MT19937's n
  static constexpr int kShift = 397;      ///< MT19937's m

  /// Everything that determines the future stream: Torch7's THGenerator fields.
  struct State {
    std::uint64_t initialSeed = 0;
    int left = 1;
    int seeded = 0;
    std::uint64_t next = 0;
    std::array<std::uint32_t, kStateSize> mt{};
    double normalX = 0, normalY = 0, normalRho = 0;
    int normalIsValid = 0;
    friend bool operator==(const State&, const State&) = default;
  };

  /// An unseeded generator: it seeds itself from the clock on its first draw, as Torch7 does.
  Generator() = default;
  /// A generator seeded with `seed` (Torch7's `torch.Generator()` + `manualSeed(seed)`).
  explicit Generator(std::uint64_t seed) { manualSeed(seed); }

  /// Restarts the stream from `seed`; also forgets the cached second Gaussian.
  void manualSeed(std::uint64_t seed) {
    s_ = State{};
    s_.initialSeed = seed;
    s_.mt[0] = static_cast<std::uint32_t>(seed & 0xffffffffu);
    for (int j = 1; j < kStateSize; ++j)
      s_.mt[j] = 1812433253u * (s_.mt[j - 1] ^ (s_.mt[j - 1] >> 30)) + static_cast<std::uint32_t>(j);
    s_.left = 1;
    s_.seeded = 1;
  }
  /// Seeds from the clock and the system entropy source; returns the seed used.
  std::uint64_t seed() {
    std::random_device rd;
    const auto now = static_cast<std::uint64_t>(
        std::chrono::high_resolution_clock::now().time_since_epoch().count());
    const std::uint64_t s = (now ^ (static_cast<std::uint64_t>(rd()) << 20)) & 0xffffffffu;
    manualSeed(s);
    return s;
  }
  /// The seed given to the last manualSeed (or chosen by seed()).
  std::uint64_t initialSeed() {
    ensureSeeded();
    return s_.initialSeed;
  }

  /// The whole state (seeding first, from the clock, if nothing has seeded it yet).
  State getState() {
    ensureSeeded();
    return s_;
  }
  /// Restores a state from getState(); throws ValueError on an impossible state.
  void setState(const State& s) {
    // Draws keep left + next == n + 1; left == 1 regenerates on the next draw whatever next is.
    if (s.seeded != 1 || s.left < 1 || s.left > kStateSize || s.next > static_cast<std::uint64_t>(kStateSize) ||
        (s.left != 1 && static_cast<std::uint64_t>(s.left) + s.next != kStateSize + 1))
      detail::fail<ValueError>("Generator::setState: invalid state (left=", s.left, ", next=", s.next, ")");
    s_ = s;
  }

  /// One tempered 32-bit MT19937 output (Torch7's `torch.random()`).
  std::uint32_t random() {
    ensureSeeded();
    if (--s_.left <= 0) nextState();
    std::uint32_t y = s_.mt[s_.next++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
  }

  /// Uniform on [a, b): a + (b - a) * u with u = random() / 2^32.
  double uniform(double a = 0, double b = 1) { return unit() * (b - a) + a; }

  /// Normal by Box-Muller: two uniforms x, y give rho = sqrt(-2 ln(1 - y)); this call returns
  /// rho cos(2 pi x), the next one rho sin(2 pi x).
  double normal(double mean = 0, double stdv = 1) {
    if (!(stdv > 0)) detail::fail<ValueError>("normal: standard deviation must be > 0, got ", stdv);
    if (!s_.normalIsValid) {
      s_.normalX = unit();
      s_.normalY = unit();
      s_.normalRho = std::sqrt(-2.0 * std::log(1.0 - s_.normalY));
      s_.normalIsValid = 1;
    } else {
      s_.normalIsValid = 0;
      return s_.normalRho * std::sin(2.0 * std::numbers::pi * s_.normalX) * stdv + mean;
    }
    return s_.normalRho * std::cos(2.0 * std::numbers::pi * s_.normalX) * stdv + mean;
  }

  /// Exponential with rate lambda: -ln(1 - u) / lambda.
  double exponential(double lambda = 1) { return -1.0 / lambda * std::log(1.0 - unit()); }

  /// Cauchy: median + sigma tan(pi (u - 1/2)).
  double cauchy(double median = 0, double sigma = 1) {
    return median + sigma * std::tan(std::numbers::pi * (unit() - 0.5));
  }

  /// Log-normal: exp(normal(mean, stdv)), so `mean` and `stdv` are those of the underlying
  /// normal (Torch7 master; releases before 2016 converted from the log-normal's own moments).
  double logNormal(double mean = 1, double stdv = 2) {
    if (!(stdv > 0)) detail::fail<ValueError>("logNormal: standard deviation must be > 0, got ", stdv);
    return std::exp(normal(mean, stdv));
  }

  /// Geometric on {1, 2, ...}: floor(ln(1 - u) / ln p) + 1. As in Torch7, `p` is the
  /// probability of going on (NumPy's p is 1 minus this one).
  std::int64_t geometric(double p) {
    if (!(p > 0 && p < 1)) detail::fail<ValueError>("geometric: p must be in (0, 1), got ", p);
    return static_cast<std::int64_t>(std::log(1.0 - unit()) / std::log(p)) + 1;
  }

  /// 1 with probability p.
  bool bernoulli(double p = 0.5) {
    if (!(p >= 0 && p <= 1)) detail::fail<ValueError>("bernoulli: p must be in [0, 1], got ", p);
    return unit() <= p;
  }

 private:
  double unit() { return static_cast<double>(random()) * (1.0 / 4294967296.0); }

  void ensureSeeded() {
    if (!s_.seeded) seed();
  }

  static std::uint32_t twist(std::uint32_t u, std::uint32_t v) {
    const std::uint32_t mix = (u & 0x80000000u) | (v & 0x7fffffffu);
    return (mix >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
  }

  void nextState() {
    auto& m = s_.mt;
    s_.left = kStateSize;
    s_.next = 0;
    int k = 0;
    for (; k < kStateSize - kShift; ++k) m[k] = m[k + kShift] ^ twist(m[k], m[k + 1]);
    for (; k < kStateSize - 1; ++k) m[k] = m[k + kShift - kStateSize] ^ twist(m[k], m[k + 1]);
    m[k] = m[k + kShift - kStateSize] ^ twist(m[k], m[0]);
  }

  State s_;
};

/// The process-wide generator behind `t7::manualSeed`, `rand`, `randn`, `Tensor::uniform`...
inline Generator& defaultGenerator() {
  static Generator g;
  return g;
}

/// Torch7's `torch.manualSeed(s)` on the default generator.
inline void manualSeed(std::uint64_t s) { defaultGenerator().manualSeed(s); }
/// Torch7's `torch.seed()`: seeds the default generator from the clock; returns the seed.
inline std::uint64_t seed() { return defaultGenerator().seed(); }
/// Torch7's `torch.initialSeed()`.
inline std::uint64_t initialSeed() { return defaultGenerator().initialSeed(); }
/// Torch7's `torch.random()`, `torch.uniform()`, `torch.normal()`... on the default generator.
inline std::uint32_t random() { return defaultGenerator().random(); }
inline double uniform(double a = 0, double b = 1) { return defaultGenerator().uniform(a, b); }
inline double normal(double mean = 0, double stdv = 1) { return defaultGenerator().normal(mean, stdv); }

}  // namespace t7
