#pragma once
// Helpers shared by the autograd test TUs: random tensors, and gradcheck of one function of
// one or two inputs with a random weighting of its output.
#include "helpers.hpp"

#include "t7/autograd.hpp"

namespace t7test {

inline t7::DoubleTensor randomIn(const t7::Shape& s, double lo = -1, double hi = 1) {
  t7::DoubleTensor t(s);
  t.uniform(lo, hi);
  return t;
}

/// gradcheck of sum(w .* fn(x)) with a random constant w (so every element's gradient
/// differs), x of sizes s drawn from [lo, hi].
template <class Fn>
void checkUnary(const char* name, Fn fn, const t7::Shape& s = t7::Shape{3, 4}, double lo = -2, double hi = 2) {
  namespace ag = t7::autograd;
  INFO(name);
  const t7::DoubleTensor x = randomIn(s, lo, hi);
  const t7::DoubleTensor w = randomIn(ag::Var<double>(fn(ag::Var<double>(x))).sizes(), -1, 1);
  auto f = [&](const ag::Var<double>& v) { return ag::sum(fn(v) * w); };
  const auto r = ag::gradcheck(f, x);
  INFO(r.message);
  CHECK(r.ok);
  CHECK(r.checked == x.nElement());
}

/// gradcheck with respect to both operands of fn(a, b), of sizes sa and sb.
template <class Fn>
void checkBinary(const char* name, Fn fn, const t7::Shape& sa, const t7::Shape& sb, double lo = -2, double hi = 2) {
  namespace ag = t7::autograd;
  INFO(name << " " << sa.toString() << " and " << sb.toString());
  std::vector<t7::DoubleTensor> p{randomIn(sa, lo, hi), randomIn(sb, lo, hi)};
  const t7::DoubleTensor w = randomIn(ag::Var<double>(fn(ag::Var<double>(p[0]), ag::Var<double>(p[1]))).sizes(), -1, 1);
  auto f = [&](const std::vector<ag::Var<double>>& v) { return ag::sum(fn(v[0], v[1]) * w); };
  const auto r = ag::gradcheck(f, p);
  INFO(r.message);
  CHECK(r.ok);
}

}  // namespace t7test
