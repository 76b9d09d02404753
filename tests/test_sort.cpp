// Sorting and counting: sort, topk, histc, bincount.
#include "helpers.hpp"

#include <t7/math/sort.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>

using namespace t7;
using t7test::values;

namespace {
using Longs = std::vector<std::int64_t>;
constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInfF = std::numeric_limits<float>::infinity();

/// Element-wise equality where NaN equals NaN.
bool sameFloats(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

/// The reference: std::stable_sort of one slice by value (NaN-free input).
void referenceSort(const std::vector<float>& x, bool descending, std::vector<float>& v, Longs& idx) {
  idx.resize(x.size());
  std::iota(idx.begin(), idx.end(), 0);
  if (descending)
    std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return x[a] > x[b]; });
  else
    std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return x[a] < x[b]; });
  v.resize(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) v[i] = x[idx[i]];
}
}  // namespace

// ---- sort -------------------------------------------------------------------------------

TEST_CASE("sort: hand-computed values and 0-based indices, the last dimension by default", "[math][sort]") {
  FloatTensor x{{3, 1, 2}, {9, 7, 8}};
  auto [v, i] = sort(x);
  CHECK(v.sizes() == Shape{2, 3});
  CHECK(values(v) == std::vector<float>{1, 2, 3, 7, 8, 9});
  CHECK(values(i) == Longs{1, 2, 0, 1, 2, 0});
  auto d = sort(x, 1, true);
  CHECK(values(d.values) == std::vector<float>{3, 2, 1, 9, 8, 7});
  CHECK(values(d.indices) == Longs{0, 2, 1, 0, 2, 1});
  auto d2 = sort(x, true);  // Torch7's x:sort(true): descending, last dimension
  CHECK(values(d2.indices) == values(d.indices));
  CHECK(values(sort(x, 1L).indices) == values(i));  // a long is a dimension, never a flag
  CHECK(values(sort(x, 0L, true).indices) == Longs{1, 1, 1, 0, 0, 0});
  // along dimension 0
  FloatTensor y{{3, 1}, {1, 2}, {2, 0}};
  auto c = sort(y, 0);
  CHECK(values(c.values) == std::vector<float>{1, 0, 2, 1, 3, 2});
  CHECK(values(c.indices) == Longs{1, 2, 2, 0, 0, 1});
  c = sort(y, -2, true);
  CHECK(values(c.values) == std::vector<float>{3, 2, 2, 1, 1, 0});
  CHECK(values(c.indices) == Longs{0, 1, 2, 0, 1, 2});
  // 3-D, middle dimension
  FloatTensor z = FloatTensor{4, 3, 2, 1, 0, 5, 7, 6}.view(2, 2, 2);
  c = sort(z, 1);
  CHECK(values(c.values) == std::vector<float>{2, 1, 4, 3, 0, 5, 7, 6});
  CHECK(values(c.indices) == Longs{1, 1, 0, 0, 0, 0, 1, 1});
}

TEST_CASE("sort is stable: equal values keep their order, ascending and descending", "[math][sort]") {
  FloatTensor x{2, 1, 2, 1, 0, 2};
  auto a = sort(x);
  CHECK(values(a.values) == std::vector<float>{0, 1, 1, 2, 2, 2});
  CHECK(values(a.indices) == Longs{4, 1, 3, 0, 2, 5});
  auto d = sort(x, 0, true);
  CHECK(values(d.values) == std::vector<float>{2, 2, 2, 1, 1, 0});
  CHECK(values(d.indices) == Longs{0, 2, 5, 1, 3, 4});
  // -0 and +0 are equal
  FloatTensor z{0.0f, -0.0f, 0.0f};
  CHECK(values(sort(z).indices) == Longs{0, 1, 2});
  CHECK(values(sort(z, true).indices) == Longs{0, 1, 2});
  // all equal
  CHECK(values(sort(ones<float>(5), true).indices) == Longs{0, 1, 2, 3, 4});
}

TEST_CASE("sort: NaN is the largest value (last ascending, first descending)", "[math][sort]") {
  FloatTensor x{3, kNan, 1, kNan, 2, -kInfF, kInfF};
  auto a = sort(x);
  CHECK(sameFloats(values(a.values), {-kInfF, 1, 2, 3, kInfF, kNan, kNan}));
  CHECK(values(a.indices) == Longs{5, 2, 4, 0, 6, 1, 3});
  auto d = sort(x, true);
  CHECK(sameFloats(values(d.values), {kNan, kNan, kInfF, 3, 2, 1, -kInfF}));
  CHECK(values(d.indices) == Longs{1, 3, 6, 0, 4, 2, 5});
  DoubleTensor all = full<double>({3}, std::nan(""));
  CHECK(values(sort(all).indices) == Longs{0, 1, 2});
}

TEMPLATE_TEST_CASE("sort on every element type", "[math][sort]", std::int8_t, std::uint8_t, std::int16_t, std::int32_t,
                   std::int64_t, float, double) {
  using T = TestType;
  Tensor<T> x{5, 3, 9, 3, 0, 7};
  auto [v, i] = sort(x);
  CHECK(values(v) == std::vector<T>{0, 3, 3, 5, 7, 9});
  CHECK(values(i) == Longs{4, 1, 3, 0, 5, 2});
  auto d = sort(x, 0, true);
  CHECK(values(d.values) == std::vector<T>{9, 7, 5, 3, 3, 0});
  CHECK(values(d.indices) == Longs{2, 5, 0, 1, 3, 4});
  if constexpr (std::is_signed_v<T>) {
    Tensor<T> n{1, -2, std::numeric_limits<T>::lowest(), std::numeric_limits<T>::max()};
    CHECK(values(sort(n).indices) == Longs{2, 1, 0, 3});
  }
}

TEST_CASE("sort: non-contiguous inputs and outputs", "[math][sort]") {
  FloatTensor g{{3, 1, 2}, {0, 5, 4}};
  FloatTensor t = g.t();  // 3x2: {{3,0},{1,5},{2,4}}
  auto r = sort(t, 0);
  CHECK(values(r.values) == std::vector<float>{1, 0, 2, 4, 3, 5});
  CHECK(values(r.indices) == Longs{1, 0, 2, 2, 0, 1});
  r = sort(t, 1, true);
  CHECK(values(r.values) == std::vector<float>{3, 0, 5, 1, 4, 2});
  CHECK(values(r.indices) == Longs{0, 1, 1, 0, 1, 0});
  // expanded (stride 0)
  FloatTensor e = FloatTensor{3, 1, 2}.view(1, 3).expand(2, 3);
  r = sort(e);
  CHECK(values(r.values) == std::vector<float>{1, 2, 3, 1, 2, 3});
  CHECK(values(r.indices) == Longs{1, 2, 0, 1, 2, 0});
  r = sort(e, 0);  // ties along the expanded dimension
  CHECK(values(r.indices) == Longs{0, 0, 0, 1, 1, 1});
  // narrowed
  r = sort(g.narrow(1, 1, 2), 1, true);
  CHECK(values(r.values) == std::vector<float>{2, 1, 5, 4});
  // size-1 dimension and size-0 dimension
  CHECK(values(sort(g.narrow(0, 0, 1), 0).indices) == Longs{0, 0, 0});
  CHECK(sort(g.narrow(1, 0, 0), 1).values.sizes() == Shape{2, 0});
  CHECK(sort(g.narrow(0, 0, 0), 1).indices.sizes() == Shape{0, 3});
}

TEST_CASE("sort: result-first form, in place, views of the right size keep their strides", "[math][sort]") {
  FloatTensor x{{3, 1, 2}, {0, 5, 4}};
  FloatTensor v;
  LongTensor i;
  auto r = sort(v, i, x, 1);
  CHECK(values(v) == std::vector<float>{1, 2, 3, 0, 4, 5});
  CHECK(values(i) == Longs{1, 2, 0, 0, 2, 1});
  CHECK(r.values.isSetTo(v));
  CHECK(r.indices.isSetTo(i));
  sort(v, i, x, true);
  CHECK(values(i) == Longs{0, 2, 1, 1, 2, 0});
  // in place: values is x
  FloatTensor y = x.clone();
  sort(y, i, y, 0);
  CHECK(values(y) == std::vector<float>{0, 1, 2, 3, 5, 4});
  CHECK(values(i) == Longs{1, 0, 0, 0, 1, 1});
  // into transposed views
  FloatTensor vb = zeros<float>(3, 2);
  LongTensor ib = zeros<std::int64_t>(3, 2);
  FloatTensor vt = vb.t();
  LongTensor it = ib.t();
  sort(vt, it, x, 1);
  CHECK(vt.strides() == Shape{1, 2});
  CHECK(values(vb) == std::vector<float>{1, 0, 2, 4, 3, 5});
  CHECK(values(ib) == Longs{1, 0, 2, 2, 0, 1});
  // values overlapping x with another layout: through a temporary
  FloatTensor z = FloatTensor{4, 3, 2, 1};
  FloatTensor zr = z.narrow(0, 1, 3);
  sort(zr, i, z);  // zr is resized to 4 elements over z's storage
  CHECK(values(zr) == std::vector<float>{1, 2, 3, 4});
  CHECK(values(i) == Longs{3, 2, 1, 0});
  // a LongTensor sorted into itself as the indices
  LongTensor l{2, 0, 1};
  LongTensor lv;
  sort(lv, l, l);
  CHECK(values(lv) == Longs{0, 1, 2});
  CHECK(values(l) == Longs{1, 2, 0});
}

TEST_CASE("sort matches std::stable_sort on 10^5 random floats per slice", "[math][sort]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::uniform_int_distribution<int> small(0, 50);  // many ties
  const index_t n = 100000, slices = 3;
  FloatTensor x(slices, n);
  float* p = x.data();
  for (index_t j = 0; j < n; ++j) p[j] = u(rng);
  for (index_t j = n; j < 2 * n; ++j) p[j] = static_cast<float>(small(rng));
  for (index_t j = 2 * n; j < 3 * n; ++j) p[j] = static_cast<float>(j % 1000);  // a sawtooth
  for (bool descending : {false, true}) {
    auto [v, idx] = sort(x, 1, descending);
    auto [vt, it] = sort(x.t(), 0, descending);  // the same slices, strided
    for (index_t s = 0; s < slices; ++s) {
      std::vector<float> ref;
      Longs refIdx;
      referenceSort(values(x.select(0, s)), descending, ref, refIdx);
      INFO("slice " << s << ", descending " << descending);
      CHECK(values(v.select(0, s)) == ref);
      CHECK(values(idx.select(0, s)) == refIdx);
      CHECK(values(it.select(1, s)) == refIdx);
    }
  }
}

TEST_CASE("sort: many small slices run in parallel and match the reference", "[math][sort]") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> small(0, 9);
  const index_t rows = 20000, cols = 7;
  IntTensor x(rows, cols);
  for (auto& e : x) e = small(rng);
  auto [v, idx] = sort(x, 1, true);
  bool ok = true;
  for (index_t r = 0; r < rows && ok; r += 97) {
    std::vector<float> row;
    for (auto e : x.select(0, r)) row.push_back(static_cast<float>(e));
    std::vector<float> ref;
    Longs refIdx;
    referenceSort(row, true, ref, refIdx);
    ok = values(idx.select(0, r)) == refIdx;
  }
  CHECK(ok);
  // in place, and into transposed outputs, on the parallel path
  IntTensor y = x.clone();
  LongTensor yi;
  sort(y, yi, y, 1, true);
  CHECK(values(y) == values(v));
  CHECK(values(yi) == values(idx));
  IntTensor vt = IntTensor(cols, rows).t();
  LongTensor it = LongTensor(cols, rows).t();
  sort(vt, it, x, 1, true);
  CHECK(values(vt) == values(v));
  CHECK(values(it) == values(idx));
  auto c = sort(x, 0);  // 7 slices of 20000, strided
  bool sortedCols = true;
  for (index_t j = 0; j < cols; ++j) {
    auto col = values(c.values.select(1, j));
    sortedCols = sortedCols && std::is_sorted(col.begin(), col.end());
  }
  CHECK(sortedCols);
}

TEST_CASE("sort: errors", "[math][sort]") {
  FloatTensor x{{1, 2}, {3, 4}};
  T7_REQUIRE_THROWS_WITH_ALL(sort(x, 2), IndexError, "sort", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(sort(x, -3), IndexError, "sort", "dimension -3");
  T7_REQUIRE_THROWS_WITH_ALL(sort(FloatTensor()), IndexError, "sort", "0 dimensions");
}

// ---- topk -----------------------------------------------------------------------------------

TEST_CASE("topk: the k smallest by default (Torch7), the k largest with largest = true", "[math][topk]") {
  FloatTensor x{5, 1, 4, 2, 3};
  auto [v, i] = topk(x, 2);
  CHECK(values(v) == std::vector<float>{1, 2});
  CHECK(values(i) == Longs{1, 3});
  auto l = topk(x, 2, 0, true);
  CHECK(values(l.values) == std::vector<float>{5, 4});
  CHECK(values(l.indices) == Longs{0, 2});
  auto l2 = topk(x, 3, true);  // Torch7's x:topk(3, true)
  CHECK(values(l2.values) == std::vector<float>{5, 4, 3});
  CHECK(values(topk(x, 3, true, true).indices) == Longs{0, 2, 4});
  CHECK(values(topk(x, 2, 0L).indices) == Longs{1, 3});  // a long is a dimension
  // sorted = false still gives them sorted (deterministic)
  CHECK(values(topk(x, 3, 0, false, false).values) == std::vector<float>{1, 2, 3});
  // k = 0 and k = size
  auto z = topk(x, 0);
  CHECK(z.values.sizes() == Shape{0});
  CHECK(z.indices.sizes() == Shape{0});
  auto all = topk(x, 5, 0, true);
  auto s = sort(x, 0, true);
  CHECK(values(all.values) == values(s.values));
  CHECK(values(all.indices) == values(s.indices));
}

TEST_CASE("topk: ties take the lower index, NaN is the largest", "[math][topk]") {
  FloatTensor t{1, 0, 1, 0, 1};
  CHECK(values(topk(t, 2).indices) == Longs{1, 3});
  CHECK(values(topk(t, 3).indices) == Longs{1, 3, 0});
  CHECK(values(topk(t, 2, true).indices) == Longs{0, 2});
  CHECK(values(topk(t, 4, true).indices) == Longs{0, 2, 4, 1});
  FloatTensor n{kNan, 1, kNan, 3};
  auto l = topk(n, 2, true);
  CHECK(values(l.indices) == Longs{0, 2});
  auto sm = topk(n, 3);
  CHECK(sameFloats(values(sm.values), {1, 3, kNan}));
  CHECK(values(sm.indices) == Longs{1, 3, 0});
}

TEMPLATE_TEST_CASE("topk keeps the dimension with size k, any dim, any type", "[math][topk]", std::int8_t,
                   std::uint8_t, std::int32_t, std::int64_t, float, double) {
  using T = TestType;
  Tensor<T> x = Tensor<T>{3, 9, 1, 4, 7, 2, 8, 6, 5, 0, 11, 10}.view(3, 4);
  auto r = topk(x, 2, 0, true);  // per column, the 2 largest
  CHECK(r.values.sizes() == Shape{2, 4});
  CHECK(values(r.values) == std::vector<T>{7, 9, 11, 10, 5, 2, 8, 6});
  CHECK(values(r.indices) == Longs{1, 0, 2, 2, 2, 1, 1, 1});
  r = topk(x, 1);  // per row, the smallest, kept as a size-1 dimension
  CHECK(r.values.sizes() == Shape{3, 1});
  CHECK(values(r.values) == std::vector<T>{1, 2, 0});
  CHECK(values(r.indices) == Longs{2, 1, 1});
  r = topk(x.t(), 2, 1);  // transposed: per column of x, the 2 smallest
  CHECK(r.values.sizes() == Shape{4, 2});
  CHECK(values(r.values) == std::vector<T>{3, 5, 0, 2, 1, 8, 4, 6});
  CHECK(values(r.indices) == Longs{0, 2, 2, 1, 0, 1, 0, 1});
}

TEST_CASE("topk equals the prefix of the stable sort on large random slices", "[math][topk]") {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(0, 999);  // ties
  FloatTensor x(4, 50000);
  for (auto& e : x) e = static_cast<float>(d(rng));
  for (index_t k : {index_t{1}, index_t{10}, index_t{1000}, index_t{50000}}) {
    for (bool largest : {false, true}) {
      auto r = topk(x, k, 1, largest);
      auto s = sort(x, 1, largest);
      INFO("k " << k << ", largest " << largest);
      CHECK(values(r.values) == values(s.values.narrow(1, 0, k)));
      CHECK(values(r.indices) == values(s.indices.narrow(1, 0, k)));
    }
  }
}

TEST_CASE("topk: result-first form and errors", "[math][topk]") {
  FloatTensor x{{5, 1, 4}, {2, 3, 0}};
  FloatTensor v;
  LongTensor i;
  topk(v, i, x, 2, 1, true);
  CHECK(values(v) == std::vector<float>{5, 4, 3, 2});
  CHECK(values(i) == Longs{0, 2, 1, 0});
  topk(v, i, x, 1, true);
  CHECK(values(v) == std::vector<float>{5, 3});
  topk(x, i, x, 1, 0);  // the values go to x itself: through a temporary
  CHECK(x.sizes() == Shape{1, 3});
  CHECK(values(x) == std::vector<float>{2, 1, 0});
  CHECK(values(i) == Longs{1, 0, 1});
  FloatTensor y{1, 2, 3};
  T7_REQUIRE_THROWS_WITH_ALL(topk(y, 4), ValueError, "topk", "k = 4", "valid: 0 to 3");
  T7_REQUIRE_THROWS_WITH_ALL(topk(y, -1), ValueError, "topk", "k = -1");
  T7_REQUIRE_THROWS_WITH_ALL(topk(y, 1, 1), IndexError, "topk", "dimension 1");
}

// ---- histc ----------------------------------------------------------------------------------

TEST_CASE("histc: hand-computed bins, Torch7's rules", "[math][histc]") {
  // torch.histc(torch.Tensor{1, 2, 1}, 4, 0, 3)
  CHECK(values(histc(FloatTensor{1, 2, 1}, 4, 0, 3)) == std::vector<float>{0, 2, 1, 0});
  // min == max: the data's range [1, 4]; the max value falls in the last bin
  CHECK(values(histc(FloatTensor{1, 2, 3, 4}, 3)) == std::vector<float>{1, 1, 2});
  // outside [min, max] is not counted
  CHECK(values(histc(DoubleTensor{-1, 0, 0.5, 1, 2}, 2, 0, 1)) == std::vector<double>{1, 2});
  // all equal: widened to [v - 1, v + 1]
  CHECK(values(histc(FloatTensor{5, 5}, 2)) == std::vector<float>{0, 2});
  // NaN is not counted, and does not spoil the data's range
  CHECK(values(histc(FloatTensor{kNan, 0, 10, kNan}, 2)) == std::vector<float>{1, 1});
  // default: 100 bins
  FloatTensor r = rand<float>(1000);
  FloatTensor h = histc(r);
  CHECK(h.sizes() == Shape{100});
  CHECK(std::accumulate(h.begin(), h.end(), 0.0) == 1000);
  // an empty tensor: zero counts
  CHECK(values(histc(FloatTensor(), 3)) == std::vector<float>{0, 0, 0});
  // ranges whose width is zero or denormal (no overflow of the bin index; review finding)
  CHECK(values(histc(DoubleTensor{0.0, 5e-324}, 10)) == std::vector<double>{1, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(values(histc(FloatTensor{1e20f, 1e20f}, 10)) == std::vector<float>{0, 0, 0, 0, 0, 2, 0, 0, 0, 0});
  CHECK(values(histc(FloatTensor{0.f}, 4, 0.0, 5e-324)) == std::vector<float>{1, 0, 0, 0});
}

TEST_CASE("histc: non-contiguous input, result-first, in place", "[math][histc]") {
  DoubleTensor g = range<double>(0, 11).view(3, 4);
  DoubleTensor col = g.select(1, 1);  // 1, 5, 9
  CHECK(values(histc(col, 3, 0, 12)) == std::vector<double>{1, 1, 1});
  CHECK(values(histc(g.t(), 4)) == std::vector<double>{3, 3, 3, 3});
  CHECK(values(histc(range<double>(1, 2).expand(3, 2), 2)) == std::vector<double>{3, 3});
  DoubleTensor res;
  histc(res, g, 2, 0, 11);
  CHECK(values(res) == std::vector<double>{6, 6});
  DoubleTensor y{1, 1, 2};
  histc(y, y, 2);  // the histogram replaces its input
  CHECK(values(y) == std::vector<double>{2, 1});
}

TEST_CASE("histc: errors", "[math][histc]") {
  FloatTensor x{1, 2};
  T7_REQUIRE_THROWS_WITH_ALL(histc(x, 0), ValueError, "histc", "bins must be > 0", "got 0");
  T7_REQUIRE_THROWS_WITH_ALL(histc(x, 5, 3, 1), ValueError, "histc", "min 3", "max 1");
  T7_REQUIRE_THROWS_WITH_ALL(histc(x, 5, std::nan(""), 1), ValueError, "histc", "min nan");
  T7_REQUIRE_THROWS_WITH_ALL(histc(FloatTensor{1, kInfF}, 5), ValueError, "histc", "not finite");
  T7_REQUIRE_THROWS_WITH_ALL(histc(DoubleTensor{-1e308, 1e308}, 5), ValueError, "histc", "not finite");
}

// ---- bincount --------------------------------------------------------------------------------

TEST_CASE("bincount: counts, minlength, weights (PyTorch semantics)", "[math][bincount]") {
  LongTensor x{0, 1, 1, 3};
  CHECK(values(bincount(x)) == Longs{1, 2, 0, 1});
  CHECK(values(bincount(x, 6)) == Longs{1, 2, 0, 1, 0, 0});
  CHECK(values(bincount(x, 2)) == Longs{1, 2, 0, 1});
  CHECK(values(bincount(x, DoubleTensor{0.5, 1, 2, 3})) == std::vector<double>{0.5, 3, 0, 3});
  CHECK(values(bincount(x, IntTensor{1, 2, 3, 4}, 5)) == std::vector<std::int32_t>{1, 5, 0, 4, 0});
  CHECK(values(bincount(LongTensor(), 3)) == Longs{0, 0, 0});
  CHECK(bincount(LongTensor()).sizes() == Shape{0});
  // other integer types, strided input and weights
  CHECK(values(bincount(ByteTensor{2, 2, 0})) == Longs{1, 0, 2});
  IntTensor m{{4, 0}, {4, 9}, {1, 9}};
  CHECK(values(bincount(m.select(1, 0))) == Longs{0, 1, 0, 0, 2});
  FloatTensor w = FloatTensor{{1, 2}, {3, 4}, {5, 6}}.t();
  CHECK(values(bincount(m.select(1, 0), w.select(0, 1))) == std::vector<float>{0, 6, 0, 0, 6});
}

TEST_CASE("bincount: errors", "[math][bincount]") {
  T7_REQUIRE_THROWS_WITH_ALL(bincount(LongTensor{1, -3, 2}), ValueError, "bincount", "non-negative", "x(1) = -3");
  T7_REQUIRE_THROWS_WITH_ALL(bincount(LongTensor{{1, 2}}), SizeError, "bincount", "1-D", "1x2");
  T7_REQUIRE_THROWS_WITH_ALL(bincount(LongTensor{1, 2}, FloatTensor{1}), SizeError, "bincount", "weights of size 1",
                             "x of size 2");
  T7_REQUIRE_THROWS_WITH_ALL(bincount(LongTensor{1}, -1), ValueError, "bincount", "minlength");
  T7_REQUIRE_THROWS_WITH_ALL(bincount(LongTensor{std::numeric_limits<std::int64_t>::max()}), SizeError, "bincount");
}
