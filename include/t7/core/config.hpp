#pragma once
/// \file config.hpp
/// Version, limits and small portability macros shared by every t7 header.

#include <cstdint>

#define T7_VERSION_MAJOR 0
#define T7_VERSION_MINOR 1
#define T7_VERSION_PATCH 0

/// Largest rank a Tensor can have. Sizes and strides live inline in the handle (no heap),
/// so this is a compile-time capacity; define it before including t7 to change it.
#ifndef T7_MAX_DIMS
#define T7_MAX_DIMS 16
#endif

#if defined(__GNUC__) || defined(__clang__)
#define T7_COLD __attribute__((cold, noinline))
#else
#define T7_COLD
#endif

/// Internal invariants (never user input) are checked in debug builds only.
#ifndef NDEBUG
#include <cassert>
#define T7_DEBUG_ASSERT(x) assert(x)
#else
#define T7_DEBUG_ASSERT(x) ((void)0)
#endif

namespace t7 {

/// Sizes, strides, offsets and indices: Torch7's `long`.
using index_t = std::int64_t;

inline constexpr int kMaxDims = T7_MAX_DIMS;
static_assert(kMaxDims >= 8, "T7_MAX_DIMS must be at least 8 (Torch7 code uses up to 8 dims)");

/// Alignment of every buffer t7 allocates (one cache line, enough for AVX-512 loads).
inline constexpr std::size_t kAlignment = 64;

}  // namespace t7
