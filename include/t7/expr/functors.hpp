#pragma once
/// \file functors.hpp
/// One small functor per elementwise math op. Each has one generic body that works on a
/// scalar and on an xsimd batch (the `using std::f; using xsimd::f;` pair lets overload
/// resolution pick the right one), and says whether its batch form exists (`simd`).

#include <algorithm>
#include <cmath>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace t7::op {

// ---- binary -------------------------------------------------------------------------------

struct Add {
  static constexpr const char* name = "add";
  static constexpr bool simd = true;
  template <class V> V operator()(const V& a, const V& b) const { return a + b; }
};
struct Sub {
  static constexpr const char* name = "sub";
  static constexpr bool simd = true;
  template <class V> V operator()(const V& a, const V& b) const { return a - b; }
};
struct Mul {
  static constexpr const char* name = "mul";
  static constexpr bool simd = true;
  template <class V> V operator()(const V& a, const V& b) const { return a * b; }
};
struct Div {
  static constexpr const char* name = "div";
  static constexpr bool simd = true;
  template <class V> V operator()(const V& a, const V& b) const { return a / b; }
};
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
T7_BINARY_MATH_OP(Pow, "pow", pow)
T7_BINARY_MATH_OP(Atan2, "atan2", atan2)
#undef T7_BINARY_MATH_OP

// ---- unary --------------------------------------------------------------------------------

struct Neg {
  static constexpr const char* name = "neg";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = false;
  template <class V> V operator()(const V& a) const { return -a; }
};
struct Abs {
  static constexpr const char* name = "abs";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = false;
  template <class V> V operator()(const V& a) const {
    if constexpr (std::is_arithmetic_v<V>) return a < V(0) ? V(-a) : a;
    else return xsimd::abs(a);
  }
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
T7_UNARY_FLOAT_OP(Exp, exp)
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
    using std::exp;
    using xsimd::exp;
    return V(1) / (V(1) + exp(-a));
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
