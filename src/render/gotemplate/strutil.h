// String helpers with the semantics of Go's strings package and the Go libraries Sprig uses
// (goutils, xstrings). Case mapping covers ASCII and Latin-1.
#pragma once

#include <string>
#include <vector>

#include "core/base64.h"  // Base64Encode, Base64DecodeStrict (b64enc, b64dec)
#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

std::string TrimSpace(const std::string& s);
std::string ToUpper(const std::string& s);
std::string ToLower(const std::string& s);
std::string Title(const std::string& s);    // strings.Title
std::string Untitle(const std::string& s);  // goutils.Uncapitalize
std::string DeleteWhiteSpace(const std::string& s);
std::string Initials(const std::string& s);                      // goutils.Initials
std::string SwapCase(const std::string& s);                      // goutils.SwapCase
std::string CamelToLower(const std::string& s, char connector);  // xstrings snake/kebab
std::string ToCamelCase(const std::string& s);                   // xstrings.ToCamelCase
std::string Base32Encode(const std::string& s);
bool Base32Decode(const std::string& s, std::string* out, std::string* err);
// Sprig's strslice: a list's non-nil elements as strings; a scalar as one string.
std::vector<std::string> StrSlice(const Value& v);

}  // namespace flotilla::gotemplate
