#pragma once
/// \file var.hpp
/// `autograd::Var<T>`: a tensor that the tape follows. Inside a function given to `grad`, the
/// parameters arrive as Vars; every operation on a Var runs at once on its tensor (eagerly, as
/// Torch7 does) and, when the Var is tracked, records one node on the tape.
///
/// ```cpp
/// auto h = tanh(mm(x, p["W"]) + p["b"]);   // mm: one node; tanh(... + ...): one fused node
/// Var<float> y = h;                        // (evaluated here: one loop for tanh and +)
/// ```
///
/// Elementwise operators and functions on Vars build `autograd::Expr` nodes, the twins of
/// t7's expressions (expr/node.hpp): nothing runs until the expression becomes a Var (or is
/// passed to an operation that needs a tensor). Then it is evaluated in one loop and recorded
/// as one node, whose backward computes each operand's gradient in one loop too: the
/// derivative of the whole expression is built at compile time (var_expr.hpp).
///
/// A Var is a value: there are no in-place operations on it (`x.add(y)` does not exist;
/// write `x + y`), which is what keeps the tape valid. `value()` gives the tensor (read-only;
/// writing into its storage behind the tape's back gives wrong gradients).

#include <concepts>
#include <cstdint>
#include <unordered_map>
#include <type_traits>
#include <utility>

#include "t7/autograd/tape.hpp"

namespace t7::autograd {

template <FloatingElement T>
class Var;

/// An elementwise expression of Vars (and tensors, numbers): `x * W + b`, `tanh(h)`.
template <class E>
struct Expr {
  using value_type = typename E::value_type;
  E e;
  const Shape shape() const { return e.shape(); }
};

namespace detail {

/// A Var inside an elementwise expression: a leaf of the expression (it reads the Var's
/// tensor) that also knows the Var's node, nullptr for a constant.
template <class T>
struct VLeaf : expr::Leaf<T> {
  Node<T>* node;
  VLeaf(const Tensor<T>& t, Node<T>* n) : expr::Leaf<T>(t), node(n) {}
};

/// A Var, or a class derived from one (a Table entry): deduces T.
template <class T>
const Var<T>& asVar(const Var<T>& v) {
  return v;
}
template <class X>
concept VarLike = requires(const X& x) { detail::asVar(x); };

template <class X>
inline constexpr bool isExpr = false;
template <class E>
inline constexpr bool isExpr<Expr<E>> = true;

/// A CPU tensor, or a class derived from one (a Table entry).
template <class X>
inline constexpr bool isTensor = requires(const X& x) { expr::asCpuTensor(x); };

}  // namespace detail

/// A Var or an autograd expression: what makes an operation go on the tape.
template <class X>
concept Tracked = detail::VarLike<X> || detail::isExpr<std::remove_cvref_t<X>>;

/// What mixes with tracked values in elementwise operations: tensors, t7 expressions, numbers.
template <class X>
concept Operand = Tracked<X> || detail::isTensor<std::remove_cvref_t<X>> ||
                  expr::Node<X> || std::is_arithmetic_v<std::remove_cvref_t<X>>;

namespace detail {

/// The element type of an operand (void for a number).
template <class X>
struct ValueOf {
  using type = void;
};
template <class X>
  requires VarLike<X>
struct ValueOf<X> {
  using type = typename std::remove_cvref_t<decltype(detail::asVar(std::declval<const X&>()))>::value_type;
};
template <class X>
  requires(!VarLike<X> && requires { typename X::value_type; })
struct ValueOf<X> {
  using type = typename X::value_type;
};
template <class X>
using value_of_t = typename ValueOf<std::remove_cvref_t<X>>::type;

}  // namespace detail

/// A tensor that the tape follows (see the file comment). Copying a Var shares its tensor
/// and its place on the tape.
template <FloatingElement T>
class Var {
 public:
  using value_type = T;

  Var() = default;
  /// A constant: a tensor the tape does not follow (implicit, so tensors go where Vars do).
  Var(const Tensor<T>& value) : value_(value) {}  // NOLINT(google-explicit-constructor)
  /// Evaluates an elementwise expression in one loop and records it as one node.
  template <class E>
  Var(const Expr<E>& x);  // NOLINT(google-explicit-constructor)

  /// The tensor (read-only: see the file comment).
  const Tensor<T>& value() const { return value_; }
  /// The value of a one-element Var, as a number.
  T item() const { return value_.item(); }

  int dim() const { return value_.dim(); }
  index_t size(int d) const { return value_.size(d); }
  const Shape& sizes() const { return value_.sizes(); }
  index_t nElement() const { return value_.nElement(); }

  /// Whether the tape of the `grad` call in progress follows this value.
  bool isTracked() const { return node() != nullptr; }

  // ---- views (each records a node whose backward maps the gradient back) ------------
  Var view(const Shape& sizes) const;
  template <std::integral... I>
  Var view(I... sizes) const { return view(Shape{static_cast<index_t>(sizes)...}); }
  Var reshape(const Shape& sizes) const { return view(sizes); }
  template <std::integral... I>
  Var reshape(I... sizes) const { return view(Shape{static_cast<index_t>(sizes)...}); }
  template <class U>
  Var viewAs(const U& other) const { return view(other.sizes()); }
  Var transpose(int d1, int d2) const;
  Var t() const;
  Var permute(const Shape& order) const;
  Var narrow(int dim, index_t start, index_t length) const;
  Var select(int dim, index_t index) const;
  Var expand(const Shape& sizes) const;
  template <std::integral... I>
  Var expand(I... sizes) const { return expand(Shape{static_cast<index_t>(sizes)...}); }
  template <class U>
  Var expandAs(const U& other) const { return expand(other.sizes()); }
  Var squeeze() const { return view(squeezedSizes(-1)); }
  Var squeeze(int dim) const { return view(squeezedSizes(dim)); }
  Var unsqueeze(int dim) const { return view(value_.unsqueeze(dim).sizes()); }
  Var contiguous() const;
  Var clone() const;

  // ---- internals -------------------------------------------------------------------------
  /// The node on the active tape, or nullptr when the value is a constant there. (A nested
  /// `grad` records on its enclosing call's tape; only an AutoModule's function runs on a
  /// tape of its own, where a captured value of an enclosing call throws rather than being
  /// silently constant.)
  detail::Node<T>* node() const {
    if (!node_) return nullptr;
    const detail::Tape* tape = detail::activeTape();
    if (tape && tape->id() == tape_) [[likely]]
      return node_;
    if (detail::isEnclosingTape(tape_))
      t7::detail::fail<AutogradError>("a value tracked by an enclosing grad() call was used inside an AutoModule's "
                                      "function, which records on a tape of its own: pass it as a weight");
    return nullptr;
  }
  /// A Var whose gradient flows into `node` of the active tape.
  static Var onTape(Tensor<T> value, detail::Node<T>* node) {
    Var v(std::move(value));
    v.node_ = node;
    v.tape_ = detail::activeTape()->id();
    return v;
  }

 private:
  Shape squeezedSizes(int dim) const { return (dim < 0 ? value_.squeeze() : value_.squeeze(dim)).sizes(); }

  Tensor<T> value_;
  detail::Node<T>* node_ = nullptr;
  std::uint64_t tape_ = 0;
};

using FloatVar = Var<float>;
using DoubleVar = Var<double>;

namespace detail {

template <class T>
Var<T> sumToSizeVar(const Var<T>& g, const Shape& sizes);  // ops.hpp

/// The Var gradients of a differentiable backward pass (a nested `grad`), by node.
template <class T>
class VarGrads final : public VarGradsBase {
 public:
  /// Adds `g` (the node's output sizes, or sizes it was broadcast to: summed back) to the
  /// gradient of `n`, with recorded operations.
  void add(const Node<T>* n, const Var<T>& g) {
    if (!n) return;
    const Var<T> v = g.sizes() == n->sizes ? g : sumToSizeVar(g, n->sizes);
    auto [it, fresh] = map_.try_emplace(n, v);
    if (!fresh) it->second = Var<T>(it->second + v);
  }
  const Var<T>* find(const Node<T>* n) const {
    auto it = map_.find(n);
    return it == map_.end() ? nullptr : &it->second;
  }

 private:
  std::unordered_map<const Node<T>*, Var<T>> map_;
};

template <class T>
void Node<T>::backwardVarIn(VarGradsBase& grads) {
  // (a node of the other element type, float or double, cannot have received a gradient)
  auto* typed = dynamic_cast<VarGrads<T>*>(&grads);
  if (typed && typed->find(this)) backwardVar(*typed);
}

/// The gradient closure of an operation that has no differentiable one.
struct NoVarGrad {};

/// An operation whose gradient is a closure: `fn(g)` with g the output's gradient (flashlight's
/// autograd model: forward, then the closure that knows the operands); `fv(g, grads, out)` is
/// the same gradient with Var operations, for nested `grad` calls.
template <class T, class F, class FV = NoVarGrad>
struct FnNode final : Node<T> {
  F fn;
  FV fv;
  const char* op;
  Tensor<T> out;  ///< the output (the differentiable backward of softmax needs it)
  FnNode(const Tensor<T>& out, const char* op, F f, FV v)
      : Node<T>(out.sizes()), fn(std::move(f)), fv(std::move(v)), op(op), out(out) {}
  void backward() override { fn(static_cast<const Tensor<T>&>(this->grad)); }
  void backwardVar(VarGrads<T>& grads) override {
    if constexpr (std::is_same_v<FV, NoVarGrad>) Node<T>::backwardVar(grads);
    else fv(*grads.find(this), grads, Var<T>::onTape(out, this));
  }
  const char* name() const override { return op; }
};

/// A nested `grad`'s parameter that is a value of the enclosing one: a leaf for the nested
/// call's backward pass, a pass-through for the enclosing call's.
template <class T>
struct IdentityNode final : Node<T> {
  Node<T>* source;
  IdentityNode(Shape s, Node<T>* src) : Node<T>(std::move(s)), source(src) {}
  void backward() override {
    if (source) source->accumulate(this->grad, false);
  }
  void backwardVar(VarGrads<T>&) override {}
  const char* name() const override { return "parameter of a nested grad"; }
};

/// Records the operation that made `out` from operands of which at least one is tracked
/// (`tracked`), with `backward(g)` its gradient closure, and `backwardVar(g, grads, out)` the
/// same with Var operations (for gradients of gradients); a constant Var when none is tracked.
template <class T, class F, class FV = NoVarGrad>
Var<T> record(Tensor<T> out, const char* op, bool tracked, F&& backward, FV&& backwardVar = {}) {
  if (!tracked) return Var<T>(std::move(out));
  auto* node = activeTape()->template record<FnNode<T, std::decay_t<F>, std::decay_t<FV>>>(
      out, op, std::forward<F>(backward), std::forward<FV>(backwardVar));
  return Var<T>::onTape(std::move(out), node);
}

template <class T>
Var<T> padNarrow(const Var<T>& g, const Shape& in, int dim, index_t start);  // ops.hpp

/// The tensor of a Var, a tensor or an expression (evaluated: recorded when tracked).
/// (An operand: its value is saved on the active tape, which checks before its backward pass
/// that nothing wrote it since.)
template <class T, class X>
Var<T> toVar(const X& x) {
  if constexpr (VarLike<X>) {
    static_assert(std::is_same_v<value_of_t<X>, T>, "autograd: operands of one operation must have one element type");
    saveValue(asVar(x).value());
    return asVar(x);
  } else {
    Var<T> v(x);
    saveValue(v.value());
    return v;
  }
}

}  // namespace detail

// ---- views ------------------------------------------------------------------------------

template <FloatingElement T>
Var<T> Var<T>::view(const Shape& sizes) const {
  auto* n = node();
  Tensor<T> out = value_.isContiguous() ? value_.view(sizes) : value_.reshape(sizes);
  return detail::record(
      out, "view", n, [n, in = value_.sizes()](const Tensor<T>& g) { n->accumulate(g.reshape(in), false); },
      [n, in = value_.sizes()](const Var<T>& g, detail::VarGrads<T>& grads, const Var<T>&) { grads.add(n, g.reshape(in)); });
}

template <FloatingElement T>
Var<T> Var<T>::transpose(int d1, int d2) const {
  auto* n = node();
  return detail::record(
      value_.transpose(d1, d2), "transpose", n,
      [n, d1, d2](const Tensor<T>& g) { n->accumulate(g.transpose(d1, d2), false); },
      [n, d1, d2](const Var<T>& g, detail::VarGrads<T>& grads, const Var<T>&) { grads.add(n, g.transpose(d1, d2)); });
}

template <FloatingElement T>
Var<T> Var<T>::t() const {
  if (dim() != 2) t7::detail::fail<SizeError>("t: expects a 2-D value, got size ", sizes().toString());
  return transpose(0, 1);
}

template <FloatingElement T>
Var<T> Var<T>::permute(const Shape& order) const {
  auto* n = node();
  Tensor<T> out = value_.permute(order);
  Shape inverse = order;
  for (int i = 0; i < order.size(); ++i) inverse[static_cast<int>(order[i])] = i;
  return detail::record(
      out, "permute", n, [n, inverse](const Tensor<T>& g) { n->accumulate(g.permute(inverse), false); },
      [n, inverse](const Var<T>& g, detail::VarGrads<T>& grads, const Var<T>&) { grads.add(n, g.permute(inverse)); });
}

template <FloatingElement T>
Var<T> Var<T>::narrow(int dim, index_t start, index_t length) const {
  auto* n = node();
  return detail::record(value_.narrow(dim, start, length), "narrow", n, [n, dim, start, length](const Tensor<T>& g) {
    bool into = false;
    Tensor<T>& G = n->ownedGrad(into);
    if (!into) G.zero();
    Tensor<T> part = G.narrow(dim, start, length);
    part += g;
  }, [n, dim, start, in = value_.sizes()](const Var<T>& g, detail::VarGrads<T>& grads, const Var<T>&) {
    grads.add(n, detail::padNarrow(g, in, dim, start));
  });
}

template <FloatingElement T>
Var<T> Var<T>::select(int dim, index_t index) const {
  auto* n = node();
  return detail::record(value_.select(dim, index), "select", n, [n, dim, index](const Tensor<T>& g) {
    bool into = false;
    Tensor<T>& G = n->ownedGrad(into);
    if (!into) G.zero();
    Tensor<T> part = G.select(dim, index);
    part += g;
  }, [n, dim, index, in = value_.sizes()](const Var<T>& g, detail::VarGrads<T>& grads, const Var<T>&) {
    grads.add(n, detail::padNarrow(g.unsqueeze(dim < 0 ? dim + static_cast<int>(in.size()) : dim), in, dim, index));
  });
}

template <FloatingElement T>
Var<T> Var<T>::expand(const Shape& sizes) const {
  auto* n = node();
  return detail::record(
      value_.expand(sizes), "expand", n, [n](const Tensor<T>& g) { n->accumulate(g, false); },
      [n](const Var<T>& g, detail::VarGrads<T>& grads, const Var<T>&) { grads.add(n, g); });
}

template <FloatingElement T>
Var<T> Var<T>::contiguous() const {
  auto* n = node();
  return detail::record(
      value_.contiguous(), "contiguous", n, [n](const Tensor<T>& g) { n->accumulate(g, false); },
      [n](const Var<T>& g, detail::VarGrads<T>& grads, const Var<T>&) { grads.add(n, g); });
}

template <FloatingElement T>
Var<T> Var<T>::clone() const {
  auto* n = node();
  return detail::record(
      value_.clone(), "clone", n, [n](const Tensor<T>& g) { n->accumulate(g, false); },
      [n](const Var<T>& g, detail::VarGrads<T>& grads, const Var<T>&) { grads.add(n, g); });
}

}  // namespace t7::autograd

#include "t7/autograd/var_expr.hpp"
