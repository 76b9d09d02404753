#pragma once
/// \file criterions_multi.hpp
/// Torch7's criterions of criterions: MultiCriterion (a weighted sum of criterions on the
/// same input and target) and ParallelCriterion (criterion i on input[i] and target[i]).
/// Both hold their members as AnyCriterions, so inputs and targets are Activities; a class
/// criterion (ClassNLLCriterion, CrossEntropyCriterion...) inside one takes its class
/// indices as a tensor of T holding whole numbers (converted by AnyCriterion).
///
/// ```cpp
/// nn::ParallelCriterion<float> pc;
/// pc.add(nn::MSECriterion<float>(), 0.5).add(nn::ClassNLLCriterion<float>());
/// double loss = pc.forward(nn::Table<float>{prediction, logProbs}, nn::Table<float>{y, classes});
/// ```

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "t7/nn/criterion.hpp"

namespace t7::nn {

namespace detail {

template <Element T>
struct CriterionConverter;

/// A member criterion converted to element type U, with what converts it further.
template <Element U>
struct ConvertedCriterion {
  std::unique_ptr<AnyCriterion<U>> criterion;
  std::shared_ptr<const CriterionConverter<U>> converter;
};

/// Converts an AnyCriterion to float or double. Recorded when a typed criterion is added
/// (AnyCriterion itself has no type conversion).
template <Element T>
struct CriterionConverter {
  virtual ~CriterionConverter() = default;
  virtual ConvertedCriterion<float> toFloat(AnyCriterion<T>& c) const = 0;
  virtual ConvertedCriterion<double> toDouble(AnyCriterion<T>& c) const = 0;
};

template <class C>
class TypedCriterionConverter final : public CriterionConverter<typename C::value_type> {
  using T = typename C::value_type;

 public:
  ConvertedCriterion<float> toFloat(AnyCriterion<T>& c) const override { return convert<float>(c); }
  ConvertedCriterion<double> toDouble(AnyCriterion<T>& c) const override { return convert<double>(c); }

 private:
  template <Element U>
  static ConvertedCriterion<U> convert(AnyCriterion<T>& any) {
    C* c = any.template as<C>();
    if (!c) t7::detail::fail<TypeError>("type conversion: ", any.typeName(), " is not the criterion that was added");
    using CU = typename Rebind<C, U>::type;
    return {anyCriterion(c->template type<U>()), std::make_shared<const TypedCriterionConverter<CU>>()};
  }
};

/// The converter of a typed criterion C, or null when C cannot change its element type.
template <class C>
std::shared_ptr<const CriterionConverter<typename C::value_type>> converterFor() {
  if constexpr (requires(const C& c) {
                  typename Rebind<C, float>::type;
                  typename Rebind<C, double>::type;
                  c.template type<float>();
                  c.template type<double>();
                }) {
    return std::make_shared<const TypedCriterionConverter<C>>();
  } else {
    return nullptr;
  }
}

/// Member i converted to U; TypeError when it has no converter.
template <Element U, Element T>
ConvertedCriterion<U> convertMember(const std::shared_ptr<const CriterionConverter<T>>& conv, AnyCriterion<T>& c,
                                    const char* who, std::size_t i) {
  if (!conv)
    t7::detail::fail<TypeError>(who, ": criterion ", i, " (", c.typeName(),
                                ") was added as an AnyCriterion and cannot change its element type; add it as a "
                                "typed criterion");
  if constexpr (std::is_same_v<U, float>) {
    return conv->toFloat(c);
  } else {
    return conv->toDouble(c);
  }
}

/// Torch7's nn.utils.recursiveResizeAs: dst gets like's structure and sizes (tensors kept).
template <Element T>
void criterionResizeAs(Activity<T>& dst, const Activity<T>& like) {
  if (like.isTensor()) {
    if (!dst.isTensor()) dst = Tensor<T>();
    if (like.tensor().dim() == 0) {
      dst = Tensor<T>();
    } else {
      dst.tensor().resize(like.tensor().sizes());
    }
  } else {
    const Table<T>& l = like.table();
    if (!dst.isTable()) dst = Table<T>();
    Table<T>& d = dst.table();
    d.resize(l.size());
    for (std::size_t i = 0; i < l.size(); ++i) criterionResizeAs(d[i], l[i]);
  }
}

/// dst += w * src for activities of the same structure and sizes.
template <Element T>
void criterionAddScaled(Activity<T>& dst, double w, const Activity<T>& src, const std::string& who) {
  if (dst.isTensor() != src.isTensor() || dst.size() != src.size())
    t7::detail::fail<SizeError>(who, ": gradInput ", src.describe(), " does not match the input ", dst.describe());
  if (dst.isTensor()) {
    Tensor<T>& d = dst.tensor();
    const Tensor<T>& s = src.tensor();
    if (d.sizes() != s.sizes())
      t7::detail::fail<SizeError>(who, ": gradInput ", src.describe(), " does not match the input ", dst.describe());
    if (d.nElement() > 0) d.add(static_cast<T>(w), s);
  } else {
    for (std::size_t i = 0; i < dst.size(); ++i) criterionAddScaled(dst[i], w, src[i], who);
  }
}

}  // namespace detail

/// A weighted sum of criterions, all on the same input and target (Torch7's
/// `nn.MultiCriterion()`, `:add(criterion [, weight = 1])`): loss = sum_i w_i c_i(x, y),
/// gradInput = sum_i w_i dc_i/dx.
template <Element T = float>
class MultiCriterion : public CriterionBase<MultiCriterion<T>, T, Activity<T>, Activity<T>> {
 public:
  static constexpr const char* torchType = "nn.MultiCriterion";
  std::vector<std::unique_ptr<AnyCriterion<T>>> criterions;
  std::vector<double> weights;

  MultiCriterion() = default;
  MultiCriterion(MultiCriterion&&) noexcept = default;
  MultiCriterion& operator=(MultiCriterion&&) noexcept = default;
  /// Owns its criterions: copy one with clone().
  MultiCriterion(const MultiCriterion&) = delete;
  MultiCriterion& operator=(const MultiCriterion&) = delete;

  /// Adds a typed criterion (moved or copied in) with a weight; returns *this.
  template <class C>
    requires Criterion<std::remove_cvref_t<C>> && std::is_same_v<typename std::remove_cvref_t<C>::value_type, T>
  MultiCriterion& add(C&& criterion, double weight = 1) {
    converters_.push_back(detail::converterFor<std::remove_cvref_t<C>>());
    criterions.push_back(anyCriterion(std::forward<C>(criterion)));
    weights.push_back(weight);
    return *this;
  }
  /// Adds a boxed criterion (it cannot then change element type with toFloat/toDouble).
  MultiCriterion& add(std::unique_ptr<AnyCriterion<T>> criterion, double weight = 1) {
    if (!criterion) t7::detail::fail<ValueError>("MultiCriterion: add: null criterion");
    converters_.push_back(nullptr);
    criterions.push_back(std::move(criterion));
    weights.push_back(weight);
    return *this;
  }
  std::size_t size() const { return criterions.size(); }
  /// Member i (checked).
  AnyCriterion<T>& get(std::size_t i) const {
    if (i >= criterions.size())
      t7::detail::fail<IndexError>("MultiCriterion: index ", i, " out of range for ", criterions.size(), " criterions");
    return *criterions[i];
  }

  double updateOutput(const Activity<T>& input, const Activity<T>& target) {
    double s = 0;
    for (std::size_t i = 0; i < criterions.size(); ++i) s += weights[i] * criterions[i]->updateOutput(input, target);
    return this->output = s;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& target) {
    detail::criterionResizeAs(this->gradInput, input);
    this->gradInput.forEachTensor([](Tensor<T>& t) {
      if (t.nElement() > 0) t.zero();
    });
    for (std::size_t i = 0; i < criterions.size(); ++i)
      detail::criterionAddScaled(this->gradInput, weights[i], criterions[i]->updateGradInput(input, target),
                                 "MultiCriterion: " + criterions[i]->typeName());
    return this->gradInput;
  }

  /// A deep copy (the members are cloned).
  MultiCriterion clone() const {
    MultiCriterion c;
    c.weights = weights;
    c.converters_ = converters_;
    for (const auto& m : criterions) c.criterions.push_back(m->clone());
    return c;
  }
  /// The same criterions in element type U (each member must have been added typed).
  template <Element U>
  MultiCriterion<U> type() const {
    MultiCriterion<U> c;
    c.weights = weights;
    for (std::size_t i = 0; i < criterions.size(); ++i) {
      auto m = detail::convertMember<U>(i < converters_.size() ? converters_[i] : nullptr, *criterions[i],
                                        "MultiCriterion", i);
      c.criterions.push_back(std::move(m.criterion));
      c.converters_.push_back(std::move(m.converter));
    }
    return c;
  }
  MultiCriterion<float> toFloat() const { return type<float>(); }
  MultiCriterion<double> toDouble() const { return type<double>(); }

  /// Torch7's fields (criterions loaded from a file are boxed: they cannot change element type).
  template <class V>
  void fields(V& v) {
    v.option("criterions", criterions);
    v.option("weights", weights);
  }

 private:
  template <Element>
  friend class MultiCriterion;
  std::vector<std::shared_ptr<const detail::CriterionConverter<T>>> converters_;
};
MultiCriterion()->MultiCriterion<float>;
static_assert(Criterion<MultiCriterion<float>>);

/// Criterion i on input[i] and target[i] (or on the whole target when `repeatTarget`),
/// weighted and summed (Torch7's `nn.ParallelCriterion([repeatTarget = false])`,
/// `:add(criterion [, weight = 1])`). The input is a table; gradInput is a table shaped like
/// it, entry i = w_i dc_i/dinput[i] (zeros for entries without a criterion).
template <Element T = float>
class ParallelCriterion : public CriterionBase<ParallelCriterion<T>, T, Activity<T>, Activity<T>> {
 public:
  static constexpr const char* torchType = "nn.ParallelCriterion";
  std::vector<std::unique_ptr<AnyCriterion<T>>> criterions;
  std::vector<double> weights;
  bool repeatTarget = false;

  ParallelCriterion() = default;
  explicit ParallelCriterion(bool repeatTarget) : repeatTarget(repeatTarget) {}
  ParallelCriterion(ParallelCriterion&&) noexcept = default;
  ParallelCriterion& operator=(ParallelCriterion&&) noexcept = default;
  /// Owns its criterions: copy one with clone().
  ParallelCriterion(const ParallelCriterion&) = delete;
  ParallelCriterion& operator=(const ParallelCriterion&) = delete;

  /// Adds a typed criterion (moved or copied in) with a weight; returns *this.
  template <class C>
    requires Criterion<std::remove_cvref_t<C>> && std::is_same_v<typename std::remove_cvref_t<C>::value_type, T>
  ParallelCriterion& add(C&& criterion, double weight = 1) {
    converters_.push_back(detail::converterFor<std::remove_cvref_t<C>>());
    criterions.push_back(anyCriterion(std::forward<C>(criterion)));
    weights.push_back(weight);
    return *this;
  }
  /// Adds a boxed criterion (it cannot then change element type with toFloat/toDouble).
  ParallelCriterion& add(std::unique_ptr<AnyCriterion<T>> criterion, double weight = 1) {
    if (!criterion) t7::detail::fail<ValueError>("ParallelCriterion: add: null criterion");
    converters_.push_back(nullptr);
    criterions.push_back(std::move(criterion));
    weights.push_back(weight);
    return *this;
  }
  std::size_t size() const { return criterions.size(); }
  /// Member i (checked).
  AnyCriterion<T>& get(std::size_t i) const {
    if (i >= criterions.size())
      t7::detail::fail<IndexError>("ParallelCriterion: index ", i, " out of range for ", criterions.size(),
                                   " criterions");
    return *criterions[i];
  }

  double updateOutput(const Activity<T>& input, const Activity<T>& target) {
    check(input, target);
    double s = 0;
    for (std::size_t i = 0; i < criterions.size(); ++i)
      s += weights[i] * criterions[i]->updateOutput(input[i], targetOf(target, i));
    return this->output = s;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& target) {
    check(input, target);
    detail::criterionResizeAs(this->gradInput, input);
    this->gradInput.forEachTensor([](Tensor<T>& t) {
      if (t.nElement() > 0) t.zero();
    });
    for (std::size_t i = 0; i < criterions.size(); ++i)
      detail::criterionAddScaled(this->gradInput[i], weights[i],
                                 criterions[i]->updateGradInput(input[i], targetOf(target, i)),
                                 "ParallelCriterion: " + criterions[i]->typeName());
    return this->gradInput;
  }

  /// A deep copy (the members are cloned).
  ParallelCriterion clone() const {
    ParallelCriterion c(repeatTarget);
    c.weights = weights;
    c.converters_ = converters_;
    for (const auto& m : criterions) c.criterions.push_back(m->clone());
    return c;
  }
  /// The same criterions in element type U (each member must have been added typed).
  template <Element U>
  ParallelCriterion<U> type() const {
    ParallelCriterion<U> c(repeatTarget);
    c.weights = weights;
    for (std::size_t i = 0; i < criterions.size(); ++i) {
      auto m = detail::convertMember<U>(i < converters_.size() ? converters_[i] : nullptr, *criterions[i],
                                        "ParallelCriterion", i);
      c.criterions.push_back(std::move(m.criterion));
      c.converters_.push_back(std::move(m.converter));
    }
    return c;
  }
  ParallelCriterion<float> toFloat() const { return type<float>(); }
  ParallelCriterion<double> toDouble() const { return type<double>(); }

  /// Torch7's fields (criterions loaded from a file are boxed: they cannot change element type).
  template <class V>
  void fields(V& v) {
    v.option("criterions", criterions);
    v.option("weights", weights);
    v.option("repeatTarget", repeatTarget);
  }

 private:
  template <Element>
  friend class ParallelCriterion;
  std::vector<std::shared_ptr<const detail::CriterionConverter<T>>> converters_;

  void check(const Activity<T>& input, const Activity<T>& target) const {
    const std::size_t n = criterions.size();
    if (input.table("ParallelCriterion").size() < n)
      t7::detail::fail<SizeError>("ParallelCriterion: input ", input.describe(), " has ", input.size(),
                                  " entries for ", n, " criterions");
    if (!repeatTarget && target.table("ParallelCriterion").size() < n)
      t7::detail::fail<SizeError>("ParallelCriterion: target ", target.describe(), " has ", target.size(),
                                  " entries for ", n, " criterions");
  }
  const Activity<T>& targetOf(const Activity<T>& target, std::size_t i) const {
    return repeatTarget ? target : target[i];
  }
};
ParallelCriterion()->ParallelCriterion<float>;
static_assert(Criterion<ParallelCriterion<float>>);

}  // namespace t7::nn
