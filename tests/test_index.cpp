// Mask and index operations: maskedSelect/Fill/Copy, nonzero, index(Select)/Copy/Add/Fill,
// gather, scatter, scatterAdd. Torch7's doc examples (0-based), every element type, every
// layout against a naive reference, duplicates, overlaps, and every error path with the
// destination left unchanged.
#include "helpers.hpp"

#include <t7/math/index.hpp>

#include <cstdint>
#include <limits>
#include <vector>

using namespace t7;
using t7test::values;

namespace {

/// 5x5 with x[i][j] = 10 i + j.
template <class T = float>
Tensor<T> grid5() {
  Tensor<T> x(5, 5);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) x(i, j) = static_cast<T>(10 * i + j);
  return x;
}

/// The same values as `t` in a transposed layout (not contiguous).
template <class T>
Tensor<T> transposedCopy(const Tensor<T>& t) {
  Tensor<T> s = t.transpose(0, t.dim() - 1).clone();
  return s.transpose(0, t.dim() - 1);
}

/// Random 0-based indices in [0, n).
LongTensor randomIndex(Generator& g, const Shape& sizes, index_t n) {
  LongTensor i(sizes);
  i.random(g, n);
  return i;
}

template <class T>
using Vec = std::vector<T>;

}  // namespace

// ---- masks --------------------------------------------------------------------------------

TEST_CASE("maskedSelect: Torch7's doc example, a mask of another shape with the same count", "[index][mask]") {
  DoubleTensor x = range<double>(1, 12).view(3, 4);
  ByteTensor mask{{1, 0, 1, 0, 0, 0}, {1, 1, 0, 0, 0, 1}};
  DoubleTensor y = maskedSelect(x, mask);
  CHECK(y.sizes() == Shape{5});
  CHECK(values(y) == Vec<double>{1, 3, 7, 8, 12});

  // Any nonzero byte selects (Torch7 errored on bytes other than 0 and 1).
  ByteTensor m2{{0, 7, 0, 255}, {0, 0, 0, 0}, {2, 0, 0, 0}};
  CHECK(values(maskedSelect(x, m2)) == Vec<double>{2, 4, 9});

  // Nothing selected: size 0, one dimension.
  DoubleTensor none = maskedSelect(x, zeros<std::uint8_t>(12));
  CHECK(none.dim() == 1);
  CHECK(none.nElement() == 0);

  // Empty input and empty mask.
  CHECK(maskedSelect(DoubleTensor(), ByteTensor()).sizes() == Shape{0});
}

TEST_CASE("maskedSelect: non-contiguous input and mask, result-first form", "[index][mask]") {
  IntTensor x = range<std::int32_t>(0, 11).view(3, 4);
  ByteTensor mask = zeros<std::uint8_t>(4, 3);
  mask(0, 1) = 1;  // x.t()(0, 1) = x(1, 0) = 4
  mask(3, 2) = 1;  // x.t()(3, 2) = x(2, 3) = 11
  mask(2, 0) = 1;  // x.t()(2, 0) = x(0, 2) = 2
  CHECK(values(maskedSelect(x.t(), mask)) == Vec<std::int32_t>{4, 2, 11});  // row-major order of x.t()
  // Transposed mask, narrowed input.
  IntTensor n = x.narrow(1, 1, 3);  // 3x3: 1 2 3 / 5 6 7 / 9 10 11
  ByteTensor mt = zeros<std::uint8_t>(3, 3);
  mt(0, 2) = 1;  // transposed: position (2, 0) -> 9
  mt(1, 1) = 1;  // (1, 1) -> 6
  CHECK(values(maskedSelect(n, mt.t())) == Vec<std::int32_t>{6, 9});
  // Expanded (stride-0) input and mask.
  IntTensor row = IntTensor{5, 6, 7}.view(1, 3).expand(2, 3);
  ByteTensor mrow = ByteTensor{1, 0, 1}.view(1, 3).expand(2, 3);
  CHECK(values(maskedSelect(row, mrow)) == Vec<std::int32_t>{5, 7, 5, 7});

  // Result-first: resized when the shape differs, else written through its own layout.
  IntTensor res(7, 7);
  CHECK(&maskedSelect(res, row, mrow) == &res);
  CHECK(values(res) == Vec<std::int32_t>{5, 7, 5, 7});
  IntTensor strided = zeros<std::int32_t>(8);
  IntTensor view = strided.narrow(0, 0, 8).view(4, 2).select(1, 1);  // size 4, stride 2
  maskedSelect(view, row, mrow);
  CHECK(values(strided) == Vec<std::int32_t>{0, 5, 0, 7, 0, 5, 0, 7});
  // res aliasing the input: computed through a temporary.
  IntTensor a = range<std::int32_t>(1, 6);
  maskedSelect(a, a, ByteTensor{0, 1, 1, 0, 1, 1});
  CHECK(values(a) == Vec<std::int32_t>{2, 3, 5, 6});
}

TEST_CASE("maskedFill and maskedCopy: Torch7's doc examples, views, aliasing", "[index][mask]") {
  // x:maskedCopy(mask, src) with a 1x8 mask on a 2x4 tensor (Torch7's example).
  DoubleTensor src = range<double>(1, 4).view(2, 2);
  ByteTensor mask{{0, 0, 1, 1, 1, 0, 1, 0}};
  DoubleTensor y = full<double>({2, 4}, -1);
  CHECK(&maskedCopy(y, mask, src) == &y);
  CHECK(values(y) == Vec<double>{-1, -1, 1, 2, 3, -1, 4, -1});

  // src with more elements than needed: the extra ones are ignored; a transposed src is
  // read in its row-major order.
  ShortTensor s = range<std::int16_t>(1, 6).view(2, 3);  // s.t() row-major: 1 4 2 5 3 6
  ShortTensor d = zeros<std::int16_t>(4);
  maskedCopy(d, ByteTensor{1, 0, 1, 1}, s.t());
  CHECK(values(d) == Vec<std::int16_t>{1, 0, 4, 2});

  // maskedFill on a 4x4 with a 2x8 mask, then on a transposed view.
  CharTensor c = zeros<std::int8_t>(4, 4);
  ByteTensor m(2, 8);
  m.zero();
  m(0, 1) = 1;
  m(1, 7) = 1;
  CHECK(&maskedFill(c, m, -1) == &c);
  CHECK(c(0, 1) == -1);
  CHECK(c(3, 3) == -1);
  CHECK(values(c.view(16)) == Vec<std::int8_t>{0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1});
  maskedFill(c.t(), m.view(4, 4), 5);  // c.t()(0,1) = c(1,0); c.t()(3,3) = c(3,3)
  CHECK(c(1, 0) == 5);
  CHECK(c(0, 1) == -1);
  CHECK(c(3, 3) == 5);
  // A temporary view as the destination (the rvalue overload returns its handle).
  LongTensor l = zeros<std::int64_t>(2, 3);
  LongTensor col = maskedFill(l.select(1, 2), ByteTensor{1, 1}, 9);
  CHECK(values(col) == Vec<std::int64_t>{9, 9});
  CHECK(values(l) == Vec<std::int64_t>{0, 0, 9, 0, 0, 9});
  maskedCopy(l.narrow(1, 0, 1), ByteTensor{0, 1}, LongTensor{4});
  CHECK(values(l) == Vec<std::int64_t>{0, 0, 9, 4, 0, 9});

  // A mask that overlaps the destination is read before anything is written.
  ByteTensor b = ones<std::uint8_t>(2, 2);
  maskedFill(b, b.t(), 0);
  CHECK(values(b) == Vec<std::uint8_t>{0, 0, 0, 0});
  // A src that overlaps the destination likewise.
  FloatTensor f = range<float>(1, 4);
  maskedCopy(f, ByteTensor{1, 1, 1, 1}, f.view(2, 2).t());  // f.t() row-major: 1 3 2 4
  CHECK(values(f) == Vec<float>{1, 3, 2, 4});
}

TEST_CASE("mask errors name the operation and both shapes; nothing is written", "[index][mask][errors]") {
  FloatTensor x = range<float>(1, 12).view(3, 4);
  const FloatTensor before = x.clone();
  T7_REQUIRE_THROWS_WITH_ALL(maskedSelect(x, ByteTensor(2, 5)), SizeError, "maskedSelect", "mask [2x5]", "input [3x4]",
                             "10 elements", "has 12");
  T7_REQUIRE_THROWS_WITH_ALL(maskedFill(x, ones<std::uint8_t>(13), 0), SizeError, "maskedFill", "mask [13]",
                             "destination [3x4]");
  T7_REQUIRE_THROWS_WITH_ALL(maskedCopy(x, ones<std::uint8_t>(11), x), SizeError, "maskedCopy", "[11]", "[3x4]");
  T7_REQUIRE_THROWS_WITH_ALL(maskedCopy(x, ones<std::uint8_t>(4, 3), range<float>(1, 11)), SizeError, "maskedCopy",
                             "mask [4x3] selects 12 elements", "src [11] has only 11");
  CHECK(values(x) == values(before));
  // The result of a failed maskedSelect is left as it was.
  FloatTensor res = full<float>({2}, 7);
  T7_REQUIRE_THROWS_WITH_ALL(maskedSelect(res, x, ByteTensor(3)), SizeError, "maskedSelect");
  CHECK(res.sizes() == Shape{2});
  CHECK(values(res) == Vec<float>{7, 7});
}

// ---- nonzero ------------------------------------------------------------------------------

TEST_CASE("nonzero: Torch7's doc example, 0-based, layouts, empty results", "[index][nonzero]") {
  IntTensor x{{2, 0, 2, 0}, {0, 0, 1, 2}, {0, 2, 2, 1}, {2, 1, 2, 2}};
  LongTensor nz = nonzero(x);
  CHECK(nz.sizes() == Shape{11, 2});
  CHECK(values(nz) == Vec<std::int64_t>{0, 0, 0, 2, 1, 2, 1, 3, 2, 1, 2, 2, 2, 3, 3, 0, 3, 1, 3, 2, 3, 3});

  // Transposed input: subscripts of x.t(), in its row-major order.
  CHECK(values(nonzero(x.t())) == Vec<std::int64_t>{0, 0, 0, 3, 1, 2, 1, 3, 2, 0, 2, 1, 2, 2, 2, 3, 3, 1, 3, 2, 3, 3});
  // 1-D and 3-D, floating types (NaN is nonzero, -0 is zero).
  DoubleTensor v{0.0, -0.0, 1.5, std::numeric_limits<double>::quiet_NaN()};
  CHECK(values(nonzero(v)) == Vec<std::int64_t>{2, 3});
  FloatTensor c = zeros<float>(2, 3, 2);
  c(1, 2, 0) = 1;
  c(0, 1, 1) = -3;
  CHECK(values(nonzero(c)) == Vec<std::int64_t>{0, 1, 1, 1, 2, 0});
  // Expanded input.
  CharTensor e = CharTensor{0, 4}.view(1, 2).expand(3, 2);
  CHECK(values(nonzero(e)) == Vec<std::int64_t>{0, 1, 1, 1, 2, 1});

  // No nonzero: size 0 x dim (Torch7 returned an empty tensor); an empty input gives 0 x 0.
  CHECK(nonzero(zeros<std::uint8_t>(3, 4)).sizes() == Shape{0, 2});
  CHECK(nonzero(ByteTensor()).sizes() == Shape{0, 0});

  // Result-first, including res aliasing a LongTensor input.
  LongTensor res;
  CHECK(&nonzero(res, x) == &res);
  CHECK(res.isSameSizeAs(nz));
  LongTensor self{0, 5, 0, 7};
  nonzero(self, self);
  CHECK(self.sizes() == Shape{2, 1});
  CHECK(values(self) == Vec<std::int64_t>{1, 3});
}

// ---- index family -------------------------------------------------------------------------

TEST_CASE("index / indexSelect: Torch7's doc examples along both dimensions", "[index][select]") {
  FloatTensor x = grid5();
  FloatTensor rows = index(x, 0, LongTensor{2, 0});
  CHECK(rows.sizes() == Shape{2, 5});
  CHECK(values(rows) == Vec<float>{20, 21, 22, 23, 24, 0, 1, 2, 3, 4});
  FloatTensor cols = indexSelect(x, 1, LongTensor{2, 0});
  CHECK(cols.sizes() == Shape{5, 2});
  CHECK(values(cols) == Vec<float>{2, 0, 12, 10, 22, 20, 32, 30, 42, 40});
  // Negative dims count from the end; repeats allowed; an empty index selects nothing.
  CHECK(values(indexSelect(x, -1, LongTensor{4, 4})) == Vec<float>{4, 4, 14, 14, 24, 24, 34, 34, 44, 44});
  CHECK(indexSelect(x, 0, LongTensor()).sizes() == Shape{0, 5});
  CHECK(indexSelect(x, 1, LongTensor(0)).sizes() == Shape{5, 0});
  // 1-D input.
  CHECK(values(index(LongTensor{7, 8, 9}, 0, LongTensor{2, 2, 0})) == Vec<std::int64_t>{9, 9, 7});
}

TEMPLATE_TEST_CASE("indexSelect matches a naive reference on every layout", "[index][select]", float, double,
                   std::int8_t, std::uint8_t, std::int16_t, std::int32_t, std::int64_t) {
  using T = TestType;
  Generator g(11);
  Tensor<T> base(4, 6, 5);
  base.random(g, 100);
  const LongTensor idx2 = randomIndex(g, {9}, 6);  // picks along dimension 1
  for (int variant = 0; variant < 3; ++variant) {
    // Contiguous, transposed, and expanded (stride 0 along dimension 0).
    Tensor<T> x = variant == 0 ? base : variant == 1 ? transposedCopy(base) : base.narrow(0, 1, 1).expand(4, 6, 5);
    for (int dim = 0; dim < 3; ++dim) {
      const index_t n = x.size(dim);
      LongTensor idx = randomIndex(g, {2 * n}, n);
      if (dim == 1) idx = LongTensor(idx2.clone());
      // Non-contiguous index: every other element of a longer vector.
      LongTensor wide = zeros<std::int64_t>(2 * idx.nElement());
      wide.view(idx.nElement(), 2).select(1, 1).copy(idx);
      const LongTensor strided = wide.view(idx.nElement(), 2).select(1, 1);
      Tensor<T> got = indexSelect(x, dim, strided);
      REQUIRE(got.sizes() == detail::withSize(x.sizes(), dim, idx.nElement()));
      bool ok = true;
      for (index_t i = 0; i < got.size(0); ++i)
        for (index_t j = 0; j < got.size(1); ++j)
          for (index_t k = 0; k < got.size(2); ++k) {
            index_t s[3] = {i, j, k};
            s[dim] = idx(s[dim]);
            ok = ok && got(i, j, k) == x(s[0], s[1], s[2]);
          }
      INFO("variant " << variant << " dim " << dim);
      CHECK(ok);
    }
  }
}

TEST_CASE("indexSelect: the contiguous row path equals the strided path; result-first forms", "[index][select]") {
  Generator g(5);
  FloatTensor table = randn<float>(g, {50, 16});           // an embedding table
  LongTensor ids = randomIndex(g, {200}, 50);
  FloatTensor fast = indexSelect(table, 0, ids);           // whole-row copies
  FloatTensor slow = indexSelect(transposedCopy(table), 0, ids);
  CHECK(values(fast) == values(slow));
  CHECK(values(fast.select(0, 7)) == values(table.select(0, ids(7))));

  // Into a res of the right shape but transposed layout: written through its strides.
  FloatTensor resT = FloatTensor(16, 200).t();
  FloatTensor& r = indexSelect(resT, table, 0, ids);
  CHECK(&r == &resT);
  CHECK(resT.strides() == Shape{1, 200});
  CHECK(values(resT) == values(fast));
  // Into a res of another shape: resized.
  FloatTensor res(3);
  index(res, table, 0, ids);
  CHECK(res.sizes() == Shape{200, 16});
  CHECK(values(res) == values(fast));
  // res aliasing the input.
  FloatTensor a = table.clone();
  indexSelect(a, a, 0, LongTensor{3, 3, 0});
  CHECK(a.sizes() == Shape{3, 16});
  CHECK(values(a.select(0, 1)) == values(table.select(0, 3)));
  CHECK(values(a.select(0, 2)) == values(table.select(0, 0)));
  // Large enough for the threaded path.
  FloatTensor big = randn<float>(g, {1000, 64});
  LongTensor many = randomIndex(g, {4000}, 1000);
  FloatTensor gb = indexSelect(big, 0, many);
  CHECK(values(gb.select(0, 3999)) == values(big.select(0, many(3999))));
  CHECK(values(gb) == values(indexSelect(transposedCopy(big), 0, many)));
}

TEST_CASE("indexCopy, indexAdd, indexFill: Torch7's doc examples", "[index][write]") {
  // z's first column -1, second -2; x:indexCopy(2, {5, 1}, z) -> columns 4 and 0.
  DoubleTensor z(5, 2);
  z.select(1, 0).fill(-1);
  z.select(1, 1).fill(-2);
  DoubleTensor x = grid5<double>();
  CHECK(&indexCopy(x, 1, LongTensor{4, 0}, z) == &x);
  CHECK(values(x.select(1, 4)) == Vec<double>{-1, -1, -1, -1, -1});
  CHECK(values(x.select(1, 0)) == Vec<double>{-2, -2, -2, -2, -2});
  CHECK(values(x.select(1, 2)) == Vec<double>{2, 12, 22, 32, 42});

  DoubleTensor a = ones<double>(5, 5);
  indexAdd(a, 1, LongTensor{4, 0}, z);
  CHECK(values(a.select(0, 3)) == Vec<double>{-1, 1, 1, 1, 0});

  DoubleTensor f = grid5<double>();
  CHECK(&indexFill(f, 1, LongTensor{3, 1}, -10) == &f);
  CHECK(values(f.select(0, 2)) == Vec<double>{20, -10, 22, -10, 24});
  indexFill(f, 0, LongTensor{4}, 0);
  CHECK(values(f.select(0, 4)) == Vec<double>{0, 0, 0, 0, 0});
  // 1-D destinations.
  IntTensor v = zeros<std::int32_t>(4);
  indexCopy(v, 0, LongTensor{3, 1}, IntTensor{7, 8});
  indexAdd(v, 0, LongTensor{3, 3, 0}, IntTensor{1, 1, 5});
  indexFill(v, 0, LongTensor{2}, -4);
  CHECK(values(v) == Vec<std::int32_t>{5, 8, -4, 9});
}

TEST_CASE("indexAdd accumulates duplicates; indexCopy's last duplicate wins; every layout", "[index][write]") {
  Generator g(3);
  // An embedding gradient: rows of src added to table rows, many repeats (the row path).
  FloatTensor grad = zeros<float>(10, 600);  // 600 columns: two column blocks
  FloatTensor src = ones<float>(300, 600);
  LongTensor ids = randomIndex(g, {300}, 10);
  indexAdd(grad, 0, ids, src);
  std::vector<float> counts(10, 0);
  for (index_t i = 0; i < 300; ++i) counts[ids(i)] += 1;
  for (index_t r = 0; r < 10; ++r) {
    CHECK(grad(r, 0) == counts[r]);
    CHECK(grad(r, 599) == counts[r]);
  }
  // The same on transposed (strided) layouts.
  FloatTensor gradT = transposedCopy(FloatTensor(zeros<float>(10, 600)));
  indexAdd(gradT, 0, ids, transposedCopy(src));
  CHECK(values(gradT) == values(grad));

  // indexCopy with repeats: the last occurrence wins, on both paths.
  LongTensor dup{1, 0, 1};
  ShortTensor s{{1, 1}, {2, 2}, {3, 3}};
  ShortTensor d1 = zeros<std::int16_t>(2, 2), d2 = transposedCopy(ShortTensor(zeros<std::int16_t>(2, 2)));
  indexCopy(d1, 0, dup, s);
  indexCopy(d2, 0, dup, transposedCopy(s));
  CHECK(values(d1) == Vec<std::int16_t>{2, 2, 3, 3});
  CHECK(values(d2) == values(d1));

  // Along the middle dimension of a 3-D tensor with a narrowed destination and src.
  LongTensor big = zeros<std::int64_t>(2, 5, 3);
  LongTensor dst = big.narrow(2, 1, 2);  // 2x5x2, not contiguous
  LongTensor add = range<std::int64_t>(1, 24).view(2, 3, 4).narrow(2, 0, 2);  // 2x3x2 strided
  indexAdd(dst, 1, LongTensor{4, 0, 4}, add);
  CHECK(dst(0, 4, 0) == add(0, 0, 0) + add(0, 2, 0));
  CHECK(dst(1, 0, 1) == add(1, 1, 1));
  CHECK(big(0, 4, 0) == 0);  // outside the narrowed view: untouched
  indexFill(big.transpose(0, 2), 1, LongTensor{2}, std::int64_t{-1});  // 3x5x2 view, fill along dim 1
  CHECK(big(0, 2, 0) == -1);
  CHECK(big(1, 2, 2) == -1);
  CHECK(big(1, 3, 2) == 0);

  // Temporary views as destinations.
  ByteTensor bytes = zeros<std::uint8_t>(3, 3);
  indexFill(bytes.narrow(0, 1, 2), 1, LongTensor{0}, 9);
  indexCopy(bytes.select(0, 0), 0, LongTensor{2}, ByteTensor{4});
  CHECK(values(bytes) == Vec<std::uint8_t>{0, 0, 4, 9, 0, 0, 9, 0, 0});
  CharTensor chars = zeros<std::int8_t>(2, 2);
  indexAdd(chars.t(), 0, LongTensor{1, 1}, CharTensor{{1, 2}, {3, 4}});
  CHECK(values(chars) == Vec<std::int8_t>{0, 4, 0, 6});
}

TEST_CASE("index writes read an overlapping index or src before writing", "[index][write]") {
  // The index is the destination itself: indices are copied first.
  LongTensor x{1, 0, 2};
  indexFill(x, 0, x, 5);
  CHECK(values(x) == Vec<std::int64_t>{5, 5, 5});
  LongTensor y{2, 0, 1};
  indexCopy(y, 0, y, LongTensor{7, 8, 9});
  CHECK(values(y) == Vec<std::int64_t>{8, 9, 7});
  // src is the destination: old values are added.
  FloatTensor a{{1, 2}, {3, 4}};
  indexAdd(a, 0, LongTensor{1, 0}, a);
  CHECK(values(a) == Vec<float>{4, 6, 4, 6});
  FloatTensor b{{1, 2}, {3, 4}};
  indexCopy(b, 1, LongTensor{1, 0}, b);
  CHECK(values(b) == Vec<float>{2, 1, 4, 3});
}

TEST_CASE("index errors: bad dim, index rank, values and shapes; nothing is written", "[index][errors]") {
  FloatTensor x = grid5();
  const FloatTensor before = x.clone();
  T7_REQUIRE_THROWS_WITH_ALL(indexSelect(x, 2, LongTensor{0}), IndexError, "indexSelect", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(indexSelect(FloatTensor(), 0, LongTensor{0}), IndexError, "indexSelect", "0 dimensions");
  T7_REQUIRE_THROWS_WITH_ALL(index(x, 0, LongTensor{{0, 1}}), SizeError, "indexSelect", "1-D", "[1x2]");
  T7_REQUIRE_THROWS_WITH_ALL(indexSelect(x, 0, LongTensor{0, 5}), IndexError, "indexSelect", "index 5",
                             "position [1]", "dimension 0", "input [5x5]", "size 5");
  T7_REQUIRE_THROWS_WITH_ALL(indexSelect(x, 1, LongTensor{-1}), IndexError, "index -1", "position [0]");

  FloatTensor res = full<float>({1}, 3);
  T7_REQUIRE_THROWS_WITH_ALL(indexSelect(res, x, 0, LongTensor{9}), IndexError, "indexSelect", "index 9");
  CHECK(res.sizes() == Shape{1});
  CHECK(res(0) == 3);

  T7_REQUIRE_THROWS_WITH_ALL(indexCopy(x, 1, LongTensor{0, 1}, FloatTensor(5, 3)), SizeError, "indexCopy",
                             "src [5x3]", "destination [5x5]", "2 indices", "expected src [5x2]");
  T7_REQUIRE_THROWS_WITH_ALL(indexCopy(x, 1, LongTensor{0, 7}, FloatTensor(5, 2)), IndexError, "indexCopy", "index 7",
                             "position [1]", "destination [5x5]");
  T7_REQUIRE_THROWS_WITH_ALL(indexAdd(x, 0, LongTensor{1, 2, 3}, FloatTensor(2, 5)), SizeError, "indexAdd",
                             "src [2x5]", "expected src [3x5]");
  T7_REQUIRE_THROWS_WITH_ALL(indexAdd(x, 0, LongTensor{0, 1, -3}, ones<float>(3, 5)), IndexError, "indexAdd",
                             "index -3", "position [2]", "size 5");
  T7_REQUIRE_THROWS_WITH_ALL(indexAdd(x, 5, LongTensor{0}, ones<float>(1, 5)), IndexError, "indexAdd", "dimension 5");
  T7_REQUIRE_THROWS_WITH_ALL(indexFill(x, 1, LongTensor{4, 5}, 0), IndexError, "indexFill", "index 5", "position [1]");
  T7_REQUIRE_THROWS_WITH_ALL(indexFill(x, 0, LongTensor(2, 2), 0), SizeError, "indexFill", "1-D", "[2x2]");
  // The valid indices before the bad one were not applied.
  CHECK(values(x) == values(before));
}

// ---- gather / scatter ---------------------------------------------------------------------

TEST_CASE("gather and scatter: Torch7's doc examples", "[index][gather]") {
  FloatTensor x = grid5();
  FloatTensor y = gather(x, 0, LongTensor{{0, 1, 2, 3, 4}, {1, 2, 3, 4, 0}});
  CHECK(y.sizes() == Shape{2, 5});
  CHECK(values(y) == Vec<float>{0, 11, 22, 33, 44, 10, 21, 32, 43, 4});
  FloatTensor z = gather(x, 1, LongTensor{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 0}});
  CHECK(z.sizes() == Shape{5, 2});
  CHECK(values(z) == Vec<float>{0, 1, 11, 12, 22, 23, 33, 34, 44, 40});

  DoubleTensor src{{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}};
  DoubleTensor s = zeros<double>(3, 5);
  CHECK(&scatter(s, 0, LongTensor{{0, 1, 2, 0, 0}, {2, 0, 0, 1, 2}}, src) == &s);
  CHECK(values(s) == Vec<double>{1, 7, 8, 4, 5, 0, 2, 0, 9, 0, 6, 0, 3, 0, 10});
  DoubleTensor v = zeros<double>(2, 4);
  scatter(v, 1, LongTensor{2, 3}.view(2, 1), 1.23);
  CHECK(values(v) == Vec<double>{0, 0, 1.23, 0, 0, 0, 0, 1.23});

  // gather then scatter round-trips a permutation.
  LongTensor perm{{2, 0, 1}, {1, 2, 0}};
  IntTensor m = range<std::int32_t>(0, 5).view(2, 3);
  IntTensor back = zeros<std::int32_t>(2, 3);
  scatter(back, 1, perm, gather(m, 1, perm));
  CHECK(values(back) == values(m));
}

TEMPLATE_TEST_CASE("gather, scatter, scatterAdd match a naive reference on every layout", "[index][gather]", float,
                   double, std::int8_t, std::uint8_t, std::int16_t, std::int32_t, std::int64_t) {
  using T = TestType;
  Generator g(21);
  Tensor<T> base(3, 4, 5);
  base.random(g, 50);
  for (int variant = 0; variant < 3; ++variant) {
    for (int dim = 0; dim < 3; ++dim) {
      Shape is = base.sizes();
      is[dim] = 6;  // more indices than the size: repeats
      LongTensor idx = randomIndex(g, is, base.size(dim));
      Tensor<T> x = base;
      LongTensor ix = idx;
      if (variant == 1) {
        x = transposedCopy(base);
        ix = transposedCopy(idx);
      } else if (variant == 2) {  // expanded input, narrowed index
        x = base.narrow(dim == 0 ? 1 : 0, 0, 1).expand(base.sizes());
        Shape wide = is;
        wide[2] += 3;
        LongTensor w = zeros<std::int64_t>(wide);
        w.narrow(2, 1, is[2]).copy(idx);
        ix = w.narrow(2, 1, is[2]);
      }
      INFO("variant " << variant << " dim " << dim);
      Tensor<T> got = gather(x, dim, ix);
      REQUIRE(got.sizes() == is);
      bool ok = true;
      for (index_t i = 0; i < is[0]; ++i)
        for (index_t j = 0; j < is[1]; ++j)
          for (index_t k = 0; k < is[2]; ++k) {
            index_t s[3] = {i, j, k};
            s[dim] = ix(i, j, k);
            ok = ok && got(i, j, k) == x(s[0], s[1], s[2]);
          }
      CHECK(ok);

      // scatter / scatterAdd of `got` (as src) back into clones of base's layout.
      Tensor<T> want = base.clone(), wantAdd = base.clone();
      for (index_t i = 0; i < is[0]; ++i)
        for (index_t j = 0; j < is[1]; ++j)
          for (index_t k = 0; k < is[2]; ++k) {
            index_t s[3] = {i, j, k};
            s[dim] = ix(i, j, k);
            want(s[0], s[1], s[2]) = got(i, j, k);
            wantAdd(s[0], s[1], s[2]) = static_cast<T>(wantAdd(s[0], s[1], s[2]) + got(i, j, k));
          }
      Tensor<T> dst = variant == 1 ? transposedCopy(base) : base.clone();
      Tensor<T> src = variant == 1 ? transposedCopy(got) : got;
      scatter(dst, dim, ix, src);
      CHECK(values(dst) == values(want));
      Tensor<T> dstAdd = variant == 1 ? transposedCopy(base) : base.clone();
      scatterAdd(dstAdd, dim, ix, src);
      CHECK(values(dstAdd) == values(wantAdd));
      Tensor<T> dstFill = variant == 1 ? transposedCopy(base) : base.clone();
      scatter(dstFill, dim, ix, T(7));
      Tensor<T> wantFill = base.clone();
      for (index_t i = 0; i < is[0]; ++i)
        for (index_t j = 0; j < is[1]; ++j)
          for (index_t k = 0; k < is[2]; ++k) {
            index_t s[3] = {i, j, k};
            s[dim] = ix(i, j, k);
            wantFill(s[0], s[1], s[2]) = T(7);
          }
      CHECK(values(dstFill) == values(wantFill));
    }
  }
}

TEST_CASE("gather and scatter: result-first, large inputs, temporaries, overlaps", "[index][gather]") {
  Generator g(8);
  // A large last-dimension gather (the threaded contiguous path) against the strided path.
  FloatTensor x = randn<float>(g, {300, 200});
  LongTensor idx = randomIndex(g, {300, 150}, 200);
  FloatTensor fast = gather(x, 1, idx);
  CHECK(values(fast) == values(gather(transposedCopy(x), 1, transposedCopy(idx))));
  CHECK(fast(299, 149) == x(299, idx(299, 149)));
  // scatterAdd of ones counts the index occurrences per row, threaded path included.
  FloatTensor counts = zeros<float>(300, 200);
  scatterAdd(counts, 1, idx, ones<float>(300, 150));
  double total = 0;
  for (float c : counts) total += c;
  CHECK(total == 300.0 * 150);
  float row0 = 0;
  for (index_t j = 0; j < 150; ++j) row0 += idx(0, j) == 17;
  CHECK(counts(0, 17) == row0);

  // Result-first: res keeps its layout when it has the right shape.
  FloatTensor res = FloatTensor(150, 300).t();
  gather(res, x, 1, idx);
  CHECK(res.strides() == Shape{1, 300});
  CHECK(values(res) == values(fast));
  FloatTensor other;
  CHECK(&gather(other, x, 1, idx) == &other);
  CHECK(values(other) == values(fast));
  // res aliasing the input, and an index aliasing a Long input.
  FloatTensor a{{1, 2}, {3, 4}};
  gather(a, a, 1, LongTensor{{1, 1}, {0, 1}});
  CHECK(values(a) == Vec<float>{2, 2, 3, 4});
  LongTensor l{{1, 0}, {0, 1}};
  gather(l, l, 1, l);
  CHECK(values(l) == Vec<std::int64_t>{0, 1, 0, 1});
  // scatter with the index being the destination, and src overlapping it.
  LongTensor d{{1, 0}, {0, 1}};
  scatter(d, 1, d, std::int64_t{4});
  CHECK(values(d) == Vec<std::int64_t>{4, 4, 4, 4});
  IntTensor e{{1, 2}, {3, 4}};
  scatter(e, 1, LongTensor{{1, 0}, {1, 0}}, e);
  CHECK(values(e) == Vec<std::int32_t>{2, 1, 4, 3});
  // Temporary views as destinations.
  DoubleTensor t = zeros<double>(2, 3);
  scatter(t.narrow(1, 1, 2), 1, LongTensor{1, 0}.view(2, 1), 5.0);
  scatterAdd(t.t(), 0, LongTensor{{0, 0}}, DoubleTensor{{1, 2}});
  CHECK(values(t) == Vec<double>{1, 0, 5, 2, 5, 0});
}

TEST_CASE("gather/scatter errors: ranks, shapes, index values; nothing is written", "[index][gather][errors]") {
  FloatTensor x = grid5().narrow(1, 0, 2);  // 5x2
  T7_REQUIRE_THROWS_WITH_ALL(gather(x, 2, LongTensor(5, 2)), IndexError, "gather", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(gather(x, 0, LongTensor(2, 3)), SizeError, "gather: index [2x3] and input [5x2] differ in dimension 1");
  T7_REQUIRE_THROWS_WITH_ALL(gather(x, 0, LongTensor(5)), SizeError, "gather", "index [5] has 1 dimension",
                             "input [5x2] has 2");
  T7_REQUIRE_THROWS_WITH_ALL(gather(x, 1, LongTensor{{0, 1}, {1, 0}, {0, 2}, {0, 0}, {1, 1}}), IndexError, "gather",
                             "index 2", "position [2, 1]", "dimension 1", "input [5x2]", "size 2");
  T7_REQUIRE_THROWS_WITH_ALL(gather(x, 0, LongTensor{{0, -1}}), IndexError, "index -1", "position [0, 1]");
  FloatTensor res = full<float>({3}, 1);
  T7_REQUIRE_THROWS_WITH_ALL(gather(res, x, 0, LongTensor{{0, 5}}), IndexError, "gather", "index 5");
  CHECK(res.sizes() == Shape{3});
  CHECK(values(res) == Vec<float>{1, 1, 1});

  DoubleTensor d = zeros<double>(3, 5);
  const DoubleTensor src = ones<double>(2, 5);
  T7_REQUIRE_THROWS_WITH_ALL(scatter(d, 0, LongTensor(2, 4), src), SizeError,
                             "scatter: index [2x4] and destination [3x5] differ in dimension 1");
  T7_REQUIRE_THROWS_WITH_ALL(scatter(d, 0, LongTensor(2, 5), DoubleTensor(2, 4)), SizeError,
                             "scatter: src [2x4] and destination [3x5] differ in dimension 1");
  T7_REQUIRE_THROWS_WITH_ALL(scatter(d, 0, LongTensor(2, 5, 1), src), SizeError, "scatter", "3 dimensions");
  T7_REQUIRE_THROWS_WITH_ALL(scatter(d, 0, LongTensor(3, 5), src), SizeError, "scatter", "index [3x5] has 3 elements",
                             "src [2x5] has only 2");
  LongTensor bad{{0, 1, 2, 0, 0}, {2, 0, 3, 1, 2}};
  T7_REQUIRE_THROWS_WITH_ALL(scatter(d, 0, bad, src), IndexError, "scatter", "index 3", "position [1, 2]",
                             "destination [3x5]", "size 3");
  T7_REQUIRE_THROWS_WITH_ALL(scatter(d, 0, bad, 2.0), IndexError, "scatter", "index 3", "position [1, 2]");
  T7_REQUIRE_THROWS_WITH_ALL(scatterAdd(d, 0, bad, src), IndexError, "scatterAdd", "index 3");
  T7_REQUIRE_THROWS_WITH_ALL(scatterAdd(d, -3, bad, src), IndexError, "scatterAdd", "dimension -3");
  T7_REQUIRE_THROWS_WITH_ALL(scatter(d, 1, LongTensor(2, 5), 2.0), SizeError, "scatter", "differ in dimension 0");
  CHECK(values(d) == Vec<double>(15, 0.0));  // the valid writes before the bad index did not happen
}

// ---- types --------------------------------------------------------------------------------

namespace {
template <class I>
concept GatherTakes = requires(FloatTensor x, Tensor<I> i) { t7::gather(x, 0, i); };
template <class I>
concept IndexFillTakes = requires(FloatTensor x, Tensor<I> i) { t7::indexFill(x, 0, i, 1.f); };
template <class M>
concept MaskedFillTakes = requires(FloatTensor x, Tensor<M> m) { t7::maskedFill(x, m, 1.f); };
template <class S>
concept IndexAddTakes = requires(FloatTensor x, LongTensor i, Tensor<S> s) { t7::indexAdd(x, 0, i, s); };
template <class X>
concept IndexFillWrites = requires(X x, LongTensor i) { t7::indexFill(x, 0, i, 1.f); };
}  // namespace

TEST_CASE("indices must be LongTensors, masks ByteTensors, src the destination's type", "[index][types]") {
  STATIC_REQUIRE(GatherTakes<std::int64_t>);
  STATIC_REQUIRE_FALSE(GatherTakes<std::int32_t>);
  STATIC_REQUIRE_FALSE(GatherTakes<float>);
  STATIC_REQUIRE(IndexFillTakes<std::int64_t>);
  STATIC_REQUIRE_FALSE(IndexFillTakes<std::int16_t>);
  STATIC_REQUIRE(MaskedFillTakes<std::uint8_t>);
  STATIC_REQUIRE_FALSE(MaskedFillTakes<std::int8_t>);
  STATIC_REQUIRE(IndexAddTakes<float>);
  STATIC_REQUIRE_FALSE(IndexAddTakes<double>);
  // A const handle cannot be written (as with the member functions).
  STATIC_REQUIRE(IndexFillWrites<FloatTensor&>);
  STATIC_REQUIRE(IndexFillWrites<FloatTensor>);  // a temporary view
  STATIC_REQUIRE_FALSE(IndexFillWrites<const FloatTensor&>);
  // An expression converts to a src, a value of another arithmetic type to T.
  FloatTensor x = zeros<float>(2, 2);
  indexAdd(x, 0, LongTensor{1}, FloatTensor{{1, 2}} * 2);
  indexFill(x, 0, LongTensor{0}, 3);  // an int value into a float tensor
  CHECK(values(x) == Vec<float>{3, 3, 2, 4});
}

TEST_CASE("a result that grows over its input when resized is computed through a temporary (review finding)",
          "[index][alias]") {
  FloatTensor base(10);
  for (int i = 0; i < 10; ++i) base(i) = static_cast<float>(i);
  FloatTensor x = base.narrow(0, 5, 5);    // 5..9
  FloatTensor res = base.narrow(0, 3, 1);  // disjoint now; resized to 5 it covers 3..7
  indexSelect(res, x, 0, LongTensor{4, 3, 2, 1, 0});
  CHECK(values(res) == std::vector<float>{9, 8, 7, 6, 5});

  for (int i = 0; i < 10; ++i) base(i) = static_cast<float>(i);
  FloatTensor res2 = base.narrow(0, 3, 1);
  gather(res2, x, 0, LongTensor{4, 3, 2, 1, 0});
  CHECK(values(res2) == std::vector<float>{9, 8, 7, 6, 5});

  for (int i = 0; i < 10; ++i) base(i) = static_cast<float>(i);
  FloatTensor res3 = base.narrow(0, 3, 1);
  maskedSelect(res3, x, ByteTensor{1, 1, 1, 1, 1});
  CHECK(values(res3) == std::vector<float>{5, 6, 7, 8, 9});
}
