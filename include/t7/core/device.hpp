#pragma once
/// \file device.hpp
/// Devices are types (DESIGN.md decision 10): `Tensor<float, CPU>` lives in host memory,
/// `Tensor<float, CUDA>` in GPU memory (implemented by the optional t7::cuda library).

#include <concepts>
#include <cstddef>
#include <new>

#include "t7/core/config.hpp"
#include "t7/core/error.hpp"

namespace t7 {

/// Host memory. Buffers are 64-byte aligned.
struct CPU {
  static constexpr const char* name = "CPU";

  static void* allocate(std::size_t bytes) {
    if (bytes == 0) return nullptr;
    return ::operator new(bytes, std::align_val_t{kAlignment});
  }
  static void deallocate(void* p) noexcept {
    if (p) ::operator delete(p, std::align_val_t{kAlignment});
  }
};

/// GPU memory; its allocator and kernels come from t7/cuda (not part of the CPU build).
struct CUDA {
  static constexpr const char* name = "CUDA";
};

/// A device type usable as the memory of a Storage.
template <class D>
concept Device = requires {
  { D::name } -> std::convertible_to<const char*>;
};

}  // namespace t7
