// Go's fmt package for template values: Sprint/Sprintln/Sprintf with Go's verbs, flags, widths
// and error forms (%!d(string=x), %!v(MISSING), %!(EXTRA ...)), and strconv float formatting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

std::string GoSprint(const std::vector<Value>& args);
std::string GoSprintln(const std::vector<Value>& args);
std::string GoSprintf(std::string_view format, const std::vector<Value>& args);

// fmt.Sprint of one value ("%v").
std::string FormatV(const Value& v);

// strconv.FormatFloat(f, fmt, prec, 64) for fmt in 'e','E','f','g','G'; prec -1 = shortest.
std::string FormatFloat(double f, char fmt, int prec);

}  // namespace flotilla::gotemplate
