#include "core/goyaml_scalar.h"

namespace flotilla::goyaml {

ScalarAnalysis AnalyzeScalar(std::string_view v) {
  ScalarAnalysis a;
  if (v.empty()) {
    a.flow_plain = false;
    a.block = false;
    return a;
  }
  bool block_ind = false, flow_ind = false, line_breaks = false, special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false,
       break_space = false, space_break = false;
  bool prev_space = false, prev_break = false;
  if (v.size() >= 3 && (v.compare(0, 3, "---") == 0 || v.compare(0, 3, "...") == 0)) {
    block_ind = flow_ind = true;
  }
  bool preceded_ws = true;
  for (size_t i = 0, w = 0; i < v.size(); i += w) {
    w = Width(v[i]);
    bool followed_ws =
        i + w >= v.size() || v[i + w] == ' ' || v[i + w] == '\t' || IsBreak(v, i + w);
    char c = v[i];
    if (i == 0) {
      switch (c) {
        case '#':
        case ',':
        case '[':
        case ']':
        case '{':
        case '}':
        case '&':
        case '*':
        case '!':
        case '|':
        case '>':
        case '\'':
        case '"':
        case '%':
        case '@':
        case '`':
          flow_ind = block_ind = true;
          break;
        case '?':
        case ':':
          flow_ind = true;
          if (followed_ws) block_ind = true;
          break;
        case '-':
          if (followed_ws) flow_ind = block_ind = true;
          break;
        default:
          break;
      }
    } else {
      switch (c) {
        case ',':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
          flow_ind = true;
          break;
        case ':':
          flow_ind = true;
          if (followed_ws) block_ind = true;
          break;
        case '#':
          if (preceded_ws) flow_ind = block_ind = true;
          break;
        default:
          break;
      }
    }
    if (!IsPrintable(v, i)) special = true;
    if (IsSpace(v, i)) {
      if (i == 0) leading_space = true;
      if (i + w == v.size()) trailing_space = true;
      if (prev_break) break_space = true;
      prev_space = true;
      prev_break = false;
    } else if (IsBreak(v, i)) {
      line_breaks = true;
      if (i == 0) leading_break = true;
      if (i + w == v.size()) trailing_break = true;
      if (prev_space) space_break = true;
      prev_space = false;
      prev_break = true;
    } else {
      prev_space = prev_break = false;
    }
    preceded_ws = IsBlankZ(v, i);
  }
  a.multiline = line_breaks;
  if (leading_space || leading_break || trailing_space || trailing_break)
    a.flow_plain = a.block_plain = false;
  if (trailing_space) a.block = false;
  if (break_space) a.flow_plain = a.block_plain = a.single = false;
  if (space_break || special) a.flow_plain = a.block_plain = a.single = a.block = false;
  if (line_breaks) a.flow_plain = a.block_plain = false;
  if (flow_ind) a.flow_plain = false;
  if (block_ind) a.block_plain = false;
  return a;
}

std::string DoubleQuotedEscape(uint32_t cp) {
  switch (cp) {
    case 0x00:
      return "0";
    case 0x07:
      return "a";
    case 0x08:
      return "b";
    case 0x09:
      return "t";
    case 0x0A:
      return "n";
    case 0x0B:
      return "v";
    case 0x0C:
      return "f";
    case 0x0D:
      return "r";
    case 0x1B:
      return "e";
    case 0x22:
      return "\"";
    case 0x5C:
      return "\\";
    case 0x85:
      return "N";
    case 0xA0:
      return "_";
    case 0x2028:
      return "L";
    case 0x2029:
      return "P";
    default:
      break;
  }
  static const char* kHex = "0123456789ABCDEF";
  char prefix = cp <= 0xFF ? 'x' : cp <= 0xFFFF ? 'u' : 'U';
  int digits = cp <= 0xFF ? 2 : cp <= 0xFFFF ? 4 : 8;
  std::string out(1, prefix);
  for (int k = (digits - 1) * 4; k >= 0; k -= 4) out.push_back(kHex[(cp >> k) & 0xF]);
  return out;
}

}  // namespace flotilla::goyaml
