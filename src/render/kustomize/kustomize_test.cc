#include "render/kustomize/kustomize.h"

#include <gtest/gtest.h>

TEST(Kustomize, Placeholder) { SUCCEED(); }
