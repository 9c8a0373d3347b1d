#include "core/fyaml.h"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

namespace flotilla {
namespace {

void CollectFirst(fy_diag*, void* user, const char* buf, size_t len) {
  auto* first = static_cast<std::string*>(user);
  if (first->empty()) first->assign(buf, len);
}

std::string FirstLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

// The offset of the first byte that is not part of well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF), or npos.
size_t InvalidUtf8At(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      n = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;
    for (size_t k = 1; k <= n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

}  // namespace

StatusOr<std::unique_ptr<FyStream>> FyStream::Open(std::string_view text, Version version) {
  std::unique_ptr<FyStream> s(new FyStream());
  // YAML is Unicode text (go-yaml refuses invalid UTF-8 too), and libfyaml 0.7.12 loops forever
  // on some invalid bytes (a directive line "%\x80", found by fuzzing): never hand it any.
  if (size_t bad = InvalidUtf8At(text); bad != std::string_view::npos) {
    s->invalid_utf8_at_ = bad;
    s->text_ = text;
    return s;
  }
  fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = nullptr;
  dcfg.output_fn = CollectFirst;
  dcfg.user = &s->first_diag_;
  dcfg.colorize = false;
  dcfg.show_source = false;
  dcfg.show_position = false;
  dcfg.show_type = false;
  dcfg.show_module = false;
  s->diag_ = fy_diag_create(&dcfg);
  if (s->diag_ == nullptr) return Internal("cannot create YAML diagnostics");
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(
      FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_JSON_NONE |
      (version == Version::k1_1 ? FYPCF_DEFAULT_VERSION_1_1 : FYPCF_DEFAULT_VERSION_1_2));
  cfg.diag = s->diag_;
  s->parser_ = fy_parser_create(&cfg);
  if (s->parser_ == nullptr) return Internal("cannot create YAML parser");
  if (fy_parser_set_string(s->parser_, text.data(), text.size()) != 0)
    return Internal("cannot set YAML input");
  return s;
}

FyStream::~FyStream() {
  if (parser_ != nullptr) fy_parser_destroy(parser_);
  if (diag_ != nullptr) fy_diag_destroy(diag_);
}

StatusOr<fy_document*> FyStream::Next(std::string_view filename) {
  if (invalid_utf8_at_ != std::string_view::npos) {
    std::string_view before = text_.substr(0, invalid_utf8_at_);
    size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    size_t nl = before.rfind('\n');
    size_t column = invalid_utf8_at_ - (nl == std::string_view::npos ? 0 : nl + 1) + 1;
    return InvalidArgument(fmt::format("{}:{}:{}: invalid YAML: invalid UTF-8 (byte {})", filename,
                                       line, column, invalid_utf8_at_));
  }
  fy_document* doc = fy_parse_load_document(parser_);
  if (doc == nullptr && (fy_diag_got_error(diag_) || fy_parser_get_stream_error(parser_)))
    return Error(filename);
  return doc;
}

void FyStream::Free(fy_document* doc) { fy_parse_document_destroy(parser_, doc); }

Status FyStream::Error(std::string_view filename) const {
  void* it = nullptr;
  if (fy_diag_error* e = fy_diag_errors_iterate(diag_, &it))
    return InvalidArgument(fmt::format("{}:{}:{}: invalid YAML: {}", filename, e->line + 1,
                                       e->column + 1, e->msg ? e->msg : "syntax error"));
  // libfyaml's text: "<memory-@0x...>:5:1: error: flow sequence without a closing bracket"
  std::string msg = FirstLine(first_diag_);
  static const std::regex kDiag(R"(^<[^>]*>:(\d+):(\d+):\s*(?:error:\s*)?(.*)$)");
  std::smatch m;
  if (std::regex_match(msg, m, kDiag))
    return InvalidArgument(
        fmt::format("{}:{}:{}: invalid YAML: {}", filename, m[1].str(), m[2].str(), m[3].str()));
  return InvalidArgument(
      fmt::format("{}: invalid YAML: {}", filename, msg.empty() ? "syntax error" : msg));
}

}  // namespace flotilla
