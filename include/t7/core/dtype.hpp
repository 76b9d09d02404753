#pragma once
/// \file dtype.hpp
/// Element types of Torch7 and their names.

#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace t7 {

/// The element types a Tensor can hold: Torch7's Byte, Char, Short, Int, Long, Float, Double.
template <class T>
concept Element = std::same_as<T, float> || std::same_as<T, double> ||
                  std::same_as<T, std::int8_t> || std::same_as<T, std::uint8_t> ||
                  std::same_as<T, std::int16_t> || std::same_as<T, std::int32_t> ||
                  std::same_as<T, std::int64_t>;

/// Torch7's name of each element type: TypeName<float>::value == "Float".
template <class T>
struct TypeName;
template <> struct TypeName<float> { static constexpr const char* value = "Float"; };
template <> struct TypeName<double> { static constexpr const char* value = "Double"; };
template <> struct TypeName<std::int8_t> { static constexpr const char* value = "Char"; };
template <> struct TypeName<std::uint8_t> { static constexpr const char* value = "Byte"; };
template <> struct TypeName<std::int16_t> { static constexpr const char* value = "Short"; };
template <> struct TypeName<std::int32_t> { static constexpr const char* value = "Int"; };
template <> struct TypeName<std::int64_t> { static constexpr const char* value = "Long"; };

/// Converts between element types with defined results where C++ leaves them undefined:
/// a floating value stored into an integer type is truncated toward zero and saturated to
/// the type's range, and NaN becomes 0 (Torch7's C cast is undefined there).
template <class T, class U>
constexpr T convert(U x) {
  if constexpr (std::is_integral_v<T> && std::is_floating_point_v<U>) {
    if (x != x) return T(0);
    if (x <= static_cast<U>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (x >= static_cast<U>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(x);
  } else {
    return static_cast<T>(x);
  }
}

/// Floating-point element types (Torch7 restricts transcendental math and most random
/// distributions to these).
template <class T>
concept FloatingElement = std::same_as<T, float> || std::same_as<T, double>;

}  // namespace t7
