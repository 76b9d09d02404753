#pragma once
// Small helpers shared by the test TUs.

#include <catch2/catch.hpp>
#include <t7/t7.hpp>

#include <string>
#include <vector>

namespace t7test {

/// The elements of `t` in row-major order.
template <class T, class D>
std::vector<T> values(const t7::Tensor<T, D>& t) {
  return t.toVector();
}

/// `x` as a 4-D [N x C x H x W] tensor (a 3-D input gets N = 1), a view.
inline t7::DoubleTensor as4d(const t7::DoubleTensor& x) { return x.dim() == 4 ? x : x.unsqueeze(0); }

/// Checks that `expr` throws `E` whose message contains every fragment.
#define T7_REQUIRE_THROWS_WITH_ALL(expr, E, ...)                                      \
  do {                                                                                \
    bool thrown_ = false;                                                             \
    try {                                                                             \
      (void)(expr);                                                                   \
    } catch (const E& e_) {                                                           \
      thrown_ = true;                                                                 \
      const std::string msg_ = e_.what();                                             \
      for (const char* frag_ : std::initializer_list<const char*>{__VA_ARGS__}) {      \
        INFO("message: " << msg_);                                                    \
        CHECK(msg_.find(frag_) != std::string::npos);                                 \
      }                                                                               \
    }                                                                                 \
    REQUIRE(thrown_);                                                                 \
  } while (0)

}  // namespace t7test
