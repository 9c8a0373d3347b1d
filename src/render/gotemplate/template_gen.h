// A random generator of Helm-style templates and values, for differential testing against the
// Go oracle: mostly well-typed pipelines over Sprig/Helm functions, control structures,
// variables, defines/includes and whitespace trimming, plus some deliberately ill-typed calls.
// Deterministic per seed. Functions whose Go output is not deterministic (random, time, Go map
// iteration order such as `keys` without sorting) are never generated.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/json.h"

namespace flotilla::gotemplate {

class TemplateGen {
 public:
  explicit TemplateGen(uint64_t seed) : rng_(seed) {}
  // An oracle request: {"templates": {...}, "render": name, "values": {...}}.
  Json Request();

 private:
  int R(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool P(int percent) { return R(100) < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[R(static_cast<int>(v.size()))];
  }
  Json RandomValue(int depth);
  Json RandomValues();
  std::string Text();
  std::string StringLit();
  std::string Path();
  std::string StrArg();
  std::string IntArg();
  std::string AnyArg(int depth);
  std::string Expr(int depth);
  std::string Pipeline(int depth);
  std::string Action(int depth);
  std::string Body(int depth, int n);
  std::string Open();
  std::string Close();

  std::mt19937_64 rng_;
  std::vector<std::string> vars_;
  std::vector<std::string> defines_;
  bool in_range_ = false;
  int in_body_ = 0;
};

}  // namespace flotilla::gotemplate
