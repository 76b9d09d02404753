// The one TU that defines Catch2's main; every other test TU only includes catch.hpp.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
