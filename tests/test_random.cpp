// The Generator reproduces Torch7's streams bit for bit (torch/torch7: lib/TH/THRandom.c).
// "documented" vectors come from Torch7's doc/random.md; the others were computed with an
// independent C re-implementation of THRandom.c that reproduces the documented ones.
#include "helpers.hpp"

#include <algorithm>
#include <cmath>
#include <random>

using namespace t7;
using t7test::values;

namespace {
void checkClose(const std::vector<double>& got, const std::vector<double>& want, double eps = 1e-15) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(eps));
}
}  // namespace

TEST_CASE("MT19937 core matches the reference generator", "[random]") {
  // std::mt19937 implements the same MT19937 with the same Knuth seeding.
  for (std::uint32_t s : {0u, 1u, 123u, 5489u, 4294967295u}) {
    Generator g(s);
    std::mt19937 ref(s);
    for (int i = 0; i < 2000; ++i) REQUIRE(g.random() == ref());  // crosses several state refills
  }
  Generator g(123);
  for (int i = 0; i < 624; ++i) g.random();
  CHECK(g.random() == 1280954235u);  // the 625th draw
}

TEST_CASE("documented Torch7 values: uniform after manualSeed(123), random after manualSeed(0)", "[random]") {
  manualSeed(123);
  CHECK(initialSeed() == 123);
  CHECK(uniform() == Approx(0.69646918727085).epsilon(1e-13));
  CHECK(uniform() == Approx(0.71295532141812).epsilon(1e-13));
  CHECK(uniform() == Approx(0.28613933874294).epsilon(1e-13));
  manualSeed(initialSeed());
  CHECK(uniform() == Approx(0.69646918727085).epsilon(1e-13));

  Generator gen;
  gen.manualSeed(0);
  manualSeed(0);
  CHECK(gen.random() == 2357136044u);
  CHECK(gen.random() == 2546248239u);
  CHECK(t7::random() == 2357136044u);  // generators are independent streams
}

TEST_CASE("uniform and rand draw one 32-bit number per element, divided by 2^32", "[random]") {
  Generator g(123);
  CHECK(g.random() == 2991312382u);
  CHECK(g.random() == 3062119789u);
  g.manualSeed(123);
  checkClose(values(rand<double>(g, {5})), {0.69646918727084994, 0.71295532141812146, 0.28613933874294162,
                                            0.42847092496231198, 0.22685145493596792});
  g.manualSeed(123);
  CHECK(values(rand<float>(g, {3})) == std::vector<float>{0.696469188f, 0.712955296f, 0.286139339f});
  g.manualSeed(123);
  DoubleTensor d(4);
  d.uniform(g, -0.1, 0.1);
  checkClose(values(d), {0.039293837454169978, 0.042591064283624303, -0.042772132251411681, -0.014305815007537609});
  g.manualSeed(123);
  FloatTensor f(4);
  f.uniform(g, -0.1, 0.1);  // bounds rounded to float first, as Torch7 does
  CHECK(values(f) == std::vector<float>{0.0392938368f, 0.0425910652f, -0.0427721329f, -0.0143058151f});
  g.manualSeed(1);
  checkClose({g.uniform(), g.uniform(), g.uniform()}, {0.41702199843712151, 0.99718480813317001, 0.72032448928803205});
}

TEST_CASE("normal is Box-Muller with the cached second value", "[random]") {
  Generator g(123);
  checkClose(values(randn<double>(g, {6})), {-0.52144306271244167, -1.4914194359815409, -0.23812953316813365,
                                             1.0306183433272835, 0.22208946892804701, 1.5161659250601325});
  g.manualSeed(123);
  CHECK(values(randn<float>(g, {4})) == std::vector<float>{-0.521443069f, -1.49141943f, -0.238129526f, 1.03061831f});
  g.manualSeed(123);
  checkClose({g.normal(2, 3), g.normal(2, 3)}, {0.43567081186267487, -2.4742583079446225});
  // manualSeed forgets the cached value.
  g.manualSeed(123);
  g.normal();
  g.manualSeed(123);
  CHECK(g.normal() == Approx(-0.52144306271244167).epsilon(1e-15));
}

TEST_CASE("exponential, cauchy, logNormal, geometric and bernoulli use Torch7's formulas", "[random]") {
  Generator g(123);
  checkClose({g.logNormal(1, 2), g.logNormal(1, 2)}, {0.95802047803062884, 0.13767783226140481});
  g.manualSeed(123);
  checkClose({g.exponential(1), g.exponential(1)}, {1.1922721489928634, 1.2481174008372147});
  g.manualSeed(123);
  checkClose({g.cauchy(0, 1), g.cauchy(0, 1)}, {0.70972969302555899, 0.79065846734277412}, 1e-13);
  g.manualSeed(123);
  LongTensor geo(5);
  geo.geometric(g, 0.5);
  CHECK(values(geo) == std::vector<std::int64_t>{2, 2, 1, 1, 1});
  g.manualSeed(123);
  ByteTensor b(8);
  b.bernoulli(g, 0.5);
  CHECK(values(b) == std::vector<std::uint8_t>{0, 0, 1, 1, 1, 0, 0, 0});
  g.manualSeed(123);
  FloatTensor bf(2, 4);
  bf.bernoulli(g, full<double>({8}, 0.5));  // per-element probabilities, same draws
  CHECK(values(bf) == std::vector<float>{0, 0, 1, 1, 1, 0, 0, 0});
  g.manualSeed(123);
  DoubleTensor e(2);
  e.exponential(g, 1);
  checkClose(values(e), {1.1922721489928634, 1.2481174008372147});
  g.manualSeed(123);
  e.logNormal(g, 1, 2);
  checkClose(values(e), {0.95802047803062884, 0.13767783226140481});
  g.manualSeed(123);
  e.cauchy(g);
  checkClose(values(e), {0.70972969302555899, 0.79065846734277412}, 1e-13);
  CHECK(values(zeros<float>(3).bernoulli(g, 0.0)) == std::vector<float>{0, 0, 0});
  CHECK(values(zeros<float>(3).bernoulli(g, 1.0)) == std::vector<float>{1, 1, 1});
}

TEST_CASE("integer random, random(n), random(a, b) and randperm", "[random]") {
  Generator g(123);
  ByteTensor by(4);
  by.random(g);
  CHECK(values(by) == std::vector<std::uint8_t>{254, 109, 126, 66});
  g.manualSeed(123);
  IntTensor in(4);
  in.random(g);
  CHECK(values(in) == std::vector<int>{843828734, 914636141, 1228959102, 1840268610});
  g.manualSeed(123);
  LongTensor r(8);
  r.random(g, 1, 10);  // Torch7's torch.random(1, 10)
  CHECK(values(r) == std::vector<std::int64_t>{3, 10, 3, 1, 1, 3, 7, 8});
  g.manualSeed(123);
  r.random(g, 6);  // Torch7's random(6) is 1..6; t7's is 0..5, same draws
  CHECK(values(r) == std::vector<std::int64_t>{4, 1, 0, 0, 4, 2, 0, 5});
  g.manualSeed(123);
  CHECK(values(randperm(g, 10)) == std::vector<std::int64_t>{2, 0, 8, 1, 3, 7, 4, 9, 5, 6});
  g.manualSeed(0);
  CHECK(values(randperm<int>(g, 10)) == std::vector<int>{4, 1, 7, 5, 3, 9, 0, 8, 6, 2});
  auto p = values(randperm(g, 1000));
  std::sort(p.begin(), p.end());
  for (int i = 0; i < 1000; ++i) REQUIRE(p[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("multinomial draws 0-based indices with Torch7's algorithm", "[random]") {
  Generator g(123);
  DoubleTensor p{0.1, 0.2, 0.3, 0.4};
  CHECK(values(multinomial(g, p, 8, true)) == std::vector<std::int64_t>{3, 3, 1, 2, 1, 3, 2, 3});
  g.manualSeed(123);
  CHECK(values(multinomial(g, p, 4, false)) == std::vector<std::int64_t>{3, 2, 0, 1});
  // Rows are independent distributions; zero-probability categories never come out.
  g.manualSeed(7);
  DoubleTensor rows{{0, 1, 0}, {1, 0, 1}};
  LongTensor s = multinomial(g, rows, 50, true);
  CHECK(s.sizes() == Shape{2, 50});
  for (int j = 0; j < 50; ++j) {
    CHECK(s(0, j) == 1);
    CHECK(s(1, j) != 1);
  }
  T7_REQUIRE_THROWS_WITH_ALL(multinomial(g, p, 5, false), ValueError, "without replacement", "4 categories");
  T7_REQUIRE_THROWS_WITH_ALL(multinomial(g, DoubleTensor{0, 1, 0}, 2, false), ValueError, "distinct");
  T7_REQUIRE_THROWS_WITH_ALL(multinomial(g, DoubleTensor{0.5, -0.1}, 1), ValueError, "invalid probability");
  T7_REQUIRE_THROWS_WITH_ALL(multinomial(g, DoubleTensor{0.0, 0.0}, 1), ValueError, "summing to 0");
}

TEST_CASE("getRNGState / setRNGState replay the stream, Box-Muller cache included", "[random]") {
  manualSeed(123);
  uniform();
  ByteTensor s = getRNGState();
  CHECK(s.nElement() == 5048);  // Torch7's THGenerator on 64-bit Linux
  CHECK(s(0) == 123);           // the_initial_seed, little-endian
  const double a = uniform(), b = uniform();
  CHECK(a == Approx(0.71295532141812).epsilon(1e-13));
  setRNGState(s);
  CHECK(uniform() == a);
  CHECK(uniform() == b);

  Generator g(99);
  g.normal();  // leaves the sin() half cached
  ByteTensor mid = getRNGState(g);
  const double next = g.normal();
  Generator h;
  setRNGState(h, mid);
  CHECK(h.normal() == next);
  CHECK(h.getState() == g.getState());

  T7_REQUIRE_THROWS_WITH_ALL(setRNGState(h, ByteTensor(100)), ValueError, "setRNGState", "5048");
  ByteTensor bad = mid.clone();
  for (int i = 8; i < 12; ++i) bad(i) = 0;  // left = 0 is impossible
  T7_REQUIRE_THROWS_WITH_ALL(setRNGState(h, bad), ValueError, "invalid state");
  ByteTensor bad2 = mid.clone();
  bad2(24 + 4) = 1;  // a state word above 32 bits
  T7_REQUIRE_THROWS_WITH_ALL(setRNGState(h, bad2), ValueError, "32 bits");
  CHECK(h.getState() == g.getState());  // a failed restore changes nothing
}

TEST_CASE("seed() picks a seed that initialSeed reports and manualSeed replays", "[random]") {
  Generator g;
  const auto s = g.seed();
  CHECK(g.initialSeed() == s);
  const auto x = g.random();
  g.manualSeed(s);
  CHECK(g.random() == x);
}

TEST_CASE("random fills check their arguments and element types", "[random][errors]") {
  IntTensor i(3);
  T7_REQUIRE_THROWS_WITH_ALL(i.uniform(), TypeError, "uniform", "torch.IntTensor");
  T7_REQUIRE_THROWS_WITH_ALL(i.normal(), TypeError, "normal");
  FloatTensor f(3);
  T7_REQUIRE_THROWS_WITH_ALL(f.normal(0, -1), ValueError, "standard deviation");
  T7_REQUIRE_THROWS_WITH_ALL(f.bernoulli(1.5), ValueError, "bernoulli", "1.5");
  T7_REQUIRE_THROWS_WITH_ALL(f.bernoulli(full<float>({2}, 0.5f)), SizeError, "bernoulli", "2", "3");
  T7_REQUIRE_THROWS_WITH_ALL(f.geometric(1.0), ValueError, "geometric");
  T7_REQUIRE_THROWS_WITH_ALL(f.uniform(1, 0), ValueError, "uniform");
  T7_REQUIRE_THROWS_WITH_ALL(f.exponential(0), ValueError, "lambda");
  T7_REQUIRE_THROWS_WITH_ALL(i.random(5, 1), ValueError, "random");
  T7_REQUIRE_THROWS_WITH_ALL(ByteTensor(2).random(0, 300), ValueError, "does not fit", "Byte");
  T7_REQUIRE_THROWS_WITH_ALL(randperm(0), ValueError, "randperm");
}

TEST_CASE("random fills visit strided tensors in row-major order", "[random]") {
  Generator g(5);
  DoubleTensor base = zeros<double>(4, 6);
  DoubleTensor view = base.narrow(1, 1, 3).t();  // 3x4, strided
  view.uniform(g);
  g.manualSeed(5);
  DoubleTensor flat = rand<double>(g, {12});
  CHECK(values(view) == values(flat));
  CHECK(base(0, 0) == 0);  // nothing outside the view was written
}
