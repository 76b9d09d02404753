// Every t7 module and criterion class through save and load: registerAllModules compiles all
// of nn into this file (2.5 minutes at -O3, 1 at the -O0 it is built with), so it is an
// executable of its own, left out of the sanitizer build (tests/CMakeLists.txt); the fuzz target
// converts a sample of classes under ASan and UBSan.
#include "helpers.hpp"

using namespace t7;
using serialize::Format;
using serialize::Object;
using serialize::Options;

namespace {
const Options kAscii{.format = Format::Ascii};
}  // namespace

TEST_CASE("serialize nn: every t7 class round-trips in both formats", "[serialize][nn]") {
  serialize::registerAllModules<float>();
  const auto& reg = serialize::Registry<float>::instance();
  for (const Options& o : {Options{}, kAscii}) {
    for (const std::string& name : reg.names()) {
      INFO(name);
      if (auto make = reg.module(name)) {
        auto m = make();
        REQUIRE(m->typeName() == name);
        const std::string bytes = serialize::serialize(m, o);
        const Object obj = serialize::fromBytes(bytes);
        CHECK(obj.typeName() == name);
        CHECK(obj["_type"].string() == "torch.FloatTensor");
        CHECK(obj["train"].boolean());
        auto back = serialize::deserialize<std::unique_ptr<nn::AnyModule<float>>>(bytes);
        CHECK(back->typeName() == name);
        CHECK(serialize::serialize(back, o) == bytes);  // nothing lost or added
      } else {
        REQUIRE(reg.criterion(name));
        auto c = reg.criterion(name)();
        const std::string bytes = serialize::serialize(c, o);
        auto back = serialize::deserialize<std::unique_ptr<nn::AnyCriterion<float>>>(bytes);
        CHECK(back->typeName() == name);
        CHECK(serialize::serialize(back, o) == bytes);
      }
    }
  }
  CHECK(reg.names().size() >= 120);
  // Versions and index fields come from builtins.hpp, registered or not.
  CHECK(reg.info("nn.LookupTable")->version == 4);
  CHECK(serialize::Registry<double>::instance().info("nn.Narrow")->indexFields.size() == 2);
  CHECK(reg.info("nn.NoSuchThing") == nullptr);
}

