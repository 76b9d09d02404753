#pragma once
/// \file functional.hpp
/// The nn bridge (torch-autograd's `autograd.nn`): any nn module or criterion as a function
/// inside `grad`, its parameters passed explicitly, its own hand-written backward reused.
///
/// ```cpp
/// auto conv = ag::functional(nn::SpatialConvolution<float>(1, 16, 5, 5));
/// auto pool = ag::functional(nn::SpatialMaxPooling<float>(2, 2, 2, 2));
/// auto nll = ag::functional(nn::ClassNLLCriterion<float>());
/// ag::Table<FloatTensor> params{{"conv", conv.parameters()}, ...};   // {weight, bias}
/// auto f = [&](const auto& p, const FloatTensor& x, const LongTensor& y) {
///   auto h = pool(tanh(conv(x, p["conv"])));                        // or conv(x, W, b)
///   ...
///   return nll(out, y);
/// };
/// ```
///
/// - A module is called `m(input, weights...)` with its parameters in `parameters()` order
///   (weight, then bias), or `m(input, table)` with a list of them; a module without
///   parameters `m(input)`. A container (`functional(net.clone())`: a Sequential, Concat...)
///   is one function of all its children's parameters, in order (torch-autograd's
///   `functionalize`); its input and output must be tensors. A criterion is called `c(input, target)` and gives a one-element
///   Var.
/// - Each call within one `grad` call runs its own copy of the module (made on first use and
///   kept for later calls), so a module used twice (shared weights, a recurrence) keeps each
///   call's state for its backward, and a steady training step reuses the modules' buffers.
/// - Parameters the tape follows get the module's gradients; an input the tape follows gets
///   gradInput; a constant input gets none (no updateGradInput: Torch7's `-gi false`).
/// - `training()` / `evaluate()` set the mode of every copy (dropout, batch normalization).
///
/// The functional object holds the module copies: keep it alive (capture it by reference)
/// for as long as `f` is used.

#include <deque>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "t7/autograd/table.hpp"
#include "t7/autograd/var.hpp"
#include "t7/nn/any_module.hpp"
#include "t7/nn/criterion.hpp"

namespace t7::autograd {

namespace detail {

/// The copies of a module or criterion for the calls of one `grad` call: call k of a tape uses
/// copy k (created on first use), so every call keeps its own state until its backward.
template <class M>
class Instances {
 public:
  explicit Instances(M prototype) : prototype_(std::move(prototype)) {}

  M& prototype() { return prototype_; }
  const M& prototype() const { return prototype_; }

  /// The copy for the next call on the active tape (the first copy outside `grad`).
  M& next() {
    const Tape* tape = activeTape();
    const std::uint64_t id = tape ? tape->id() : 0;
    if (id != tape_ || id == 0) {
      tape_ = id;
      used_ = 0;
    }
    if (used_ == copies_.size()) copies_.push_back(copy(prototype_));
    return copies_[used_++];
  }

  template <class F>
  void forEach(F&& fn) {
    fn(prototype_);
    for (auto& c : copies_) fn(c);
  }

 private:
  static M copy(const M& m) {
    if constexpr (requires { m.clone(); }) return m.clone();  // a deep copy: own buffers
    else return m;
  }
  M prototype_;
  std::deque<M> copies_;  // (a deque: references stay valid as it grows)
  std::uint64_t tape_ = 0;
  std::size_t used_ = 0;
};

/// A module's tensor result (a container's Activity holding a tensor; a table throws).
template <class T, class A>
const Tensor<T>& tensorOf(const A& a, const char* module) {
  if constexpr (std::is_same_v<A, Tensor<T>>) {
    (void)module;
    return a;
  } else {
    return a.tensor(module);
  }
}

template <class X>
inline constexpr bool isTable = false;
template <class V>
inline constexpr bool isTable<Table<V>> = true;

}  // namespace detail

/// An nn module as a function of its input and its parameters (see the file comment).
template <class M>
class FunctionalModule {
 public:
  using T = typename M::value_type;
  // (a container's input and output are Activities: they must hold tensors here)
  static constexpr bool tensorIO = std::is_same_v<typename M::input_type, Tensor<T>> &&
                                   std::is_same_v<typename M::output_type, Tensor<T>>;
  static_assert(tensorIO || (std::is_same_v<typename M::input_type, nn::Activity<T>> &&
                             std::is_same_v<typename M::output_type, nn::Activity<T>>),
                "autograd::functional: modules with table inputs or outputs are not supported yet");

  explicit FunctionalModule(M module) : modules_(std::move(module)) {}

  /// Copies of the module's initial parameters, in order (weight, bias): the starting values
  /// for a parameter Table (torch-autograd's `fn, params = grad.nn.Linear(...)`).
  Table<Tensor<T>> parameters() {
    std::vector<Tensor<T>> ps;
    std::vector<Tensor<T>*> weights, grads;
    modules_.prototype().collectParameters(weights, grads);
    for (const Tensor<T>* w : weights) ps.push_back(w->clone());
    return Table<Tensor<T>>::list(ps);
  }

  /// The module's output for `input` with the given parameters (Vars, tensors, or one Table
  /// list of them).
  template <class X, class... P>
  Var<T> operator()(const X& input, const P&... params) {
    std::vector<Var<T>> ps;
    (collect(ps, params), ...);
    return call(detail::toVar<T>(input), ps);
  }

  FunctionalModule& training() {
    modules_.forEach([](M& m) { m.training(); });
    return *this;
  }
  FunctionalModule& evaluate() {
    modules_.forEach([](M& m) { m.evaluate(); });
    return *this;
  }
  const M& module() const { return modules_.prototype(); }

 private:
  template <class P>
  static void collect(std::vector<Var<T>>& ps, const P& p) {
    if constexpr (detail::isTable<std::remove_cvref_t<P>>) {
      for (const auto& [key, entry] : p) ps.push_back(detail::toVar<T>(entry.value()));
    } else if constexpr (requires { p.isTable(); }) {  // a Table entry: a value or a list
      if (p.isTable()) collect(ps, p.table());
      else ps.push_back(detail::toVar<T>(p.value()));
    } else {
      ps.push_back(detail::toVar<T>(p));
    }
  }

  Var<T> call(const Var<T>& input, const std::vector<Var<T>>& ps) {
    M& m = modules_.next();
    std::vector<Tensor<T>*> weights, grads;
    m.collectParameters(weights, grads);
    if (ps.size() != weights.size())
      t7::detail::fail<SizeError>("autograd::functional(", m.typeName(), "): expects ", weights.size(),
                                  " parameter tensors, got ", ps.size());
    std::vector<detail::Node<T>*> nodes;
    bool tracked = false;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      if (ps[i].sizes() != weights[i]->sizes())
        t7::detail::fail<SizeError>("autograd::functional(", m.typeName(), "): parameter ", i, " has size ",
                                    ps[i].sizes().toString(), ", the module's has ", weights[i]->sizes().toString());
      *weights[i] = ps[i].value();  // the module computes with the given tensors (shared, not copied)
      nodes.push_back(ps[i].node());
      tracked = tracked || nodes.back();
    }
    detail::Node<T>* in = input.node();
    tracked = tracked || in;
    // The output buffer is handed to the Var, so the next forward (next step) allocates a new
    // one rather than overwrite a value the caller may still hold.
    Tensor<T> out = detail::tensorOf<T>(m.forward(input.value()), "autograd::functional");
    m.output = Tensor<T>();
    detail::saveValue(out);  // (Tanh, Sigmoid... compute their gradient from the output)
    return detail::record(out, "nn module", tracked, [&m, in, nodes, x = input.value(), out](const Tensor<T>& g) {
      m.output = out;  // (Tanh, Sigmoid, SoftMax... compute their gradient from the output)
      bool any = false;
      for (auto* n : nodes) any = any || n;
      // A container's (or a boxed module's) parameter gradients need its children's inner
      // gradients, which only its gradInput pass computes: it runs whole.
      constexpr bool boxed = std::is_base_of_v<nn::AnyModule<T>, M>;
      if (in || (boxed && any)) {
        const auto& gi = m.updateGradInput(x, g);
        if (in) in->accumulate(detail::tensorOf<T>(gi, "autograd::functional"), false);
      }
      if (any) {
        m.zeroGradParameters();
        m.accGradParameters(x, g, 1);
        std::vector<Tensor<T>*> weights, grads;
        m.collectParameters(weights, grads);
        for (std::size_t i = 0; i < nodes.size(); ++i)
          if (nodes[i]) nodes[i]->accumulate(*grads[i], false);
      }
      m.output = Tensor<T>();
    });
  }

  detail::Instances<M> modules_;
};

/// An nn criterion as a function of its input and target: a one-element Var.
template <class C>
class FunctionalCriterion {
 public:
  using T = typename C::value_type;
  using Target = typename C::target_type;
  static_assert(std::is_same_v<typename C::input_type, Tensor<T>>,
                "autograd::functional: criterions with table inputs are not supported yet");

  explicit FunctionalCriterion(C criterion) : criteria_(std::move(criterion)) {}

  template <class X>
  Var<T> operator()(const X& input, const Target& target) {
    C& c = criteria_.next();
    const Var<T> x = detail::toVar<T>(input);
    detail::Node<T>* in = x.node();
    Tensor<T> loss(1);
    loss.data()[0] = static_cast<T>(c.forward(x.value(), target));
    return detail::record(loss, "nn criterion", in, [&c, in, xv = x.value(), target](const Tensor<T>& g) {
      in->accumulate(expr::eval(c.backward(xv, target) * g.data()[0]), true);
    });
  }
  const C& criterion() const { return criteria_.prototype(); }

 private:
  detail::Instances<C> criteria_;
};

/// torch-autograd's `f, params = autograd.functionalize(model)`: a module (a whole container)
/// as a function `f(params, input)` and the list of its initial parameters, to start a
/// parameter Table from. `auto [f, params] = ag::functionalize(net.clone());`
template <class M>
  requires nn::Module<M>
auto functionalize(M model) {
  auto m = std::make_shared<FunctionalModule<M>>(std::move(model));
  auto params = m->parameters();
  auto f = [m](const auto& p, const auto& input) { return (*m)(input, p); };
  return std::pair{std::move(f), std::move(params)};
}

/// An nn module or criterion as a function for `grad` (see the file comment).
template <class M>
  requires nn::Module<M> || nn::Criterion<M>
auto functional(M m) {
  if constexpr (nn::Criterion<M>) return FunctionalCriterion<M>(std::move(m));
  else return FunctionalModule<M>(std::move(m));
}

}  // namespace t7::autograd
