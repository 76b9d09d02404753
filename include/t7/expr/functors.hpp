#pragma once
/// \file functors.hpp
/// One small functor per elementwise math op. Each has one generic body that works on a
/// scalar and on an xsimd batch (the `using std::f; using xsimd::f;` pair lets overload
/// resolution pick the right one), and says whether its batch form exists (`simd`).

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace t7::op {

// ---- integer safety -----------------------------------------------------------------------
// Integer arithmetic wraps (two's complement) instead of overflowing into undefined
// behaviour, and an integer division or modulo by zero yields 0 and raises this thread's flag;
// the evaluator turns a raised flag into a ValueError once the loop is done.

/// This thread's "integer division by zero" flag (see the evaluator).
inline bool& divisionByZero() {
  thread_local bool flag = false;
  return flag;
}

template <class V>
inline constexpr bool isInteger = std::is_integral_v<V>;

/// Wrapping integer ops: computed in the unsigned type, where overflow is defined.
template <class V, class F>
V wrapping(V a, V b, F f) {
  using U = std::make_unsigned_t<V>;
  return static_cast<V>(f(static_cast<U>(a), static_cast<U>(b)));
}

/// a / b (truncated) or a % b for integers, defined for every input: x / 0 and x % 0 give 0
/// and raise the flag; INT_MIN / -1 wraps to INT_MIN (and INT_MIN % -1 is 0).
template <bool Modulo, class V>
V integerDivide(V a, V b) {
  if (b == V(0)) {
    divisionByZero() = true;
    return V(0);
  }
  if constexpr (std::is_signed_v<V>) {
    if (b == V(-1)) return Modulo ? V(0) : wrapping(V(0), a, [](auto x, auto y) { return x - y; });
  }
  return static_cast<V>(Modulo ? a % b : a / b);
}

// ---- binary -------------------------------------------------------------------------------

struct Add {
  static constexpr const char* name = "add";
  static constexpr bool simd = true;
  template <class V> V operator()(const V& a, const V& b) const {
    if constexpr (isInteger<V>) return wrapping(a, b, [](auto x, auto y) { return x + y; });
    else return a + b;
  }
};
struct Sub {
  static constexpr const char* name = "sub";
  static constexpr bool simd = true;
  template <class V> V operator()(const V& a, const V& b) const {
    if constexpr (isInteger<V>) return wrapping(a, b, [](auto x, auto y) { return x - y; });
    else return a - b;
  }
};
struct Mul {
  static constexpr const char* name = "mul";
  static constexpr bool simd = true;
  template <class V> V operator()(const V& a, const V& b) const {
    // (unsigned short promotes to int, whose product can overflow: widen first)
    if constexpr (isInteger<V>)
      return wrapping(a, b, [](auto x, auto y) { return static_cast<unsigned long long>(x) * y; });
    else return a * b;
  }
};
struct Div {
  static constexpr const char* name = "div";
  static constexpr bool simd = true;
  static constexpr bool integerDivision = true;
  template <class V> V operator()(const V& a, const V& b) const {
    if constexpr (isInteger<V>) return integerDivide<false>(a, b);
    else return a / b;
  }
};
/// C's fmod: the remainder of truncated division, with the sign of the dividend (Torch7's
/// `fmod` / `cfmod`).
struct Fmod {
  static constexpr const char* name = "fmod";
  static constexpr bool simd = true;
  static constexpr bool integerDivision = true;
  template <class V> V operator()(const V& a, const V& b) const {
    if constexpr (isInteger<V>) {
      return integerDivide<true>(a, b);
    } else {
      using std::fmod;
      using xsimd::fmod;
      return fmod(a, b);
    }
  }
};
/// The remainder of floored division, with the sign of the divisor (Torch7's `remainder` /
/// `cremainder`, Python's `%`): a - floor(a / b) * b.
struct Remainder {
  static constexpr const char* name = "remainder";
  static constexpr bool simd = true;
  static constexpr bool integerDivision = true;
  template <class V> V operator()(const V& a, const V& b) const {
    if constexpr (isInteger<V>) {
      V r = integerDivide<true>(a, b);
      if (r != V(0) && ((r < V(0)) != (b < V(0)))) r = static_cast<V>(r + b);
      return r;
    } else {
      using std::floor;
      using xsimd::floor;
      return a - floor(a / b) * b;
    }
  }
};
/// Integer power by squaring (wrapping); a negative exponent gives the truncated result
/// (0 unless |a| is 1; 0^negative is a division by zero).
template <class V>
V integerPow(V a, V b) {
  if (b < V(0)) {
    if (a == V(1)) return V(1);
    if (a == V(-1)) return (b % 2 == 0) ? V(1) : V(-1);
    if (a == V(0)) divisionByZero() = true;
    return V(0);
  }
  using U = std::make_unsigned_t<V>;
  unsigned long long base = static_cast<U>(a), r = 1;
  for (auto e = static_cast<unsigned long long>(b); e != 0; e >>= 1) {
    if (e & 1) r *= base;
    base *= base;
  }
  return static_cast<V>(static_cast<U>(r));
}
struct Pow {
  static constexpr const char* name = "pow";
  static constexpr bool simd = true;
  static constexpr bool integerDivision = true;  // 0 ^ negative
  template <class V> V operator()(const V& a, const V& b) const {
    if constexpr (isInteger<V>) {
      return integerPow(a, b);
    } else {
      using std::pow;
      using xsimd::pow;
      return pow(a, b);
    }
  }
};

/// Comparisons: computed in the operands' promoted type, the result is 1 or 0 (a ByteTensor
/// mask, Torch7's `lt`, `le`, `gt`, `ge`, `eq`, `ne`).
#define T7_PREDICATE_OP(Name, opname, sym)                                       \
  struct Name {                                                                  \
    static constexpr const char* name = opname;                                  \
    static constexpr bool simd = false;                                          \
    static constexpr bool predicate = true;                                      \
    template <class V> bool operator()(const V& a, const V& b) const { return a sym b; } \
  };
T7_PREDICATE_OP(Lt, "lt", <)
T7_PREDICATE_OP(Le, "le", <=)
T7_PREDICATE_OP(Gt, "gt", >)
T7_PREDICATE_OP(Ge, "ge", >=)
T7_PREDICATE_OP(Eq, "eq", ==)
T7_PREDICATE_OP(Ne, "ne", !=)
#undef T7_PREDICATE_OP

/// Traits of an op functor, with defaults for the fields most ops leave out.
template <class Op>
inline constexpr bool isPredicate = requires { requires Op::predicate; };
template <class Op>
inline constexpr bool dividesIntegers = requires { requires Op::integerDivision; };

/// Binary functions with a std:: and an xsimd:: overload of the same name.
#define T7_BINARY_MATH_OP(Name, opname, fn)                            \
  struct Name {                                                        \
    static constexpr const char* name = opname;                        \
    static constexpr bool simd = true;                                 \
    template <class V> V operator()(const V& a, const V& b) const {    \
      using std::fn;                                                   \
      using xsimd::fn;                                                 \
      return fn(a, b);                                                 \
    }                                                                  \
  };
T7_BINARY_MATH_OP(Max, "cmax", max)  // Torch7's cmax
T7_BINARY_MATH_OP(Min, "cmin", min)  // Torch7's cmin
T7_BINARY_MATH_OP(Atan2, "atan2", atan2)
#undef T7_BINARY_MATH_OP

// ---- unary --------------------------------------------------------------------------------

struct Neg {
  static constexpr const char* name = "neg";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = false;
  template <class V> V operator()(const V& a) const {
    if constexpr (isInteger<V>) return wrapping(V(0), a, [](auto x, auto y) { return x - y; });
    else return -a;
  }
};
struct Abs {
  static constexpr const char* name = "abs";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = false;
  template <class V> V operator()(const V& a) const {
    if constexpr (isInteger<V>) return a < V(0) ? wrapping(V(0), a, [](auto x, auto y) { return x - y; }) : a;
    else if constexpr (std::is_arithmetic_v<V>) return a < V(0) ? V(-a) : a;
    else return xsimd::abs(a);
  }
};

/// exp of a number or an xsimd batch, defined for every input. xsimd's batch exp rounds
/// x / ln 2 to an integer; for doubles without AVX-512DQ that conversion is a scalar cast,
/// undefined behaviour (UBSan reports it) for infinities, NaN and magnitudes past 2^63, though
/// the result is then discarded. Such batches are evaluated on 0 where |x| > 1000 (exp is
/// already 0 or inf there) and the answer put back: 0 below, inf above, NaN kept.
template <class V>
V safeExp(const V& a) {
  if constexpr (std::is_arithmetic_v<V>) {
    return std::exp(a);
  } else {
#if !defined(__AVX512DQ__)
    if constexpr (std::is_same_v<typename V::value_type, double>) {
      const V lim(1000);
      const auto inRange = xsimd::abs(a) <= lim;  // false for NaN
      const V r = xsimd::exp(xsimd::select(inRange, a, V(0)));
      const V outside = xsimd::select(a < -lim, V(0), xsimd::select(a > lim, V(std::numeric_limits<double>::infinity()), a));
      return xsimd::select(inRange, r, outside);
    }
#endif
    return xsimd::exp(a);
  }
}

struct Exp {
  static constexpr const char* name = "exp";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const { return safeExp(a); }
};

/// Unary functions of floating-point tensors (Torch7 restricts them to Float and Double).
#define T7_UNARY_FLOAT_OP(Name, fn)                                   \
  struct Name {                                                       \
    static constexpr const char* name = #fn;                          \
    static constexpr bool simd = true;                                \
    static constexpr bool floatingOnly = true;                        \
    template <class V> V operator()(const V& a) const {               \
      using std::fn;                                                  \
      using xsimd::fn;                                                \
      return fn(a);                                                   \
    }                                                                 \
  };
T7_UNARY_FLOAT_OP(Expm1, expm1)
T7_UNARY_FLOAT_OP(Log, log)
T7_UNARY_FLOAT_OP(Log1p, log1p)
T7_UNARY_FLOAT_OP(Sqrt, sqrt)
T7_UNARY_FLOAT_OP(Cbrt, cbrt)
T7_UNARY_FLOAT_OP(Sin, sin)
T7_UNARY_FLOAT_OP(Cos, cos)
T7_UNARY_FLOAT_OP(Tan, tan)
T7_UNARY_FLOAT_OP(Asin, asin)
T7_UNARY_FLOAT_OP(Acos, acos)
T7_UNARY_FLOAT_OP(Atan, atan)
T7_UNARY_FLOAT_OP(Sinh, sinh)
T7_UNARY_FLOAT_OP(Cosh, cosh)
T7_UNARY_FLOAT_OP(Tanh, tanh)
T7_UNARY_FLOAT_OP(Floor, floor)
T7_UNARY_FLOAT_OP(Ceil, ceil)
T7_UNARY_FLOAT_OP(Trunc, trunc)
#undef T7_UNARY_FLOAT_OP

struct Sigmoid {
  static constexpr const char* name = "sigmoid";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    return V(1) / (V(1) + safeExp(V(-a)));
  }
};
struct Rsqrt {
  static constexpr const char* name = "rsqrt";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    using std::sqrt;
    using xsimd::sqrt;
    return V(1) / sqrt(a);
  }
};
struct Cinv {
  static constexpr const char* name = "cinv";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const { return V(1) / a; }
};
/// Round half away from zero (C's round, as Torch7).
struct Round {
  static constexpr const char* name = "round";
  static constexpr bool simd = false;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const { return std::round(a); }
};
struct Frac {
  static constexpr const char* name = "frac";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    using std::trunc;
    using xsimd::trunc;
    return a - trunc(a);
  }
};
struct Sign {
  static constexpr const char* name = "sign";
  static constexpr bool simd = false;
  static constexpr bool floatingOnly = false;
  template <class V> V operator()(const V& a) const { return a > V(0) ? V(1) : (a < V(0) ? V(-1) : V(0)); }
};

}  // namespace t7::op
