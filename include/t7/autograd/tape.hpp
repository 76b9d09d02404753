#pragma once
/// \file tape.hpp
/// The tape (DESIGN.md decision 7). While `grad(f)` runs `f`, a thread-local tape records each
/// operation on a tracked value as a node, in the order it ran: that order is a topological
/// order, so the backward pass is one walk over the nodes from last to first. A node holds
/// what its gradient needs (operand handles, sizes) and the gradient flowing into its output;
/// the tape and everything on it are freed when `grad` returns.
///
/// Gradients are accumulated with copy-on-write: the first contribution to a node is adopted
/// as is (a gradient that only passes through, as `a + b` passes its gradient to both
/// operands, is shared, not copied); the second one adds in place, copying first only when
/// the first was shared.

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/expr/evaluate.hpp"
#include "t7/math/reduce.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::autograd {

namespace detail {

using t7::detail::fail;

/// The gradients of a differentiable backward pass, by node (var.hpp: VarGrads<T>).
struct VarGradsBase {
  virtual ~VarGradsBase() = default;
};

/// One recorded operation.
struct NodeBase {
  NodeBase() = default;
  NodeBase(const NodeBase&) = delete;
  NodeBase& operator=(const NodeBase&) = delete;
  virtual ~NodeBase() = default;
  /// Propagates the gradient of this node's output to its operands' nodes.
  virtual void backward() = 0;
  /// The operation, for messages.
  virtual const char* name() const = 0;
  /// Whether a gradient reached this node's output (nodes without one are skipped).
  virtual bool hasGradient() const = 0;
  /// Frees the output's gradient once the node's backward has used it (leaves keep theirs:
  /// they are the result).
  virtual void releaseGradient() = 0;
  /// The differentiable backward pass of a nested `grad` (gradients of gradients): sends the
  /// gradient of this node's output, a Var in `grads`, to its operands as Vars, recording the
  /// operations it runs on the tape.
  virtual void backwardVarIn(VarGradsBase& grads) = 0;
};

template <class T>
class VarGrads;

/// `g` summed over the dimensions along which a tensor of `sizes` was broadcast to g's sizes
/// (NumPy's rule, the "unbroadcast" of torch-autograd); g itself when the sizes match.
template <class T>
Tensor<T> sumToSize(const Tensor<T>& g, const Shape& sizes) {
  if (g.sizes() == sizes) return g;
  Tensor<T> r = g;
  const int lead = r.dim() - sizes.size();
  for (int d = 0; d < r.dim(); ++d) {
    const bool extra = d < lead;
    if ((extra || sizes[d - lead] == 1) && r.size(d) != 1) r = t7::sum(r, d);
  }
  return r.contiguous().view(sizes);
}

/// A node whose output is a tensor of T: it carries the gradient that flows into the output.
template <class T>
struct Node : NodeBase {
  Shape sizes;           ///< the output's sizes: every gradient that arrives has them
  Tensor<T> grad;        ///< the accumulated gradient (no element until one arrives)
  bool ownsGrad = false; ///< whether `grad` may be updated in place (it is not shared)

  explicit Node(Shape s) : sizes(std::move(s)) {}

  bool hasGrad() const { return grad.dim() != 0; }
  bool hasGradient() const override { return hasGrad(); }
  /// Forgets the gradient, also of a leaf (to run a recorded tape backwards again).
  void releaseLeaf() {
    grad = Tensor<T>();
    ownsGrad = false;
  }
  void releaseGradient() override { releaseLeaf(); }

  void backwardVarIn(VarGradsBase& grads) override;  // var.hpp
  /// The differentiable backward of this operation with `g` its output's gradient (a Var in
  /// the VarGrads); operations that have none throw.
  virtual void backwardVar(VarGrads<T>& grads) {
    (void)grads;
    fail<AutogradError>("gradients of gradients (a nested grad) through ", this->name(), " are not supported yet");
  }

  /// Adds `g` to the gradient: g has the output's sizes, or sizes the output was broadcast
  /// to (then g is summed back). `fresh`: g is a new tensor nobody else holds, so it may be
  /// kept and updated in place.
  void accumulate(const Tensor<T>& g, bool fresh) {
    if (g.sizes() != sizes) {
      // (summed back: a new tensor, unless only leading 1s went, when it is a view of g)
      const Tensor<T> r = sumToSize(g, sizes);
      return accumulate(r, fresh || !r.storage().isSameAs(g.storage()));
    }
    if (!hasGrad()) {
      grad = g;
      ownsGrad = fresh && g.isContiguous();
      return;
    }
    if (!ownsGrad) {
      grad = expr::eval(grad + g);
      ownsGrad = true;
      return;
    }
    grad += g;
  }

  /// Adds the value of the elementwise expression `e` (the output's sizes, or broadcast to
  /// them from a larger shape and summed back) in one loop when the sizes match.
  template <class E>
  void accumulateExpr(const E& e) {
    if (e.shape() != sizes) return accumulate(expr::eval(e), true);
    if (!hasGrad()) {
      grad = expr::eval(e);
      ownsGrad = true;
    } else if (ownsGrad) {
      expr::assign(grad, plus(e));
    } else {
      grad = expr::eval(plus(e));
      ownsGrad = true;
    }
  }

  /// grad + e as an expression (e need not be a t7 operand: a bare leaf is one).
  template <class E>
  auto plus(const E& e) const {
    return expr::Binary<op::Add, expr::Leaf<T>, E>{expr::Leaf<T>(grad), e};
  }

  /// The gradient buffer for an operation that writes into it in place (addmm, indexAdd):
  /// allocated when absent (uninitialised: `accumulateInto` is false, the caller zeroes or
  /// overwrites it), made private when shared.
  Tensor<T>& ownedGrad(bool& accumulateInto) {
    accumulateInto = hasGrad();
    if (!hasGrad()) {
      grad = Tensor<T>(sizes);
      ownsGrad = true;
    } else if (!ownsGrad) {
      grad = grad.clone();
      ownsGrad = true;
    }
    return grad;
  }
};

/// A value `grad` differentiates with respect to (a leaf of the tape): no operand.
template <class T>
struct LeafNode final : Node<T> {
  using Node<T>::Node;
  void backward() override {}
  void backwardVar(VarGrads<T>&) override {}
  void releaseGradient() override {}
  const char* name() const override { return "leaf"; }
};

/// A tensor whose elements a tape's backward pass reads, and its storage's version when an
/// operation used it (Storage::version).
template <class T>
struct SavedValue {
  Storage<T> storage;
  std::uint64_t version;
  Shape sizes;
};

/// The nodes of one `grad` call, in the order their operations ran.
class Tape {
 public:
  Tape() : id_(nextId()) { nodes_.reserve(64); }

  /// Notes that the backward pass will read `t`'s elements (an operand of an operation, or an
  /// output its gradient needs): backward() first checks that no t7 operation has written
  /// them since, which would make the gradients wrong.
  template <class T>
  void save(const Tensor<T>& t) {
    if (!t.storage().defined()) return;
    auto& v = savedOf<T>();
    if (!v.empty() && v.back().storage.isSameAs(t.storage())) return;  // (the same value again)
    v.push_back(SavedValue<T>{t.storage(), t.storage().version(), t.sizes()});
  }
  /// Throws AutogradError when a saved value was written after it was saved.
  void checkSaved() const {
    check(savedFloat_);
    check(savedDouble_);
  }

  std::uint64_t id() const { return id_; }
  std::size_t size() const { return nodes_.size(); }

  template <class N, class... Args>
  N* record(Args&&... args) {
    auto node = std::make_unique<N>(std::forward<Args>(args)...);
    N* p = node.get();
    nodes_.push_back(std::move(node));
    return p;
  }

  /// The differentiable backward pass of a nested `grad`: every node from the last one
  /// recorded down to `start` (those of the nested call), newest first. The operations it
  /// runs are recorded after them on this tape; they are not visited.
  void backwardVar(std::size_t start, VarGradsBase& grads) {
    for (std::size_t i = nodes_.size(); i-- > start;) nodes_[i]->backwardVarIn(grads);
  }

  /// Runs every node's backward from the last one recorded to the first (nodes that
  /// received no gradient are skipped), freeing each gradient once it has been passed on.
  void backward() {
    checkSaved();
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
      NodeBase& n = **it;
      if (!n.hasGradient()) continue;
      n.backward();
      n.releaseGradient();
    }
  }

 private:
  static std::uint64_t nextId() {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
  }
  template <class T>
  std::vector<SavedValue<T>>& savedOf() {
    if constexpr (std::is_same_v<T, float>) return savedFloat_;
    else return savedDouble_;
  }
  template <class T>
  static void check(const std::vector<SavedValue<T>>& saved) {
    for (const auto& s : saved)
      if (s.storage.version() != s.version)
        fail<AutogradError>("a ", Tensor<T>::typeName(), " of size ", s.sizes.toString(),
                            " that f's operations use was written in place after they used it (an in-place "
                            "operation, copy, fill...), so its gradients would be wrong: write into a copy "
                            "(clone()) instead");
  }

  std::uint64_t id_;
  std::vector<std::unique_ptr<NodeBase>> nodes_;
  std::vector<SavedValue<float>> savedFloat_;
  std::vector<SavedValue<double>> savedDouble_;
};

/// This thread's stack of tapes (one per `grad` call in progress; nested calls push).
inline std::vector<Tape*>& tapeStack() {
  thread_local std::vector<Tape*> stack;
  return stack;
}

/// The tape new operations are recorded on, or nullptr outside `grad`.
inline Tape* activeTape() {
  auto& s = tapeStack();
  return s.empty() ? nullptr : s.back();
}

/// Notes a value the active tape's backward pass will read (Tape::save); nothing outside grad.
template <class T>
void saveValue(const Tensor<T>& t) {
  if (Tape* tape = activeTape()) tape->save(t);
}

/// Whether the tape `id` is a `grad` call in progress below the active one (a value from an
/// enclosing `grad` reached a nested one).
inline bool isEnclosingTape(std::uint64_t id) {
  auto& s = tapeStack();
  for (std::size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i]->id() == id) return true;
  return false;
}

/// Pushes a tape for the lifetime of the scope.
class TapeScope {
 public:
  explicit TapeScope(Tape& t) { tapeStack().push_back(&t); }
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;
  ~TapeScope() { tapeStack().pop_back(); }
};

}  // namespace detail
}  // namespace t7::autograd
