#pragma once
/// \file dtype.hpp
/// Element types of Torch7 and their names.

#include <concepts>
#include <cstdint>
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

/// Floating-point element types (Torch7 restricts transcendental math and most random
/// distributions to these).
template <class T>
concept FloatingElement = std::same_as<T, float> || std::same_as<T, double>;

}  // namespace t7
