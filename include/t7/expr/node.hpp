#pragma once
/// \file node.hpp
/// Expression nodes (DESIGN.md decision 4). `a + b * 2` builds `Binary<Add, Leaf, Binary<Mul,
/// Leaf, Scalar>>`: a small tree that holds its tensors by value (handles, so keeping an
/// expression is safe) and describes the math. Nothing runs until the expression is assigned
/// to a Tensor or `eval()`ed; then evaluate.hpp runs one loop for the whole tree.
///
/// Type rules: two tensors give the wider type (float + double is double; any integer with a
/// floating type is that floating type; int8 + uint8 is int16). A scalar takes the tensor's
/// type (`floatTensor * 2.0` stays float), except a floating scalar with an integer tensor,
/// which gives float. Shapes broadcast as in NumPy.

#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "t7/expr/functors.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {
namespace expr {

template <class E>
auto eval(const E& e);  // evaluate.hpp

template <class X>
inline constexpr bool isCpuTensor = false;
template <class T>
inline constexpr bool isCpuTensor<Tensor<T, CPU>> = true;

/// An expression node (not a Tensor: tensors become leaves when they enter an expression).
template <class E>
concept Node = isNode<std::remove_cvref_t<E>>;

/// Accepts a CPU tensor or a class derived from one (an autograd::Table entry); deduces T.
template <class T>
void asCpuTensor(const Tensor<T, CPU>&);

/// A Tensor (or a class derived from one) or an expression node: what the operators accept.
template <class X>
concept Operand = Node<X> || isCpuTensor<std::remove_cvref_t<X>> || requires(const X& x) { expr::asCpuTensor(x); };

// ---- type promotion ---------------------------------------------------------------------

template <class A, class B>
struct Promote {
  using type = std::conditional_t<
      std::is_same_v<A, B>, A,
      std::conditional_t<
          std::is_floating_point_v<A> || std::is_floating_point_v<B>,
          std::conditional_t<std::is_floating_point_v<A> && std::is_floating_point_v<B>,
                             std::conditional_t<(sizeof(A) >= sizeof(B)), A, B>,
                             std::conditional_t<std::is_floating_point_v<A>, A, B>>,
          std::conditional_t<(sizeof(A) != sizeof(B)), std::conditional_t<(sizeof(A) > sizeof(B)), A, B>,
                             // same size, different signedness: the next wider signed type
                             std::conditional_t<(sizeof(A) == 1), std::int16_t,
                                                std::conditional_t<(sizeof(A) == 2), std::int32_t, std::int64_t>>>>>;
};
template <class A, class B>
using promote_t = typename Promote<A, B>::type;

/// The type a scalar of type S takes next to a tensor of type T.
template <class T, class S>
using scalar_promote_t = std::conditional_t<std::is_integral_v<T> && std::is_floating_point_v<S>, float, T>;

/// Per-leaf pointers and inner strides for one run of the loop; K indexes the leaves.
template <int N>
struct Cursor {
  const char* ptr[N > 0 ? N : 1];
  index_t step[N > 0 ? N : 1];
};

template <class T>
using batch = xsimd::batch<T>;

/// Whether xsimd has a batch for T on the target architecture.
template <class T>
inline constexpr bool hasBatch = FloatingElement<T> && (batch<T>::size > 1);

// ---- leaves -------------------------------------------------------------------------------

/// A tensor inside an expression.
template <Element T>
struct Leaf {
  using value_type = T;
  static constexpr int leaves = 1;
  static constexpr bool simd = hasBatch<T>;
  static constexpr bool intDiv = false;

  Tensor<T> t;

  explicit Leaf(const Tensor<T>& x) : t(x) {
    if (x.dim() == 0) detail::fail<SizeError>("expression: an operand is an empty tensor (no dimension)");
  }
  const Shape& shape() const { return t.sizes(); }
  template <class F>
  void visitLeaves(F&& f) const { f(t); }
  template <int K, int N>
  T load(const Cursor<N>& c, index_t i) const {
    return reinterpret_cast<const T*>(c.ptr[K])[i * c.step[K]];
  }
  /// Elements i .. i+n-1 (n <= batch width) as a batch: one unaligned load when `Unit`
  /// (stride 1, full batch), else gathered (lanes past n are zero and ignored). `Repeat`
  /// (with Unit): the stride may also be 0, an operand broadcast along the loop, whose batch
  /// is its one element repeated (a test per load, so only loops that need it ask for it).
  template <int K, bool Unit, bool Repeat = false, int N>
  batch<T> loadBatch(const Cursor<N>& c, index_t i, index_t n) const {
    const T* p = reinterpret_cast<const T*>(c.ptr[K]);
    if constexpr (Unit) {
      if constexpr (Repeat)
        if (c.step[K] == 0) return batch<T>(*p);
      return batch<T>::load_unaligned(p + i);
    } else {
      alignas(64) T buf[batch<T>::size] = {};
      for (index_t j = 0; j < n; ++j) buf[j] = p[(i + j) * c.step[K]];
      return batch<T>::load_aligned(buf);
    }
  }
  std::string describe() const {
    std::string s = Tensor<T>::typeName();
    s += '[';
    s += t.sizes().toString();
    s += ']';
    return s;
  }
};

/// A number inside an expression, already converted to the type it combines with.
template <class T>
struct Scalar {
  using value_type = T;
  static constexpr int leaves = 0;
  static constexpr bool simd = hasBatch<T>;
  static constexpr bool intDiv = false;

  T value;

  Shape shape() const { return Shape{}; }
  template <class F>
  void visitLeaves(F&&) const {}
  template <int K, int N>
  T load(const Cursor<N>&, index_t) const { return value; }
  template <int K, bool Unit, bool Repeat = false, int N>
  batch<T> loadBatch(const Cursor<N>&, index_t, index_t) const { return batch<T>(value); }
  std::string describe() const { return std::to_string(value); }
};

/// NumPy broadcasting of two shapes; throws SizeError naming both.
inline Shape broadcastShapes(const Shape& a, const Shape& b, const char* op) {
  if (a == b || b.size() == 0) return a;  // the common case; a scalar has no shape
  if (a.size() == 0) return b;
  const int n = std::max(a.size(), b.size());
  Shape r = Shape::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    const int ia = a.size() - n + i, ib = b.size() - n + i;
    const index_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      detail::fail<SizeError>(op, ": shapes ", a.toString(), " and ", b.toString(), " cannot be broadcast together (dimension ",
                              i, ": ", sa, " vs ", sb, ")");
    r[i] = sa == 1 ? sb : sa;
  }
  return r;
}

// ---- nodes --------------------------------------------------------------------------------

/// `Op(a)`, computed in the operand's type.
template <class Op, class A>
struct Unary {
  using value_type = typename A::value_type;
  static constexpr int leaves = A::leaves;
  static constexpr bool simd = A::simd && Op::simd;
  static constexpr bool intDiv = A::intDiv;
  static_assert(!Op::floatingOnly || std::is_floating_point_v<value_type>,
                "this math function is for float and double tensors (as in Torch7): convert with toFloat() first");

  A a;

  Shape shape() const { return a.shape(); }
  template <class F>
  void visitLeaves(F&& f) const { a.visitLeaves(f); }
  template <int K, int N>
  value_type load(const Cursor<N>& c, index_t i) const { return static_cast<value_type>(Op{}(a.template load<K>(c, i))); }
  template <int K, bool Unit, bool Repeat = false, int N>
  batch<value_type> loadBatch(const Cursor<N>& c, index_t i, index_t n) const {
    return Op{}(a.template loadBatch<K, Unit, Repeat>(c, i, n));
  }
  /// A new tensor holding the value (one loop).
  auto eval() const { return expr::eval(*this); }
  std::string describe() const { return std::string(Op::name) + "(" + a.describe() + ")"; }
};

/// `Op(a, b)`, computed in the promoted type of both operands; a comparison's value is 1 or 0
/// as uint8 (a ByteTensor mask).
template <class Op, class A, class B>
struct Binary {
  using compute_type = promote_t<typename A::value_type, typename B::value_type>;
  using value_type = std::conditional_t<op::isPredicate<Op>, std::uint8_t, compute_type>;
  static constexpr int leaves = A::leaves + B::leaves;
  static constexpr bool simd = A::simd && B::simd && Op::simd &&
                               std::is_same_v<typename A::value_type, typename B::value_type>;
  /// Whether evaluating may divide integers by zero (the evaluator then checks the flag).
  static constexpr bool intDiv =
      A::intDiv || B::intDiv || (op::dividesIntegers<Op> && std::is_integral_v<compute_type>);

  A a;
  B b;

  Shape shape() const { return broadcastShapes(a.shape(), b.shape(), Op::name); }
  template <class F>
  void visitLeaves(F&& f) const {
    a.visitLeaves(f);
    b.visitLeaves(f);
  }
  template <int K, int N>
  value_type load(const Cursor<N>& c, index_t i) const {
    return static_cast<value_type>(Op{}(static_cast<compute_type>(a.template load<K>(c, i)),
                                        static_cast<compute_type>(b.template load<K + A::leaves>(c, i))));
  }
  template <int K, bool Unit, bool Repeat = false, int N>
  batch<value_type> loadBatch(const Cursor<N>& c, index_t i, index_t n) const {
    return Op{}(a.template loadBatch<K, Unit, Repeat>(c, i, n), b.template loadBatch<K + A::leaves, Unit, Repeat>(c, i, n));
  }
  /// A new tensor holding the value (one loop).
  auto eval() const { return expr::eval(*this); }
  std::string describe() const { return std::string(Op::name) + "(" + a.describe() + ", " + b.describe() + ")"; }
};

/// `cond ? a : b` elementwise (Torch7 has no `where`; PyTorch's `torch.where`): `cond` is any
/// operand (nonzero is true), `a` and `b` broadcast with it; the value has their promoted type.
template <class C, class A, class B>
struct Where {
  using value_type = promote_t<typename A::value_type, typename B::value_type>;
  static constexpr int leaves = C::leaves + A::leaves + B::leaves;
  static constexpr bool simd = false;
  static constexpr bool intDiv = C::intDiv || A::intDiv || B::intDiv;

  C c;
  A a;
  B b;

  Shape shape() const { return broadcastShapes(c.shape(), broadcastShapes(a.shape(), b.shape(), "where"), "where"); }
  template <class F>
  void visitLeaves(F&& f) const {
    c.visitLeaves(f);
    a.visitLeaves(f);
    b.visitLeaves(f);
  }
  template <int K, int N>
  value_type load(const Cursor<N>& cur, index_t i) const {
    // Both branches are read (cheap, branch-free after inlining); only one is kept.
    const auto x = static_cast<value_type>(a.template load<K + C::leaves>(cur, i));
    const auto y = static_cast<value_type>(b.template load<K + C::leaves + A::leaves>(cur, i));
    return c.template load<K>(cur, i) != typename C::value_type(0) ? x : y;
  }
  /// A new tensor holding the value (one loop).
  auto eval() const { return expr::eval(*this); }
  std::string describe() const { return "where(" + c.describe() + ", " + a.describe() + ", " + b.describe() + ")"; }
};

template <class Op, class A>
inline constexpr bool isNode<Unary<Op, A>> = true;
template <class Op, class A, class B>
inline constexpr bool isNode<Binary<Op, A, B>> = true;
template <class C, class A, class B>
inline constexpr bool isNode<Where<C, A, B>> = true;

/// A tensor or a node as a node.
template <Element T>
Leaf<T> wrap(const Tensor<T>& t) {
  return Leaf<T>(t);
}
template <Node E>
const E& wrap(const E& e) {
  return e;
}
template <class X>
using wrap_t = std::remove_cvref_t<decltype(wrap(std::declval<const X&>()))>;

template <class Op, class X>
auto unary(const X& x) {
  return Unary<Op, wrap_t<X>>{wrap(x)};
}
template <class Op, class X, class Y>
auto binary(const X& x, const Y& y) {
  return Binary<Op, wrap_t<X>, wrap_t<Y>>{wrap(x), wrap(y)};
}
template <class Op, class X, class S>
auto binaryScalarRight(const X& x, S s) {
  using T = scalar_promote_t<typename wrap_t<X>::value_type, S>;
  return Binary<Op, wrap_t<X>, Scalar<T>>{wrap(x), Scalar<T>{static_cast<T>(s)}};
}
template <class Op, class S, class X>
auto binaryScalarLeft(S s, const X& x) {
  using T = scalar_promote_t<typename wrap_t<X>::value_type, S>;
  return Binary<Op, Scalar<T>, wrap_t<X>>{Scalar<T>{static_cast<T>(s)}, wrap(x)};
}

}  // namespace expr

// ---- operators and functions (namespace t7, found by ADL) ---------------------------------

template <class X>
concept ExprOperand = expr::Operand<X>;
template <class S>
concept ScalarOperand = std::is_arithmetic_v<S>;

#define T7_EXPR_BINARY_OPERATOR(sym, Op)                                                                   \
  template <ExprOperand X, ExprOperand Y>                                                                  \
  auto operator sym(const X& x, const Y& y) { return expr::binary<op::Op>(x, y); }                         \
  template <ExprOperand X, ScalarOperand S>                                                                \
  auto operator sym(const X& x, S s) { return expr::binaryScalarRight<op::Op>(x, s); }                     \
  template <ScalarOperand S, ExprOperand X>                                                                \
  auto operator sym(S s, const X& x) { return expr::binaryScalarLeft<op::Op>(s, x); }
T7_EXPR_BINARY_OPERATOR(+, Add)
T7_EXPR_BINARY_OPERATOR(-, Sub)
T7_EXPR_BINARY_OPERATOR(*, Mul)
T7_EXPR_BINARY_OPERATOR(/, Div)
#undef T7_EXPR_BINARY_OPERATOR

template <ExprOperand X>
auto operator-(const X& x) { return expr::unary<op::Neg>(x); }

#define T7_EXPR_UNARY_FUNCTION(fn, Op) \
  template <ExprOperand X>             \
  auto fn(const X& x) { return expr::unary<op::Op>(x); }
T7_EXPR_UNARY_FUNCTION(abs, Abs)
T7_EXPR_UNARY_FUNCTION(neg, Neg)
T7_EXPR_UNARY_FUNCTION(exp, Exp)
T7_EXPR_UNARY_FUNCTION(expm1, Expm1)
T7_EXPR_UNARY_FUNCTION(log, Log)
T7_EXPR_UNARY_FUNCTION(log1p, Log1p)
T7_EXPR_UNARY_FUNCTION(sqrt, Sqrt)
T7_EXPR_UNARY_FUNCTION(rsqrt, Rsqrt)
T7_EXPR_UNARY_FUNCTION(cbrt, Cbrt)
T7_EXPR_UNARY_FUNCTION(sin, Sin)
T7_EXPR_UNARY_FUNCTION(cos, Cos)
T7_EXPR_UNARY_FUNCTION(tan, Tan)
T7_EXPR_UNARY_FUNCTION(asin, Asin)
T7_EXPR_UNARY_FUNCTION(acos, Acos)
T7_EXPR_UNARY_FUNCTION(atan, Atan)
T7_EXPR_UNARY_FUNCTION(sinh, Sinh)
T7_EXPR_UNARY_FUNCTION(cosh, Cosh)
T7_EXPR_UNARY_FUNCTION(tanh, Tanh)
T7_EXPR_UNARY_FUNCTION(sigmoid, Sigmoid)
T7_EXPR_UNARY_FUNCTION(floor, Floor)
T7_EXPR_UNARY_FUNCTION(ceil, Ceil)
T7_EXPR_UNARY_FUNCTION(round, Round)
T7_EXPR_UNARY_FUNCTION(trunc, Trunc)
T7_EXPR_UNARY_FUNCTION(frac, Frac)
T7_EXPR_UNARY_FUNCTION(sign, Sign)
T7_EXPR_UNARY_FUNCTION(cinv, Cinv)
#undef T7_EXPR_UNARY_FUNCTION

#define T7_EXPR_BINARY_FUNCTION(fn, Op)                                                        \
  template <ExprOperand X, ExprOperand Y>                                                      \
  auto fn(const X& x, const Y& y) { return expr::binary<op::Op>(x, y); }                       \
  template <ExprOperand X, ScalarOperand S>                                                    \
  auto fn(const X& x, S s) { return expr::binaryScalarRight<op::Op>(x, s); }                   \
  template <ScalarOperand S, ExprOperand X>                                                    \
  auto fn(S s, const X& x) { return expr::binaryScalarLeft<op::Op>(s, x); }
T7_EXPR_BINARY_FUNCTION(pow, Pow)      // tensor^scalar, scalar^tensor, tensor^tensor
T7_EXPR_BINARY_FUNCTION(atan2, Atan2)
T7_EXPR_BINARY_FUNCTION(cmax, Max)     // with a tensor or a scalar
T7_EXPR_BINARY_FUNCTION(cmin, Min)
T7_EXPR_BINARY_FUNCTION(fmod, Fmod)       // Torch7's fmod (scalar) and cfmod (tensor)
T7_EXPR_BINARY_FUNCTION(remainder, Remainder)  // Torch7's remainder and cremainder
// Comparisons: 1 where true, 0 elsewhere, as uint8 (assign to a ByteTensor for Torch7's mask).
T7_EXPR_BINARY_FUNCTION(lt, Lt)
T7_EXPR_BINARY_FUNCTION(le, Le)
T7_EXPR_BINARY_FUNCTION(gt, Gt)
T7_EXPR_BINARY_FUNCTION(ge, Ge)
T7_EXPR_BINARY_FUNCTION(eq, Eq)
T7_EXPR_BINARY_FUNCTION(ne, Ne)
#undef T7_EXPR_BINARY_FUNCTION

/// `cond ? a : b` elementwise, fused; `a` and `b` are tensors, expressions or numbers.
template <ExprOperand C, ExprOperand X, ExprOperand Y>
auto where(const C& cond, const X& a, const Y& b) {
  using namespace expr;
  return Where<wrap_t<C>, wrap_t<X>, wrap_t<Y>>{wrap(cond), wrap(a), wrap(b)};
}
template <ExprOperand C, ExprOperand X, ScalarOperand S>
auto where(const C& cond, const X& a, S b) {
  using namespace expr;
  using T = scalar_promote_t<typename wrap_t<X>::value_type, S>;
  return Where<wrap_t<C>, wrap_t<X>, Scalar<T>>{wrap(cond), wrap(a), Scalar<T>{static_cast<T>(b)}};
}
template <ExprOperand C, ScalarOperand S, ExprOperand Y>
auto where(const C& cond, S a, const Y& b) {
  using namespace expr;
  using T = scalar_promote_t<typename wrap_t<Y>::value_type, S>;
  return Where<wrap_t<C>, Scalar<T>, wrap_t<Y>>{wrap(cond), Scalar<T>{static_cast<T>(a)}, wrap(b)};
}
template <ExprOperand C, ScalarOperand S1, ScalarOperand S2>
auto where(const C& cond, S1 a, S2 b) {
  using namespace expr;
  using T = std::common_type_t<S1, S2>;
  return Where<wrap_t<C>, Scalar<T>, Scalar<T>>{wrap(cond), Scalar<T>{static_cast<T>(a)}, Scalar<T>{static_cast<T>(b)}};
}

/// Linear interpolation a + w * (b - a), fused (Torch7's `lerp(a, b, weight)`).
template <ExprOperand X, ExprOperand Y, ScalarOperand S>
auto lerp(const X& a, const Y& b, S weight) {
  return a + weight * (b - a);
}

/// min(max(x, lo), hi), fused.
template <ExprOperand X, ScalarOperand S>
auto clamp(const X& x, S lo, S hi) {
  return cmin(cmax(x, lo), hi);
}

}  // namespace t7
