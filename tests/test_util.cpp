// Utilities: Timer, tic/toc, equal, allclose, maxAbsDiff.
#include "helpers.hpp"

#include <t7/core/timer.hpp>
#include <t7/math/compare.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

using namespace t7;

namespace {
void spin(double seconds) {  // burns CPU time (user time grows)
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  volatile double x = 0;
  while (std::chrono::steady_clock::now() < end) x = x + 1;
}
}  // namespace

TEST_CASE("Timer accumulates real and user time, and stops", "[util][timer]") {
  Timer t;
  REQUIRE(t.running());
  spin(0.03);
  const Times a = t.time();
  CHECK(a.real >= 0.03);
  CHECK(a.user + a.sys > 0.0);  // the spin used CPU
  t.stop();
  const Times b = t.time();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const Times c = t.time();
  CHECK(c.real == b.real);  // stopped: frozen
  CHECK(c.user == b.user);
  t.resume();
  spin(0.01);
  CHECK(t.time().real >= b.real + 0.01);
  t.reset();
  CHECK(t.time().real < b.real);
  t.stop().reset();  // reset keeps a stopped timer stopped
  CHECK(!t.running());
  CHECK(t.time().real == 0.0);
}

TEST_CASE("tic and toc measure wall-clock seconds", "[util][timer]") {
  tic();
  std::this_thread::sleep_for(std::chrono::milliseconds(15));
  const double e = toc();
  CHECK(e >= 0.015);
  CHECK(e < 5.0);
}

TEST_CASE("equal compares sizes and every element", "[util][equal]") {
  FloatTensor a{{1, 2}, {3, 4}};
  CHECK(equal(a, a.clone()));
  CHECK(equal(a, DoubleTensor{{1, 2}, {3, 4}}));   // types may differ
  CHECK_FALSE(equal(a, FloatTensor{1, 2, 3, 4}));   // same elements, other sizes
  CHECK_FALSE(equal(a, FloatTensor{{1, 2}, {3, 5}}));
  CHECK(equal(a.t(), FloatTensor{{1, 3}, {2, 4}}));  // any layout
  CHECK(equal(a.t().t(), a));
  FloatTensor n{std::nanf("")};
  CHECK_FALSE(equal(n, n));
  CHECK(equal(a * 2, a + a));  // expressions are evaluated
}

TEST_CASE("allclose uses relative and absolute tolerances", "[util][allclose]") {
  DoubleTensor a{1.0, 100.0, 0.0};
  DoubleTensor b{1.0 + 1e-6, 100.0 + 1e-4, 1e-9};
  CHECK(allclose(a, b));                                // default rtol 1e-5, atol 1e-8
  CHECK_FALSE(allclose(a, b, {.rtol = 1e-7, .atol = 1e-8}));
  CHECK(allclose(a, b, {.rtol = 1e-7, .atol = 2e-4}));
  CHECK_FALSE(allclose(a, DoubleTensor{1.0, 100.0}));  // sizes differ
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(allclose(DoubleTensor{inf, -inf}, DoubleTensor{inf, -inf}));
  CHECK_FALSE(allclose(DoubleTensor{inf}, DoubleTensor{-inf}));
  CHECK_FALSE(allclose(DoubleTensor{inf}, DoubleTensor{1e308}));
  DoubleTensor nan{std::nan("")};
  CHECK_FALSE(allclose(nan, nan));
  CHECK(allclose(nan, nan, {.equalNan = true}));
  CHECK(allclose(exp(log(a + 1)), a + 1));  // expressions
}

TEST_CASE("maxAbsDiff is the largest difference and propagates NaN", "[util][allclose]") {
  FloatTensor a{1, 2, 3};
  FloatTensor b{1, 2.5f, 2};
  CHECK(maxAbsDiff(a, b) == 1.0);
  CHECK(std::isnan(maxAbsDiff(FloatTensor{std::nanf(""), 1}, FloatTensor{0, 5})));
  T7_REQUIRE_THROWS_WITH_ALL(maxAbsDiff(a, FloatTensor(2)), SizeError, "maxAbsDiff", "3 and 2");
}
