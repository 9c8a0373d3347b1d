// go-yaml v2's emitter predicates (yamlprivateh.go) and its scalar analysis
// (yaml_emitter_analyze_scalar), written once for the project's two go-yaml emitters: core's
// ToYaml (kustomize's output) and gotemplate's toYaml (Helm's). Which styles a scalar may take is
// decided here; each emitter still chooses among them by its own encoder's rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace flotilla::goyaml {

// The length of the UTF-8 sequence that starts with byte `lead` (1 for a stray byte).
inline int Width(unsigned char lead) {
  if ((lead & 0x80) == 0) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// The predicates look at the character starting at byte `i` of `s`; bytes past the end read as
// NUL, so every `i` is safe.
inline unsigned char ByteAt(std::string_view s, size_t i) {
  return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
}
inline bool IsPrintable(std::string_view s, size_t i) {
  unsigned char c = ByteAt(s, i), c1 = ByteAt(s, i + 1), c2 = ByteAt(s, i + 2);
  return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c == 0xC2 && c1 >= 0xA0) ||
         (c > 0xC2 && c < 0xED) || (c == 0xED && c1 < 0xA0) || c == 0xEE ||
         (c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)));
}
inline bool IsSpace(std::string_view s, size_t i) { return i < s.size() && s[i] == ' '; }
inline bool IsBreak(std::string_view s, size_t i) {
  unsigned char c = ByteAt(s, i), c1 = ByteAt(s, i + 1), c2 = ByteAt(s, i + 2);
  return c == '\r' || c == '\n' || (c == 0xC2 && c1 == 0x85) ||
         (c == 0xE2 && c1 == 0x80 && (c2 == 0xA8 || c2 == 0xA9));
}
inline bool IsBlankZ(std::string_view s, size_t i) {
  return i >= s.size() || s[i] == ' ' || s[i] == '\t' || s[i] == 0 || IsBreak(s, i);
}

// The styles go-yaml v2 allows for a scalar's text.
struct ScalarAnalysis {
  bool multiline = false;   // holds a line break
  bool flow_plain = true;   // may be written plain in flow context
  bool block_plain = true;  // may be written plain in block context
  bool single = true;       // may be single-quoted
  bool block = true;        // may be a literal or folded block
};
ScalarAnalysis AnalyzeScalar(std::string_view v);

// What follows the backslash when a double-quoted scalar escapes code point `cp`: "n", "x07",
// "u2028"... (go-yaml v2's yaml_emitter_write_double_quoted_scalar).
std::string DoubleQuotedEscape(uint32_t cp);

}  // namespace flotilla::goyaml
