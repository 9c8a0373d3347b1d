#include "render/patch/patch.h"

#include <gtest/gtest.h>

namespace flotilla::patch {
namespace {
TEST(PatchTest, Placeholder) { EXPECT_TRUE(true); }
}  // namespace
}  // namespace flotilla::patch
