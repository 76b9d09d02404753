#pragma once
/// \file var_expr.hpp
/// Elementwise expressions of Vars, recorded as one fused node (DESIGN.md decision 7).
///
/// `tanh(x * W + b)` builds `Expr<Unary<Tanh, Binary<Add, Binary<Mul, VLeaf, VLeaf>, VLeaf>>>`:
/// t7's own expression nodes (expr/node.hpp) whose tracked leaves also know their tape
/// nodes. Making a Var of it evaluates it in one loop (expr::eval) and records one
/// `FusedNode`. Its backward builds, at compile time, the adjoint of each leaf: the output
/// gradient times the derivative of every node on the path from the root down to that leaf
/// (`adjoint<K>`), itself an expression of the same leaves, and accumulates it into the
/// leaf's gradient in one loop. No intermediate value of the forward pass is stored and no
/// temporary is made per operator: what the backward needs of the forward (`tanh(...)`, `b`)
/// is recomputed inside that loop, where it costs arithmetic, not memory traffic.

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <utility>

#include "t7/autograd/var.hpp"

namespace t7::autograd {

namespace detail {

// ---- derivative functors (f'(a) in one pass where the derivative repeats a subexpression) ---

/// 1 - tanh(a)^2
struct TanhGrad {
  static constexpr const char* name = "tanh'";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    using std::tanh;
    using xsimd::tanh;
    const V t = tanh(a);
    return V(1) - t * t;
  }
};
/// sigmoid(a) * (1 - sigmoid(a))
struct SigmoidGrad {
  static constexpr const char* name = "sigmoid'";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    const V s = op::Sigmoid{}(a);
    return s * (V(1) - s);
  }
};
/// 1 + tan(a)^2
struct TanGrad {
  static constexpr const char* name = "tan'";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    using std::tan;
    using xsimd::tan;
    const V t = tan(a);
    return V(1) + t * t;
  }
};
/// The derivatives of the three above (second-order gradients): -2 tanh (1 - tanh^2),
/// s (1 - s) (1 - 2 s), 2 tan (1 + tan^2).
struct TanhGrad2 {
  static constexpr const char* name = "tanh''";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    using std::tanh;
    using xsimd::tanh;
    const V t = tanh(a);
    return V(-2) * t * (V(1) - t * t);
  }
};
struct SigmoidGrad2 {
  static constexpr const char* name = "sigmoid''";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    const V s = op::Sigmoid{}(a);
    return s * (V(1) - s) * (V(1) - V(2) * s);
  }
};
struct TanGrad2 {
  static constexpr const char* name = "tan''";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = true;
  template <class V> V operator()(const V& a) const {
    using std::tan;
    using xsimd::tan;
    const V t = tan(a);
    return V(2) * t * (V(1) + t * t);
  }
};
/// a * a
struct Square {
  static constexpr const char* name = "square";
  static constexpr bool simd = true;
  static constexpr bool floatingOnly = false;
  template <class V> V operator()(const V& a) const { return a * a; }
};

/// No contribution (the derivative of floor, sign, a comparison...).
struct Zero {};

template <class Op, class X, class Y>
auto bin(const X& x, const Y& y) {
  return expr::Binary<Op, X, Y>{x, y};
}
template <class Op, class X>
auto un(const X& x) {
  return expr::Unary<Op, X>{x};
}
template <class G>
auto sc(double v) {
  using V = typename G::value_type;
  return expr::Scalar<V>{static_cast<V>(v)};
}
template <class G>
auto zeroLike() {
  return sc<G>(0);
}

// ---- local derivatives: g times d op / d operand ---------------------------------------------

/// `UnaryGrad<Op>::d(a, g)`: g * Op'(a).
template <class Op>
struct UnaryGrad;

#define T7_UNARY_GRAD(Op, body)                      \
  template <>                                        \
  struct UnaryGrad<Op> {                             \
    template <class A, class G>                      \
    static auto d([[maybe_unused]] const A& a, [[maybe_unused]] const G& g) { return body; } \
  };
T7_UNARY_GRAD(op::Neg, un<op::Neg>(g))
T7_UNARY_GRAD(op::Abs, bin<op::Mul>(g, un<op::Sign>(a)))
T7_UNARY_GRAD(op::Exp, bin<op::Mul>(g, un<op::Exp>(a)))
T7_UNARY_GRAD(op::Expm1, bin<op::Mul>(g, un<op::Exp>(a)))
T7_UNARY_GRAD(op::Log, bin<op::Div>(g, a))
T7_UNARY_GRAD(op::Log1p, bin<op::Div>(g, bin<op::Add>(a, sc<G>(1))))
T7_UNARY_GRAD(op::Sqrt, bin<op::Div>(bin<op::Mul>(g, sc<G>(0.5)), un<op::Sqrt>(a)))
T7_UNARY_GRAD(op::Rsqrt, bin<op::Mul>(g, bin<op::Div>(bin<op::Mul>(sc<G>(-0.5), un<op::Rsqrt>(a)), a)))
T7_UNARY_GRAD(op::Cbrt, bin<op::Div>(g, bin<op::Mul>(sc<G>(3), un<Square>(un<op::Cbrt>(a)))))
T7_UNARY_GRAD(op::Sin, bin<op::Mul>(g, un<op::Cos>(a)))
T7_UNARY_GRAD(op::Cos, bin<op::Mul>(g, un<op::Neg>(un<op::Sin>(a))))
T7_UNARY_GRAD(op::Tan, bin<op::Mul>(g, un<TanGrad>(a)))
T7_UNARY_GRAD(op::Asin, bin<op::Mul>(g, un<op::Rsqrt>(bin<op::Sub>(sc<G>(1), un<Square>(a)))))
T7_UNARY_GRAD(op::Acos, bin<op::Mul>(un<op::Neg>(g), un<op::Rsqrt>(bin<op::Sub>(sc<G>(1), un<Square>(a)))))
T7_UNARY_GRAD(op::Atan, bin<op::Div>(g, bin<op::Add>(sc<G>(1), un<Square>(a))))
T7_UNARY_GRAD(op::Sinh, bin<op::Mul>(g, un<op::Cosh>(a)))
T7_UNARY_GRAD(op::Cosh, bin<op::Mul>(g, un<op::Sinh>(a)))
T7_UNARY_GRAD(op::Tanh, bin<op::Mul>(g, un<TanhGrad>(a)))
T7_UNARY_GRAD(op::Sigmoid, bin<op::Mul>(g, un<SigmoidGrad>(a)))
T7_UNARY_GRAD(op::Cinv, bin<op::Div>(un<op::Neg>(g), un<Square>(a)))
T7_UNARY_GRAD(op::Frac, g)
T7_UNARY_GRAD(op::Floor, Zero{})
T7_UNARY_GRAD(op::Ceil, Zero{})
T7_UNARY_GRAD(op::Round, Zero{})
T7_UNARY_GRAD(op::Trunc, Zero{})
T7_UNARY_GRAD(op::Sign, Zero{})
// the derivative functors themselves (what a second-order gradient differentiates)
T7_UNARY_GRAD(TanhGrad, bin<op::Mul>(g, un<TanhGrad2>(a)))
T7_UNARY_GRAD(SigmoidGrad, bin<op::Mul>(g, un<SigmoidGrad2>(a)))
T7_UNARY_GRAD(TanGrad, bin<op::Mul>(g, un<TanGrad2>(a)))
T7_UNARY_GRAD(Square, bin<op::Mul>(g, bin<op::Mul>(sc<G>(2), a)))
#undef T7_UNARY_GRAD

/// `BinaryGrad<Op>::da(a, b, g)` and `db`: g * d Op / d a, d b.
template <class Op>
struct BinaryGrad {
  static_assert(op::isPredicate<Op>, "autograd: no derivative is defined for this elementwise operation");
  template <class A, class B, class G>
  static Zero da(const A&, const B&, const G&) { return {}; }
  template <class A, class B, class G>
  static Zero db(const A&, const B&, const G&) { return {}; }
};

#define T7_BINARY_GRAD(Op, bodyA, bodyB)                                                              \
  template <>                                                                                         \
  struct BinaryGrad<op::Op> {                                                                         \
    template <class A, class B, class G>                                                              \
    static auto da([[maybe_unused]] const A& a, [[maybe_unused]] const B& b, const G& g) { return bodyA; } \
    template <class A, class B, class G>                                                              \
    static auto db([[maybe_unused]] const A& a, [[maybe_unused]] const B& b, const G& g) { return bodyB; } \
  };
T7_BINARY_GRAD(Add, g, g)
T7_BINARY_GRAD(Sub, g, un<op::Neg>(g))
T7_BINARY_GRAD(Mul, bin<op::Mul>(g, b), bin<op::Mul>(g, a))
T7_BINARY_GRAD(Div, bin<op::Div>(g, b), bin<op::Mul>(un<op::Neg>(g), bin<op::Div>(a, un<Square>(b))))
T7_BINARY_GRAD(Pow, bin<op::Mul>(g, bin<op::Mul>(b, bin<op::Pow>(a, bin<op::Sub>(b, sc<G>(1))))),
               bin<op::Mul>(g, bin<op::Mul>(bin<op::Pow>(a, b), un<op::Log>(a))))
T7_BINARY_GRAD(Max, (expr::Where<expr::Binary<op::Ge, A, B>, G, decltype(zeroLike<G>())>{bin<op::Ge>(a, b), g, zeroLike<G>()}),
               (expr::Where<expr::Binary<op::Lt, A, B>, G, decltype(zeroLike<G>())>{bin<op::Lt>(a, b), g, zeroLike<G>()}))
T7_BINARY_GRAD(Min, (expr::Where<expr::Binary<op::Le, A, B>, G, decltype(zeroLike<G>())>{bin<op::Le>(a, b), g, zeroLike<G>()}),
               (expr::Where<expr::Binary<op::Gt, A, B>, G, decltype(zeroLike<G>())>{bin<op::Gt>(a, b), g, zeroLike<G>()}))
T7_BINARY_GRAD(Atan2, bin<op::Div>(bin<op::Mul>(g, b), bin<op::Add>(un<Square>(a), un<Square>(b))),
               bin<op::Div>(bin<op::Mul>(un<op::Neg>(g), a), bin<op::Add>(un<Square>(a), un<Square>(b))))
T7_BINARY_GRAD(Fmod, g, bin<op::Mul>(un<op::Neg>(g), un<op::Trunc>(bin<op::Div>(a, b))))
T7_BINARY_GRAD(Remainder, g, bin<op::Mul>(un<op::Neg>(g), un<op::Floor>(bin<op::Div>(a, b))))
#undef T7_BINARY_GRAD

// ---- the adjoint of leaf K: g times the derivatives on the path down to it ------------------

template <int K, class T, class G>
auto adjoint(const expr::Leaf<T>&, const G& g) {
  static_assert(K == 0);
  return g;
}
template <int K, class T, class G>
Zero adjoint(const expr::Scalar<T>&, const G&) {
  return {};
}
template <int K, class Op, class A, class G>
auto adjoint(const expr::Unary<Op, A>& e, const G& g);
template <int K, class Op, class A, class B, class G>
auto adjoint(const expr::Binary<Op, A, B>& e, const G& g);
template <int K, class C, class A, class B, class G>
auto adjoint(const expr::Where<C, A, B>& e, const G& g);

template <int K, class Op, class A, class G>
auto adjoint(const expr::Unary<Op, A>& e, const G& g) {
  if constexpr (std::is_same_v<G, Zero>) {
    return Zero{};
  } else {
    auto local = UnaryGrad<Op>::d(e.a, g);
    if constexpr (std::is_same_v<decltype(local), Zero>) return Zero{};
    else return adjoint<K>(e.a, local);
  }
}
template <int K, class Op, class A, class B, class G>
auto adjoint(const expr::Binary<Op, A, B>& e, const G& g) {
  if constexpr (std::is_same_v<G, Zero>) {
    return Zero{};
  } else if constexpr (K < A::leaves) {
    auto local = BinaryGrad<Op>::da(e.a, e.b, g);
    if constexpr (std::is_same_v<decltype(local), Zero>) return Zero{};
    else return adjoint<K>(e.a, local);
  } else {
    auto local = BinaryGrad<Op>::db(e.a, e.b, g);
    if constexpr (std::is_same_v<decltype(local), Zero>) return Zero{};
    else return adjoint<K - A::leaves>(e.b, local);
  }
}
template <int K, class C, class A, class B, class G>
auto adjoint(const expr::Where<C, A, B>& e, const G& g) {
  using Z = decltype(zeroLike<G>());
  if constexpr (std::is_same_v<G, Zero> || K < C::leaves) {
    return Zero{};
  } else if constexpr (K < C::leaves + A::leaves) {
    return adjoint<K - C::leaves>(e.a, expr::Where<C, G, Z>{e.c, g, zeroLike<G>()});
  } else {
    return adjoint<K - C::leaves - A::leaves>(e.b, expr::Where<C, Z, G>{e.c, zeroLike<G>(), g});
  }
}

// ---- the leaves of an expression ------------------------------------------------------------

/// Leaf K of an expression (a Leaf or a VLeaf), in the order the evaluator numbers them.
template <int K, class T>
const expr::Leaf<T>& leafAt(const expr::Leaf<T>& e) {
  return e;
}
template <int K, class T>
const VLeaf<T>& leafAt(const VLeaf<T>& e) {
  return e;
}
template <int K, class Op, class A>
const auto& leafAt(const expr::Unary<Op, A>& e) {
  return leafAt<K>(e.a);
}
template <int K, class Op, class A, class B>
const auto& leafAt(const expr::Binary<Op, A, B>& e) {
  if constexpr (K < A::leaves) return leafAt<K>(e.a);
  else return leafAt<K - A::leaves>(e.b);
}
template <int K, class C, class A, class B>
const auto& leafAt(const expr::Where<C, A, B>& e) {
  if constexpr (K < C::leaves) return leafAt<K>(e.c);
  else if constexpr (K < C::leaves + A::leaves) return leafAt<K - C::leaves>(e.a);
  else return leafAt<K - C::leaves - A::leaves>(e.b);
}

template <class L>
inline constexpr bool isVLeaf = false;
template <class T>
inline constexpr bool isVLeaf<VLeaf<T>> = true;

/// Whether any leaf of `e` is tracked on the active tape.
template <class E>
bool anyTracked(const E& e) {
  return [&]<int... K>(std::integer_sequence<int, K...>) {
    return (... || [&] {
      const auto& leaf = leafAt<K>(e);
      if constexpr (isVLeaf<std::remove_cvref_t<decltype(leaf)>>) return leaf.node != nullptr;
      else return false;
    }());
  }(std::make_integer_sequence<int, E::leaves>{});
}

/// Whether fused nodes compute their operands' gradients in one pass where they can (the
/// default); false: one loop per operand (for tests and benchmarks that compare the two).
inline bool& fusedOnePass() {
  static bool on = true;
  return on;
}

/// No adjoint to compute for this leaf in the one-pass backward.
struct NoSlot {
  static constexpr bool fused = false;
  template <bool Full>
  void step(index_t, index_t) const {}
};

/// One leaf's adjoint in the one-pass backward: the expression `adj`, read through `cursor`,
/// written into `dst` (the gradient buffer of `node`), or added to it when `add`.
template <class T, class A>
struct AdjointSlot {
  A adj;
  Node<T>* node;
  expr::Cursor<A::leaves> cursor{};
  T* dst = nullptr;
  bool add = false;
  bool fused = false;   ///< taken by the one pass
  bool repeat = false;  ///< an operand is one number broadcast to the output (step 0)

  /// Elements i .. i+n-1 (`Full`: n is the batch width).
  template <bool Full>
  void step(index_t i, index_t n) const {
    if (!fused) return;
    T* d = dst + i;
    if constexpr (expr::detail::batched<T, A>) {
      using B = expr::batch<T>;
      if constexpr (Full) {
        B v = repeat ? adj.template loadBatch<0, true, true>(cursor, i, n) : adj.template loadBatch<0, true>(cursor, i, n);
        if (add) v += B::load_unaligned(d);
        v.store_unaligned(d);
      } else {
        alignas(64) T buf[B::size];
        adj.template loadBatch<0, false>(cursor, i, n).store_aligned(buf);
        for (index_t j = 0; j < n; ++j) d[j] = add ? d[j] + buf[j] : buf[j];
      }
    } else {
      for (index_t j = 0; j < n; ++j) {
        const T v = t7::convert<T>(adj.template load<0>(cursor, i + j));
        d[j] = add ? d[j] + v : v;
      }
    }
  }
};

/// An elementwise expression on the tape: its backward sends each tracked leaf its adjoint,
/// nothing stored but the operands. When the operands have the output's sizes and are
/// contiguous, all the adjoints are computed in one loop (each operand read once); otherwise
/// one loop per leaf. `Order` 1: made by user code; 2: made by
/// the differentiable backward of an order-1 node (a second-order gradient), whose own
/// differentiable backward would be a third order (not supported: it would also make the
/// node types grow without end at compile time).
template <class T, class E, int Order = 1>
struct FusedNode final : Node<T> {
  E e;
  FusedNode(Shape s, const E& x) : Node<T>(std::move(s)), e(x) {}
  const char* name() const override { return Order == 1 ? "elementwise" : "elementwise (second order)"; }
  void backward() override {
    const expr::Leaf<T> g(this->grad);
    auto slots = [&]<int... K>(std::integer_sequence<int, K...>) {
      return std::tuple{makeSlot<K>(g)...};
    }(std::make_integer_sequence<int, E::leaves>{});
    const bool onePass = prepareOnePass(slots);
    if (onePass) runOnePass(slots);
    // the rest: operands the one pass did not take (broadcast, strided), and gradients that
    // pass through unchanged (shared, after the pass so that it finds private buffers)
    [&]<int... K>(std::integer_sequence<int, K...>) {
      (backLeaf<K>(g, onePass && std::get<K>(slots).fused), ...);
    }(std::make_integer_sequence<int, E::leaves>{});
  }
  void backwardVar(VarGrads<T>& grads) override {
    if constexpr (Order > 1) {
      Node<T>::backwardVar(grads);
    } else {
      const Var<T>& gv = *grads.find(this);
      const VLeaf<T> g(gv.value(), gv.node());
      [&]<int... K>(std::integer_sequence<int, K...>) {
        (backLeafVar<K>(g, grads), ...);
      }(std::make_integer_sequence<int, E::leaves>{});
    }
  }

 private:
  /// Leaf K's adjoint, for the one-pass backward: only an adjoint that is an expression to
  /// compute (not zero, not the gradient itself) gets a slot.
  template <int K>
  auto makeSlot(const expr::Leaf<T>& g) const {
    using L = std::remove_cvref_t<decltype(leafAt<K>(e))>;
    if constexpr (!isVLeaf<L>) {
      return NoSlot{};
    } else {
      using A = decltype(adjoint<K>(e, g));
      if constexpr (std::is_same_v<A, Zero> || std::is_same_v<A, expr::Leaf<T>>) return NoSlot{};
      else return AdjointSlot<T, A>{adjoint<K>(e, g), leafAt<K>(e).node};
    }
  }

  /// Decides which slots the one pass takes: those of a tracked operand with the output's
  /// sizes whose adjoint reads only contiguous tensors of the output's element count (the
  /// evaluator's flat case) or one number broadcast to it, when there are at least two (one
  /// gains nothing). Then gives each
  /// its destination, in leaf order, so that of two leaves on one node (`x * x`) the first
  /// writes a new buffer and the second adds to it.
  template <class Slots>
  bool prepareOnePass(Slots& slots) {
    if (!fusedOnePass()) return false;
    const index_t total = this->grad.nElement();
    if (total == 0) return false;
    int count = 0;
    std::apply([&](auto&... s) { (choose(s, total, count), ...); }, slots);
    if (count < 2) return false;
    std::apply([&](auto&... s) { (claim(s), ...); }, slots);
    return true;
  }
  static void choose(NoSlot&, index_t, int&) {}
  template <class A>
  void choose(AdjointSlot<T, A>& s, index_t total, int& count) const {
    if (!s.node || s.node->sizes != this->sizes) return;
    if (s.node->hasGrad() && !s.node->grad.isContiguous()) return;
    // each tensor read in the output's order (step 1), or one element repeated (step 0: a
    // number broadcast to the output, as the gradient a sum passes down)
    bool flat = true;
    int k = 0;
    s.adj.visitLeaves([&](const auto& t) {
      const bool repeated = t.nElement() == total && isRepeatedElement(t.strides());
      flat = flat && t.nElement() == total && (t.isContiguous() || repeated);
      s.cursor.ptr[k] = reinterpret_cast<const char*>(t.data());
      s.cursor.step[k++] = repeated ? 0 : 1;
      s.repeat = s.repeat || repeated;
    });
    if (!flat) return;
    s.fused = true;
    ++count;
  }
  static bool isRepeatedElement(const Strides& st) {
    for (int d = 0; d < st.size(); ++d)
      if (st[d] != 0) return false;
    return true;
  }
  static void claim(NoSlot&) {}
  template <class A>
  static void claim(AdjointSlot<T, A>& s) {
    if (!s.fused) return;
    bool into = false;
    s.dst = s.node->ownedGrad(into).data();
    s.add = into;
  }

  /// Every slot's adjoint in one loop over the elements: each operand is read once for all
  /// the gradients, split across threads as the evaluator splits a flat loop.
  template <class Slots>
  void runOnePass(const Slots& slots) {
    const index_t total = this->grad.nElement();
    auto run = [&](index_t begin, index_t end) {
      std::apply([&](const auto&... s) { runRange(begin, end, s...); }, slots);
    };
#ifdef _OPENMP
    if (total >= expr::parallelThreshold()) {
      constexpr index_t chunk = 4096;  // a multiple of every batch width
      const index_t chunks = (total + chunk - 1) / chunk;
#pragma omp parallel for schedule(static)
      for (index_t b = 0; b < chunks; ++b) run(b * chunk, std::min(total, (b + 1) * chunk));
      return;
    }
#endif
    run(0, total);
  }
  template <class... S>
  static void runRange(index_t begin, index_t end, const S&... s) {
    constexpr index_t W = expr::batch<T>::size;
    index_t i = begin;
    for (; i + W <= end; i += W) (s.template step<true>(i, W), ...);
    if (i < end) (s.template step<false>(i, end - i), ...);
  }

  template <int K>
  void backLeaf(const expr::Leaf<T>& g, bool done) {
    const auto& leaf = leafAt<K>(e);
    using L = std::remove_cvref_t<decltype(leaf)>;
    if constexpr (isVLeaf<L>) {
      if (!leaf.node || done) return;
      auto adj = adjoint<K>(e, g);
      using A = decltype(adj);
      if constexpr (std::is_same_v<A, Zero>) {
        return;
      } else if constexpr (std::is_same_v<A, expr::Leaf<T>>) {
        leaf.node->accumulate(adj.t, false);  // the gradient itself (a + b): shared, not copied
      } else {
        leaf.node->accumulateExpr(adj);
      }
    }
  }
  /// The same adjoint with the gradient a tracked leaf: evaluated as a recorded expression.
  template <int K>
  void backLeafVar(const VLeaf<T>& g, VarGrads<T>& grads) {
    const auto& leaf = leafAt<K>(e);
    using L = std::remove_cvref_t<decltype(leaf)>;
    if constexpr (isVLeaf<L> && Order == 1) {
      if (!leaf.node) return;
      auto adj = adjoint<K>(e, g);
      using A = decltype(adj);
      if constexpr (std::is_same_v<A, Zero>) {
        return;
      } else if constexpr (std::is_same_v<A, VLeaf<T>>) {
        grads.add(leaf.node, Var<T>::onTape(adj.t, adj.node));  // the gradient itself
      } else {
        grads.add(leaf.node, evalRecorded<2>(adj));
      }
    }
  }
};

/// Evaluates an expression of tracked leaves into a Var, recorded as a FusedNode of `Order`.
template <int Order, class E>
Var<typename E::value_type> evalRecorded(const E& e) {
  using T = typename E::value_type;
  Tensor<T> value = expr::eval(e);
  if (!anyTracked(e) || !activeTape()) return Var<T>(std::move(value));
  auto* node = activeTape()->template record<FusedNode<T, E, Order>>(value.sizes(), e);
  return Var<T>::onTape(std::move(value), node);
}

// ---- operands of an autograd expression -----------------------------------------------------

/// An operand as a node of an expression whose numbers have type T.
template <class T, class X>
auto nodeOf(const X& x) {
  using R = std::remove_cvref_t<X>;
  if constexpr (VarLike<R>) {
    const auto& v = asVar(x);
    static_assert(std::is_same_v<value_of_t<R>, T>, "autograd: operands of one expression must have one element type");
    saveValue(v.value());  // (the backward pass reads the operands: see toVar)
    return VLeaf<T>(v.value(), v.node());
  } else if constexpr (isExpr<R>) {
    return x.e;
  } else if constexpr (isTensor<R>) {
    using U = typename R::value_type;
    if constexpr (std::is_same_v<U, T>) saveValue(static_cast<const Tensor<U>&>(x));
    return expr::Leaf<U>(static_cast<const Tensor<U>&>(x));
  } else if constexpr (std::is_arithmetic_v<R>) {
    return expr::Scalar<T>{static_cast<T>(x)};
  } else {
    return x;  // a t7 expression (a mask, a constant)
  }
}

/// The element type of an expression of X and Y: a tracked operand's.
template <class X, class Y>
using expr_value_t = std::conditional_t<Tracked<X>, value_of_t<X>, value_of_t<Y>>;

template <class Op, class X, class Y>
auto makeBinary(const X& x, const Y& y) {
  using T = expr_value_t<X, Y>;
  auto a = nodeOf<T>(x);
  auto b = nodeOf<T>(y);
  return Expr<expr::Binary<Op, decltype(a), decltype(b)>>{{a, b}};
}
template <class Op, class X>
auto makeUnary(const X& x) {
  using T = value_of_t<X>;
  auto a = nodeOf<T>(x);
  return Expr<expr::Unary<Op, decltype(a)>>{{a}};
}

/// The node of an operand with the tape taken out (a comparison's operands: constants).
template <class T, class X>
auto valueNodeOf(const X& x) {
  if constexpr (VarLike<std::remove_cvref_t<X>>) {
    saveValue(asVar(x).value());
    return expr::Leaf<T>(asVar(x).value());
  } else {
    return nodeOf<T>(x);
  }
}

}  // namespace detail

template <FloatingElement T>
template <class E>
Var<T>::Var(const Expr<E>& x) : Var(detail::evalRecorded<1>(x.e)) {
  static_assert(std::is_same_v<typename E::value_type, T>, "autograd: the expression's element type is not the Var's");
}

/// Evaluates an expression (recording it when tracked).
template <class E>
Var<typename E::value_type> eval(const Expr<E>& x) {
  return x;
}

// ---- operators and functions --------------------------------------------------------------

/// Two operands of which at least one is tracked.
template <class X, class Y>
concept TrackedPair = Operand<X> && Operand<Y> && (Tracked<X> || Tracked<Y>);

#define T7_AUTOGRAD_BINARY(fn, Op)                                   \
  template <class X, class Y>                                        \
    requires TrackedPair<X, Y>                                       \
  auto fn(const X& x, const Y& y) {                                  \
    return detail::makeBinary<op::Op>(x, y);                         \
  }
T7_AUTOGRAD_BINARY(operator+, Add)
T7_AUTOGRAD_BINARY(operator-, Sub)
T7_AUTOGRAD_BINARY(operator*, Mul)  // elementwise, as t7's `*` (matrix products: mm, mv, bmm)
T7_AUTOGRAD_BINARY(operator/, Div)
T7_AUTOGRAD_BINARY(add, Add)
T7_AUTOGRAD_BINARY(sub, Sub)
T7_AUTOGRAD_BINARY(cmul, Mul)
T7_AUTOGRAD_BINARY(cdiv, Div)
T7_AUTOGRAD_BINARY(pow, Pow)
T7_AUTOGRAD_BINARY(atan2, Atan2)
T7_AUTOGRAD_BINARY(cmax, Max)
T7_AUTOGRAD_BINARY(cmin, Min)
T7_AUTOGRAD_BINARY(fmod, Fmod)
T7_AUTOGRAD_BINARY(remainder, Remainder)
#undef T7_AUTOGRAD_BINARY

#define T7_AUTOGRAD_UNARY(fn, Op)     \
  template <Tracked X>                \
  auto fn(const X& x) {               \
    return detail::makeUnary<op::Op>(x); \
  }
T7_AUTOGRAD_UNARY(operator-, Neg)
T7_AUTOGRAD_UNARY(neg, Neg)
T7_AUTOGRAD_UNARY(abs, Abs)
T7_AUTOGRAD_UNARY(exp, Exp)
T7_AUTOGRAD_UNARY(expm1, Expm1)
T7_AUTOGRAD_UNARY(log, Log)
T7_AUTOGRAD_UNARY(log1p, Log1p)
T7_AUTOGRAD_UNARY(sqrt, Sqrt)
T7_AUTOGRAD_UNARY(rsqrt, Rsqrt)
T7_AUTOGRAD_UNARY(cbrt, Cbrt)
T7_AUTOGRAD_UNARY(sin, Sin)
T7_AUTOGRAD_UNARY(cos, Cos)
T7_AUTOGRAD_UNARY(tan, Tan)
T7_AUTOGRAD_UNARY(asin, Asin)
T7_AUTOGRAD_UNARY(acos, Acos)
T7_AUTOGRAD_UNARY(atan, Atan)
T7_AUTOGRAD_UNARY(sinh, Sinh)
T7_AUTOGRAD_UNARY(cosh, Cosh)
T7_AUTOGRAD_UNARY(tanh, Tanh)
T7_AUTOGRAD_UNARY(sigmoid, Sigmoid)
T7_AUTOGRAD_UNARY(cinv, Cinv)
T7_AUTOGRAD_UNARY(frac, Frac)
T7_AUTOGRAD_UNARY(floor, Floor)
T7_AUTOGRAD_UNARY(ceil, Ceil)
T7_AUTOGRAD_UNARY(round, Round)
T7_AUTOGRAD_UNARY(trunc, Trunc)
T7_AUTOGRAD_UNARY(sign, Sign)
#undef T7_AUTOGRAD_UNARY

/// Comparisons of tracked values: masks (1 where true, as uint8), constants for the tape,
/// to use in `where` or as factors (`x * gt(x, 0)`).
#define T7_AUTOGRAD_PREDICATE(fn, Op)                                                       \
  template <class X, class Y>                                                               \
    requires TrackedPair<X, Y>                                                              \
  auto fn(const X& x, const Y& y) {                                                         \
    using T = detail::expr_value_t<X, Y>;                                                   \
    auto a = detail::valueNodeOf<T>(x);                                                     \
    auto b = detail::valueNodeOf<T>(y);                                                     \
    return expr::Binary<op::Op, decltype(a), decltype(b)>{a, b};                            \
  }
T7_AUTOGRAD_PREDICATE(lt, Lt)
T7_AUTOGRAD_PREDICATE(le, Le)
T7_AUTOGRAD_PREDICATE(gt, Gt)
T7_AUTOGRAD_PREDICATE(ge, Ge)
T7_AUTOGRAD_PREDICATE(eq, Eq)
T7_AUTOGRAD_PREDICATE(ne, Ne)
#undef T7_AUTOGRAD_PREDICATE

/// `cond ? a : b` elementwise; the gradient goes to the branch that was taken.
template <class C, class X, class Y>
  requires Operand<C> && TrackedPair<X, Y>
auto where(const C& cond, const X& a, const Y& b) {
  using T = detail::expr_value_t<X, Y>;
  auto c = detail::valueNodeOf<T>(cond);
  auto x = detail::nodeOf<T>(a);
  auto y = detail::nodeOf<T>(b);
  return Expr<expr::Where<decltype(c), decltype(x), decltype(y)>>{{c, x, y}};
}

/// min(max(x, lo), hi); the gradient passes where lo <= x <= hi.
template <Tracked X, class S>
  requires std::is_arithmetic_v<S>
auto clamp(const X& x, S lo, S hi) {
  return cmin(cmax(x, lo), hi);
}

}  // namespace t7::autograd
