// Go text/template's lexer (text/template/parse/lex.go), producing the whole item stream at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::gotemplate {

enum class ItemType {
  kError,
  kBool,
  kChar,
  kCharConstant,
  kComment,
  kComplex,
  kAssign,
  kDeclare,
  kEOF,
  kField,
  kIdentifier,
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,
  kKeyword,  // keywords follow
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  ItemType type = ItemType::kEOF;
  int pos = 0;
  std::string_view val;  // points into the lexed input (or into `error` for kError)
  int line = 0;
  std::shared_ptr<const std::string> error;
  // Go's item.String(): EOF, the error text, <keyword>, or the %q-quoted value.
  std::string String() const;
};

// Lexes the whole input; the last item is kEOF or kError.
std::vector<Item> Lex(std::string_view input);

// Go's strconv.Quote / %q of a string; `max_runes` >= 0 truncates like %.Nq.
std::string GoQuote(std::string_view s, int max_runes = -1);
// Go's strconv.Unquote for "..." and `...` literals; false on a malformed literal.
bool GoUnquote(std::string_view s, std::string* out, std::string* err);
// Decodes one UTF-8 rune at s[i]; returns the rune (U+FFFD when invalid) and its width.
char32_t DecodeRune(std::string_view s, size_t i, int* width);
void AppendRune(std::string* out, char32_t r);

}  // namespace flotilla::gotemplate
