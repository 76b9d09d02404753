// Views share storage: narrow, select, sub, transpose, permute, view, reshape, unfold,
// expand, squeeze, unsqueeze, slice, set.
#include "helpers.hpp"

using namespace t7;
using t7test::values;

namespace {
// 3x4 matrix with values 0..11.
FloatTensor grid() { return range<float>(0, 11).view(3, 4); }
}  // namespace

TEST_CASE("narrow and select share storage with the base", "[tensor][views]") {
  FloatTensor a = grid();
  FloatTensor n = a.narrow(1, 1, 2);
  CHECK(n.sizes() == Shape{3, 2});
  CHECK(values(n) == std::vector<float>{1, 2, 5, 6, 9, 10});
  CHECK(n.storage().isSameAs(a.storage()));
  CHECK(n.storageOffset() == 1);
  CHECK_FALSE(n.isContiguous());
  n.fill(-1);  // a write through the view is seen by the base
  CHECK(values(a) == std::vector<float>{0, -1, -1, 3, 4, -1, -1, 7, 8, -1, -1, 11});

  FloatTensor row = a.select(0, 2);
  CHECK(row.sizes() == Shape{4});
  CHECK(values(row) == std::vector<float>{8, -1, -1, 11});
  FloatTensor col = a.select(1, 3);
  CHECK(col.strides() == Shape{4});
  col(0) = 100;
  CHECK(a(0, 3) == 100);

  T7_REQUIRE_THROWS_WITH_ALL(a.narrow(1, 3, 2), IndexError, "narrow", "start 3, length 2", "3x4");
  T7_REQUIRE_THROWS_WITH_ALL(a.narrow(2, 0, 1), IndexError, "narrow", "dimension 2", "valid: 0 to 1");
  T7_REQUIRE_THROWS_WITH_ALL(a.select(0, 3), IndexError, "select", "index 3", "3x4");
  T7_REQUIRE_THROWS_WITH_ALL(row.select(0, 0), SizeError, "select", "1-D");
}

TEST_CASE("sub narrows several dimensions with inclusive bounds, negatives from the end", "[tensor][views]") {
  FloatTensor a = grid();
  CHECK(values(a.sub(1, 2)) == std::vector<float>{4, 5, 6, 7, 8, 9, 10, 11});
  CHECK(values(a.sub(0, -1, 1, 2)) == std::vector<float>{1, 2, 5, 6, 9, 10});
  CHECK(values(a.sub(-1, -1, -2, -1)) == std::vector<float>{10, 11});
  T7_REQUIRE_THROWS_WITH_ALL(a.sub(0, 3), IndexError, "sub", "[0, 3]");
  T7_REQUIRE_THROWS_WITH_ALL(a.sub(0), ValueError, "sub", "pairs");
}

TEST_CASE("transpose, t and permute swap sizes and strides", "[tensor][views]") {
  FloatTensor a = grid();
  FloatTensor t = a.t();
  CHECK(t.sizes() == Shape{4, 3});
  CHECK(t.strides() == Shape{1, 4});
  CHECK(values(t) == std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  t(3, 0) = 42;
  CHECK(a(0, 3) == 42);
  CHECK(a.transpose(0, 1).isSetTo(t));

  FloatTensor c = range<float>(0, 23).view(2, 3, 4);
  FloatTensor p = c.permute(2, 0, 1);
  CHECK(p.sizes() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK(p(3, 1, 2) == c(1, 2, 3));
  T7_REQUIRE_THROWS_WITH_ALL(c.permute(0, 0, 1), IndexError, "permute", "not a permutation");
  T7_REQUIRE_THROWS_WITH_ALL(c.permute(0, 1), SizeError, "permute", "2x3x4");
  T7_REQUIRE_THROWS_WITH_ALL(c.t(), SizeError, "t:", "2-D", "2x3x4");
  T7_REQUIRE_THROWS_WITH_ALL(c.transpose(0, 3), IndexError, "transpose", "dimension 3");
}

TEST_CASE("view infers -1, works on compatible strides and refuses the rest", "[tensor][views]") {
  FloatTensor a = range<float>(0, 23);
  FloatTensor v = a.view(2, -1, 4);
  CHECK(v.sizes() == Shape{2, 3, 4});
  CHECK(v.storage().isSameAs(a.storage()));
  CHECK(v.viewAs(zeros<int>(6, 4)).sizes() == Shape{6, 4});
  // A narrowed view whose rows are contiguous can be merged within a row only.
  FloatTensor n = v.narrow(2, 0, 2);  // 2x3x2, strides 12,4,1
  CHECK(n.view(6, 2).strides() == Shape{4, 1});
  T7_REQUIRE_THROWS_WITH_ALL(n.view(12), LayoutError, "view", "2x3x2", "contiguous()");
  // The transposed matrix cannot be flattened without a copy; reshape copies.
  FloatTensor t = a.view(4, 6).t();
  T7_REQUIRE_THROWS_WITH_ALL(t.view(24), LayoutError, "view");
  FloatTensor r = t.reshape(-1);
  CHECK_FALSE(r.storage().isSameAs(a.storage()));
  CHECK(values(r) == values(t));
  FloatTensor shared = a.reshape(6, 4);  // viewable: no copy
  CHECK(shared.storage().isSameAs(a.storage()));
  T7_REQUIRE_THROWS_WITH_ALL(a.view(5, -1), SizeError, "view", "-1", "24");
  T7_REQUIRE_THROWS_WITH_ALL(a.view(-1, -1), ValueError, "only one size may be -1");
  T7_REQUIRE_THROWS_WITH_ALL(a.view(5, 5), SizeError, "view", "5x5", "25");
}

TEST_CASE("unfold makes sliding windows without copying", "[tensor][views]") {
  FloatTensor x = range<float>(1, 7);
  FloatTensor u = x.unfold(0, 2, 1);
  CHECK(u.sizes() == Shape{6, 2});
  CHECK(u.strides() == Shape{1, 1});
  CHECK(values(u) == std::vector<float>{1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7});
  FloatTensor w = x.unfold(0, 3, 2);
  CHECK(values(w) == std::vector<float>{1, 2, 3, 3, 4, 5, 5, 6, 7});
  T7_REQUIRE_THROWS_WITH_ALL(x.unfold(0, 8, 1), SizeError, "unfold", "8");
  T7_REQUIRE_THROWS_WITH_ALL(x.unfold(0, 2, 0), ValueError, "step");
}

TEST_CASE("expand repeats size-1 dimensions with stride 0", "[tensor][views]") {
  FloatTensor col{{1}, {2}, {3}};
  FloatTensor e = col.expand(3, 4);
  CHECK(e.strides() == Shape{1, 0});
  CHECK(values(e) == std::vector<float>{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
  CHECK_FALSE(e.isContiguous());
  FloatTensor lead = col.expand(2, 3, 2);  // new leading dimension
  CHECK(lead.sizes() == Shape{2, 3, 2});
  CHECK(lead.strides() == Shape{0, 1, 0});
  CHECK(lead(1, 2, 1) == 3);
  CHECK(col.expandAs(zeros<double>(3, 5)).sizes() == Shape{3, 5});
  FloatTensor c = e.contiguous();
  CHECK(c.isContiguous());
  CHECK(values(c) == values(e));
  T7_REQUIRE_THROWS_WITH_ALL(col.expand(4, 4), SizeError, "expand", "3x1", "4x4");
  T7_REQUIRE_THROWS_WITH_ALL(col.expand(3), SizeError, "expand", "fewer");
}

TEST_CASE("a tensor with no element is contiguous, whatever its strides", "[tensor][views]") {
  FloatTensor z(2, 0, 3);
  CHECK(z.isContiguous());
  CHECK(z.transpose(0, 2).isContiguous());
  CHECK(FloatTensor(4, 3).narrow(0, 1, 0).isContiguous());
  CHECK_FALSE(FloatTensor(4, 3).narrow(1, 0, 2).isContiguous());
}

TEST_CASE("squeeze and unsqueeze", "[tensor][views]") {
  FloatTensor a = zeros<float>(1, 3, 1, 2);
  CHECK(a.squeeze().sizes() == Shape{3, 2});
  CHECK(a.squeeze(0).sizes() == Shape{3, 1, 2});
  CHECK(a.squeeze(1).sizes() == Shape{1, 3, 1, 2});
  CHECK(zeros<float>(1, 1).squeeze().sizes() == Shape{1});
  FloatTensor b = zeros<float>(3, 2);
  CHECK(b.unsqueeze(0).sizes() == Shape{1, 3, 2});
  CHECK(b.unsqueeze(2).sizes() == Shape{3, 2, 1});
  CHECK(b.unsqueeze(1).strides() == Shape{2, 2, 1});
  CHECK(b.unsqueeze(1).storage().isSameAs(b.storage()));
  T7_REQUIRE_THROWS_WITH_ALL(b.unsqueeze(3), IndexError, "unsqueeze", "valid: 0 to 2");
  T7_REQUIRE_THROWS_WITH_ALL(b.squeeze(2), IndexError, "squeeze");
}

TEST_CASE("slice mirrors Lua's t[{ ... }] indexing, 0-based and inclusive", "[tensor][views]") {
  FloatTensor a = grid();
  CHECK(values(a.slice({all, {1, 2}})) == std::vector<float>{1, 2, 5, 6, 9, 10});  // t[{ {}, {2,3} }]
  CHECK(a.slice({all, {1, 2}}).sizes() == Shape{3, 2});
  CHECK(values(a.slice({1})) == std::vector<float>{4, 5, 6, 7});  // t[2]: select
  CHECK(a.slice({1}).dim() == 1);
  CHECK(a.slice({{1}}).sizes() == Shape{1, 4});  // t[{ {2} }]: narrow, keeps the dimension
  CHECK(values(a.slice({{0, -1}, -1})) == std::vector<float>{3, 7, 11});
  CHECK(values(a.slice({{-2, -1}, {}})) == std::vector<float>{4, 5, 6, 7, 8, 9, 10, 11});
  a.slice({all, 0}).fill(9);
  CHECK(a(2, 0) == 9);
  CHECK(a(-1, -1) == 11);  // element access takes negatives too
  T7_REQUIRE_THROWS_WITH_ALL(a.slice({3}), IndexError, "slice", "index 3");
  T7_REQUIRE_THROWS_WITH_ALL(a.slice({all, {2, 4}}), IndexError, "slice", "{2, 4}");
  T7_REQUIRE_THROWS_WITH_ALL(a.slice({all, all, all}), IndexError, "slice", "3 entries");
  T7_REQUIRE_THROWS_WITH_ALL(a.slice({1, 2}), IndexError, "slice", "t(i, j, ...)");
  CHECK_THROWS_AS(Slice({1, 2, 3}), ValueError);
}

TEST_CASE("set re-points a tensor; isSetTo compares views", "[tensor][views]") {
  FloatTensor a = grid();
  FloatTensor b;
  b.set(a);
  CHECK(b.isSetTo(a));
  b(0, 0) = 5;
  CHECK(a(0, 0) == 5);
  FloatTensor c;
  c.set(a.storage(), 4, Shape{2, 2}, Shape{4, 1});
  CHECK(values(c) == std::vector<float>{4, 5, 8, 9});
  CHECK_FALSE(c.isSetTo(a));
  CHECK_FALSE(a.isSetTo(a.clone()));
  T7_REQUIRE_THROWS_WITH_ALL(c.set(a.storage(), 10, Shape{2, 2}), SizeError, "set", "12");
}

TEST_CASE("resize keeps the storage, grows it when needed and resets strides", "[tensor][views]") {
  FloatTensor a = range<float>(0, 5);
  FloatTensor alias = a;
  a.resize(2, 3);
  CHECK(a.storage().isSameAs(alias.storage()));
  CHECK(values(a) == std::vector<float>{0, 1, 2, 3, 4, 5});
  a.resize(4, 4);  // grows the shared storage; old values stay in place
  CHECK(alias.storage().size() == 16);
  CHECK(a(0, 1) == 1);
  a.resizeAs(zeros<int>(2));
  CHECK(a.sizes() == Shape{2});
  FloatTensor t = range<float>(0, 5).view(2, 3).t();
  t.resize(3, 2);
  CHECK(t.isContiguous());
  T7_REQUIRE_THROWS_WITH_ALL(a.resize(2, -2), ValueError, "resize", "negative");
  T7_REQUIRE_THROWS_WITH_ALL(a.resize(1LL << 40, 1LL << 40), SizeError, "overflows");
}

TEST_CASE("dimension and index checks name the call and the sizes", "[tensor][errors]") {
  FloatTensor a = zeros<float>(2, 3);
  T7_REQUIRE_THROWS_WITH_ALL(a.size(2), IndexError, "size", "dimension 2", "2x3");
  T7_REQUIRE_THROWS_WITH_ALL(a.stride(-1), IndexError, "stride", "dimension -1");
  T7_REQUIRE_THROWS_WITH_ALL(a(2, 0), IndexError, "index 2", "dimension 0", "2x3");
  T7_REQUIRE_THROWS_WITH_ALL(a(0), IndexError, "1 indices", "2-D");
  T7_REQUIRE_THROWS_WITH_ALL(a.item(), SizeError, "item", "2x3");
  CHECK(zeros<float>(1, 1).item() == 0);
}
