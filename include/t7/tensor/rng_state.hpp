#pragma once
/// \file rng_state.hpp
/// `getRNGState` / `setRNGState`: a generator's whole state as a ByteTensor, laid out byte for
/// byte as Torch7's THGenerator struct on 64-bit Linux (5048 bytes, little-endian), so a
/// state saved by Torch7 restores in t7 and the other way round.

#include <bit>

#include "t7/tensor/tensor.hpp"

namespace t7 {

namespace detail {

/// Offsets of THGenerator's fields on LP64 (the_initial_seed, left, seeded, next, state[624],
/// normal_x, normal_y, normal_rho, normal_is_valid, then 4 bytes of padding).
struct RNGLayout {
  static constexpr index_t initialSeed = 0, left = 8, seeded = 12, next = 16, state = 24;
  static constexpr index_t normalX = state + 8 * Generator::kStateSize, normalY = normalX + 8,
                           normalRho = normalY + 8, normalIsValid = normalRho + 8;
  static constexpr index_t size = normalIsValid + 8;
};
static_assert(RNGLayout::size == 5048, "Torch7's THGenerator is 5048 bytes on LP64");

template <class V>
void putLE(std::uint8_t* p, V v) {
  std::uint64_t u = 0;
  if constexpr (std::is_floating_point_v<V>) u = std::bit_cast<std::uint64_t>(static_cast<double>(v));
  else u = static_cast<std::uint64_t>(v);
  for (std::size_t i = 0; i < sizeof(V); ++i) p[i] = static_cast<std::uint8_t>(u >> (8 * i));
}
template <class V>
V getLE(const std::uint8_t* p) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < sizeof(V); ++i) u |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  if constexpr (std::is_floating_point_v<V>) return std::bit_cast<double>(u);
  else return static_cast<V>(u);
}

}  // namespace detail

/// The state of `g` as Torch7's 5048-byte ByteTensor (`torch.getRNGState(gen)`).
inline ByteTensor getRNGState(Generator& g) {
  using L = detail::RNGLayout;
  const Generator::State s = g.getState();
  ByteTensor r(L::size);
  r.zero();
  std::uint8_t* p = r.data();
  detail::putLE(p + L::initialSeed, s.initialSeed);
  detail::putLE(p + L::left, static_cast<std::int32_t>(s.left));
  detail::putLE(p + L::seeded, static_cast<std::int32_t>(s.seeded));
  detail::putLE(p + L::next, s.next);
  for (int i = 0; i < Generator::kStateSize; ++i) detail::putLE(p + L::state + 8 * i, std::uint64_t{s.mt[i]});
  detail::putLE(p + L::normalX, s.normalX);
  detail::putLE(p + L::normalY, s.normalY);
  detail::putLE(p + L::normalRho, s.normalRho);
  detail::putLE(p + L::normalIsValid, static_cast<std::int32_t>(s.normalIsValid));
  return r;
}
inline ByteTensor getRNGState() { return getRNGState(defaultGenerator()); }

/// Restores `g` from a state made by getRNGState (here or in Torch7). Throws ValueError on
/// a tensor of the wrong size or layout, or bytes that no generator could be in.
inline void setRNGState(Generator& g, const ByteTensor& state) {
  using L = detail::RNGLayout;
  if (state.dim() != 1 || state.nElement() != L::size || !state.isContiguous())
    detail::fail<ValueError>("setRNGState: expects a contiguous 1-D ByteTensor of ", L::size,
                             " bytes, got size ", state.sizes().toString());
  const std::uint8_t* p = state.data();
  Generator::State s;
  s.initialSeed = detail::getLE<std::uint64_t>(p + L::initialSeed);
  s.left = detail::getLE<std::int32_t>(p + L::left);
  s.seeded = detail::getLE<std::int32_t>(p + L::seeded);
  s.next = detail::getLE<std::uint64_t>(p + L::next);
  for (int i = 0; i < Generator::kStateSize; ++i) {
    const auto w = detail::getLE<std::uint64_t>(p + L::state + 8 * i);
    if (w > 0xffffffffu) detail::fail<ValueError>("setRNGState: invalid RNG state (word ", i, " exceeds 32 bits)");
    s.mt[i] = static_cast<std::uint32_t>(w);
  }
  s.normalX = detail::getLE<double>(p + L::normalX);
  s.normalY = detail::getLE<double>(p + L::normalY);
  s.normalRho = detail::getLE<double>(p + L::normalRho);
  s.normalIsValid = detail::getLE<std::int32_t>(p + L::normalIsValid);
  if (s.normalIsValid != 0 && s.normalIsValid != 1)
    detail::fail<ValueError>("setRNGState: invalid RNG state (normal_is_valid = ", s.normalIsValid, ")");
  g.setState(s);
}
inline void setRNGState(const ByteTensor& state) { setRNGState(defaultGenerator(), state); }

}  // namespace t7
