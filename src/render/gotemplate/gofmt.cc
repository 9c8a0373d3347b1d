#include "render/gotemplate/gofmt.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "render/gotemplate/lexer.h"

namespace flotilla::gotemplate {
namespace {

// Decimal digits of |f| and the decimal point position: value = 0.D * 10^dp.
struct Digits {
  std::string d;
  int dp = 0;
};

Digits ScientificDigits(double f, int sig /* -1 = shortest */) {
  // Large precisions (fmt allows up to 1e6) need a buffer of their size; a failed conversion
  // would leave no exponent to read.
  std::string buf(std::max(64, sig + 32), '\0');
  std::to_chars_result r;
  if (sig < 0)
    r = std::to_chars(buf.data(), buf.data() + buf.size(), std::fabs(f),
                      std::chars_format::scientific);
  else
    r = std::to_chars(buf.data(), buf.data() + buf.size(), std::fabs(f),
                      std::chars_format::scientific, sig > 0 ? sig - 1 : 0);
  if (r.ec != std::errc()) return Digits{"0", 1};
  std::string s(buf.data(), r.ptr);
  Digits out;
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::atoi(s.c_str() + e + 1);
  for (char c : mant)
    if (c != '.') out.d.push_back(c);
  out.dp = exp + 1;
  if (f == 0) {
    out.d = "0";
    out.dp = 1;
  }
  return out;
}

void TrimZeros(Digits* d) {
  while (d->d.size() > 1 && d->d.back() == '0') d->d.pop_back();
}

std::string FmtE(bool neg, const Digits& d, int prec, char e) {
  std::string out = neg ? "-" : "";
  out.push_back(d.d.empty() ? '0' : d.d[0]);
  if (prec > 0) {
    out.push_back('.');
    for (int i = 1; i <= prec; i++) out.push_back(i < static_cast<int>(d.d.size()) ? d.d[i] : '0');
  }
  out.push_back(e);
  int exp = d.d == "0" ? 0 : d.dp - 1;
  out.push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  if (exp < 10) out.push_back('0');
  out += std::to_string(exp);
  return out;
}

std::string FmtF(bool neg, const Digits& d, int prec) {
  std::string out = neg ? "-" : "";
  int nd = static_cast<int>(d.d.size());
  if (d.dp > 0) {
    for (int i = 0; i < d.dp; i++) out.push_back(i < nd ? d.d[i] : '0');
  } else {
    out.push_back('0');
  }
  if (prec > 0) {
    out.push_back('.');
    for (int i = 1; i <= prec; i++) {
      int j = d.dp + i - 1;
      out.push_back(j >= 0 && j < nd ? d.d[j] : '0');
    }
  }
  return out;
}

}  // namespace

std::string FormatFloat(double f, char fmt, int prec) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  bool neg = std::signbit(f);
  char lower = static_cast<char>(fmt | 0x20);
  if (lower == 'f') {
    if (prec < 0) {
      Digits d = ScientificDigits(f, -1);
      return FmtF(neg, d, std::max(static_cast<int>(d.d.size()) - d.dp, 0));
    }
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::fixed, prec);
    return std::string(buf, r.ptr);
  }
  if (lower == 'e') {
    Digits d = ScientificDigits(f, prec < 0 ? -1 : prec + 1);
    if (prec < 0) prec = static_cast<int>(d.d.size()) - 1;
    return FmtE(neg, d, prec, fmt == 'E' ? 'E' : 'e');
  }
  // 'g'
  bool shortest = prec < 0;
  Digits d = ScientificDigits(f, shortest ? -1 : (prec == 0 ? 1 : prec));
  if (!shortest) TrimZeros(&d);
  if (f == 0) d = Digits{"0", 1};
  int nd = static_cast<int>(d.d.size());
  if (shortest) prec = nd;
  if (prec == 0) prec = 1;
  int eprec = prec;
  if (eprec > nd && nd >= d.dp) eprec = nd;
  if (shortest) eprec = 6;
  int exp = d.dp - 1;
  if (f == 0) exp = 0;
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    return FmtE(neg, d, prec - 1, fmt == 'G' ? 'E' : 'e');
  }
  if (prec > d.dp) prec = nd;
  return FmtF(neg, d, std::max(prec - d.dp, 0));
}

namespace {

struct Spec {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  int width = -1, prec = -1;
};

class Printer {
 public:
  static constexpr int kMaxDepth = 10000;
  std::string out;

  void Pad(const std::string& s, const Spec& sp) {
    int n = 0;
    for (size_t i = 0; i < s.size();) {
      int w;
      DecodeRune(s, i, &w);
      i += w;
      n++;
    }
    if (sp.width <= n) {
      out += s;
      return;
    }
    size_t pad = sp.width - n;
    if (sp.minus) {
      out += s;
      out.append(pad, ' ');
    } else if (sp.zero) {
      // Zero padding goes after a sign.
      if (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ') && IsNumeric(s)) {
        out.push_back(s[0]);
        out.append(pad, '0');
        out += s.substr(1);
      } else {
        out.append(pad, '0');
        out += s;
      }
    } else {
      out.append(pad, ' ');
      out += s;
    }
  }
  static bool IsNumeric(const std::string& s) {
    return s.size() > 1 &&
           (isdigit(static_cast<unsigned char>(s[1])) || s[1] == 'I' || s[1] == 'N');
  }

  void BadVerb(char verb, const Value& v, const Spec& sp = Spec{}) {
    out += "%!";
    out.push_back(verb);
    out += "(";
    if (v.is_nil()) {
      out += "<nil>";
    } else {
      out += v.TypeName() + "=";
      Print(v, 'v', sp, 1);  // fmt keeps the flags, width and precision
    }
    out += ")";
  }

  void Integer(int64_t iv, bool is_unsigned, char verb, const Spec& sp, const Value& v) {
    uint64_t u = is_unsigned ? static_cast<uint64_t>(iv)
                             : (iv < 0 ? static_cast<uint64_t>(-(iv + 1)) + 1 : iv);
    bool neg = !is_unsigned && iv < 0;
    std::string digits;
    switch (verb) {
      case 'v':
      case 'd':
        digits = std::to_string(u);
        break;
      case 'b':
        digits = ToBase(u, 2, false);
        if (sp.sharp) digits = "0b" + digits;
        break;
      case 'o':
      case 'O':
        digits = ToBase(u, 8, false);
        if (verb == 'O')
          digits = "0o" + digits;
        else if (sp.sharp && digits != "0")
          digits = "0" + digits;
        break;
      case 'x':
      case 'X':
        digits = ToBase(u, 16, verb == 'X');
        if (sp.sharp) digits = (verb == 'X' ? "0X" : "0x") + digits;
        break;
      case 'c': {
        std::string s;
        AppendRune(&s, static_cast<char32_t>(iv));
        Pad(s, sp);
        return;
      }
      case 'q': {
        std::string s;
        AppendRune(&s, static_cast<char32_t>(iv));
        std::string q = GoQuote(s);
        q = "'" + q.substr(1, q.size() - 2) + "'";
        if (q == "'\\\"'") q = "'\"'";
        if (q == "'''") q = "'\\''";
        Pad(q, sp);
        return;
      }
      case 'U': {
        char buf[32];
        snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(u));
        std::string s = buf;
        if (sp.sharp) {
          std::string r;
          AppendRune(&r, static_cast<char32_t>(iv));
          s += " '" + r + "'";
        }
        Pad(s, sp);
        return;
      }
      default:
        BadVerb(verb, v, sp);
        return;
    }
    if (sp.prec >= 0) {
      size_t pre = 0;
      if (digits.size() > 1 && digits[0] == '0' && isalpha(static_cast<unsigned char>(digits[1])))
        pre = 2;
      std::string body = digits.substr(pre);
      if (sp.prec == 0 && u == 0) body = "";
      while (static_cast<int>(body.size()) < sp.prec) body = "0" + body;
      digits = digits.substr(0, pre) + body;
    }
    std::string s = neg ? "-" + digits : sp.plus ? "+" + digits : sp.space ? " " + digits : digits;
    Spec p = sp;
    if (sp.prec >= 0) p.zero = false;
    Pad(s, p);
  }

  static std::string ToBase(uint64_t u, int base, bool upper) {
    if (u == 0) return "0";
    const char* dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string s;
    while (u > 0) {
      s.push_back(dig[u % base]);
      u /= base;
    }
    return std::string(s.rbegin(), s.rend());
  }

  void Float(double f, char verb, const Spec& sp, const Value& v) {
    std::string s;
    switch (verb) {
      case 'v':
        s = FormatFloat(f, 'g', sp.prec);
        break;
      case 'e':
      case 'E':
        s = FormatFloat(f, verb, sp.prec < 0 ? 6 : sp.prec);
        break;
      case 'f':
      case 'F':
        s = FormatFloat(f, 'f', sp.prec < 0 ? 6 : sp.prec);
        break;
      case 'g':
      case 'G':
        s = FormatFloat(f, verb, sp.prec);
        break;
      default:
        BadVerb(verb, v, sp);
        return;
    }
    if (sp.plus && s[0] != '-' && s[0] != '+')
      s = "+" + s;
    else if (sp.space && s[0] != '-' && s[0] != '+')
      s = " " + s;
    else if (!sp.plus && s == "+Inf")
      s = sp.space ? " Inf" : "+Inf";
    Spec p = sp;
    if (std::isinf(f) || std::isnan(f)) p.zero = false;
    Pad(s, p);
  }

  void Str(const std::string& s, char verb, const Spec& sp, const Value& v) {
    switch (verb) {
      case 'v':
      case 's': {
        if (sp.prec >= 0) {
          size_t i = 0;
          int n = 0;
          while (i < s.size() && n < sp.prec) {
            int w;
            DecodeRune(s, i, &w);
            i += w;
            n++;
          }
          Pad(s.substr(0, i), sp);
        } else {
          Pad(s, sp);
        }
        return;
      }
      case 'q':
        if (sp.sharp && s.find('`') == std::string::npos) {
          Pad("`" + s + "`", sp);
        } else {
          Pad(GoQuote(s), sp);
        }
        return;
      case 'x':
      case 'X': {
        const char* dig = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        std::string h;
        size_t n = s.size();
        if (sp.prec >= 0 && static_cast<size_t>(sp.prec) < n) n = sp.prec;
        for (size_t i = 0; i < n; i++) {
          if (sp.space && i > 0) h.push_back(' ');
          if (sp.sharp && (sp.space || i == 0)) h += verb == 'X' ? "0X" : "0x";
          unsigned char c = s[i];
          h.push_back(dig[c >> 4]);
          h.push_back(dig[c & 0xF]);
        }
        Pad(h, sp);
        return;
      }
      default:
        BadVerb(verb, v, sp);
    }
  }

  void Print(const Value& v, char verb, const Spec& sp, int depth) {
    if (depth > kMaxDepth) {
      // Only reachable through a cyclic map or list (Go overflows its stack there).
      out += "<cycle>";
      return;
    }
    if (verb == 'T') {
      Pad(v.is_nil() ? "<nil>" : v.TypeName(), sp);
      return;
    }
    switch (v.type()) {
      case GoType::kInvalid:
      case GoType::kNilIface:
        if (depth == 0 && verb != 'v') {
          BadVerb(verb, v, sp);
        } else {
          Pad("<nil>", sp);
        }
        return;
      case GoType::kBool:
        if (verb == 'v' || verb == 't') {
          Pad(v.bool_value() ? "true" : "false", sp);
        } else {
          BadVerb(verb, v, sp);
        }
        return;
      case GoType::kInt:
      case GoType::kInt64:
      case GoType::kInt32:
        Integer(v.int_value(), false, verb, sp, v);
        return;
      case GoType::kUint8:
      case GoType::kUint64:
        Integer(v.int_value(), true, verb, sp, v);
        return;
      case GoType::kFloat64:
        Float(v.float_value(), verb, sp, v);
        return;
      case GoType::kString:
        Str(v.str(), verb, sp, v);
        return;
      case GoType::kBytes:
        if (verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
          Str(v.str(), verb, sp, v);
          return;
        }
        out += "[";
        for (size_t i = 0; i < v.str().size(); i++) {
          if (i > 0) out += " ";
          Integer(static_cast<unsigned char>(v.str()[i]), true, verb, sp, v);
        }
        out += "]";
        return;
      case GoType::kList:
      case GoType::kStringList:
      case GoType::kIntList:
        out += "[";
        for (size_t i = 0; i < v.list().size(); i++) {
          if (i > 0) out += " ";
          Print(v.list()[i], verb, sp, depth + 1);
        }
        out += "]";
        return;
      case GoType::kMap:
      case GoType::kValues:
      case GoType::kStringMap: {
        out += "map[";
        bool first = true;
        for (const auto& [k, e] : v.map()) {
          if (!first) out += " ";
          first = false;
          Str(k, verb, sp, Value::String(k));
          out += ":";
          Print(e, verb, sp, depth + 1);
        }
        out += "]";
        return;
      }
      case GoType::kObject:
        if (verb == 'v' || verb == 's') {
          Pad(v.object().Format(), sp);
        } else {
          BadVerb(verb, v, sp);
        }
        return;
    }
  }
};

}  // namespace

std::string FormatV(const Value& v) {
  if (v.is_string()) return v.str();
  Printer p;
  p.Print(v, 'v', Spec{}, 0);
  return std::move(p.out);
}

std::string GoSprint(const std::vector<Value>& args) {
  Printer p;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); i++) {
    bool is_string = args[i].is_string();
    if (i > 0 && !is_string && !prev_string) p.out += " ";
    p.Print(args[i], 'v', Spec{}, 0);
    prev_string = is_string;
  }
  return std::move(p.out);
}

std::string GoSprintln(const std::vector<Value>& args) {
  Printer p;
  for (size_t i = 0; i < args.size(); i++) {
    if (i > 0) p.out += " ";
    p.Print(args[i], 'v', Spec{}, 0);
  }
  p.out += "\n";
  return std::move(p.out);
}

std::string GoSprintf(std::string_view format, const std::vector<Value>& args) {
  Printer p;
  size_t argn = 0;
  size_t end = format.size();
  bool reordered = false;
  for (size_t i = 0; i < end;) {
    size_t lasti = i;
    while (i < end && format[i] != '%') i++;
    if (i > lasti) p.out.append(format.substr(lasti, i - lasti));
    if (i >= end) break;
    i++;  // skip %
    Spec sp;
    for (; i < end; i++) {
      char c = format[i];
      if (c == '#')
        sp.sharp = true;
      else if (c == '0')
        sp.zero = !sp.minus;
      else if (c == '+')
        sp.plus = true;
      else if (c == '-') {
        sp.minus = true;
        sp.zero = false;
      } else if (c == ' ')
        sp.space = true;
      else
        break;
    }
    auto parse_num = [&](int* out) {
      bool any = false;
      int n = 0;
      while (i < end && isdigit(static_cast<unsigned char>(format[i]))) {
        if (n < 1000000) n = n * 10 + (format[i] - '0');
        i++;
        any = true;
      }
      *out = n;
      return any;
    };
    auto arg_index = [&]() {
      // [n] explicit argument index.
      if (i < end && format[i] == '[') {
        reordered = true;
        size_t close = format.find(']', i);
        if (close != std::string_view::npos) {
          int n = std::atoi(std::string(format.substr(i + 1, close - i - 1)).c_str());
          if (n >= 1) argn = n - 1;
          i = close + 1;
        }
      }
    };
    arg_index();
    if (i < end && format[i] == '*') {
      i++;
      if (argn < args.size() && args[argn].is_int()) {
        sp.width = static_cast<int>(args[argn].int_value());
        if (sp.width < 0) {
          sp.minus = true;
          sp.width = -sp.width;
          sp.zero = false;
        }
      } else {
        p.out += "%!(BADWIDTH)";
      }
      argn++;
    } else {
      int w;
      if (parse_num(&w)) sp.width = w;
    }
    if (i < end && format[i] == '.') {
      i++;
      arg_index();
      if (i < end && format[i] == '*') {
        i++;
        if (argn < args.size() && args[argn].is_int()) {
          sp.prec = static_cast<int>(args[argn].int_value());
          if (sp.prec < 0) {
            sp.prec = -1;
            p.out += "%!(BADPREC)";
          }
        } else {
          p.out += "%!(BADPREC)";
        }
        argn++;
      } else {
        int pr = 0;
        parse_num(&pr);
        sp.prec = pr;
      }
    }
    arg_index();
    if (i >= end) {
      p.out += "%!(NOVERB)";
      break;
    }
    int w;
    char32_t verb = DecodeRune(format, i, &w);
    i += w;
    if (verb == '%') {
      p.out += "%";
      continue;
    }
    if (argn >= args.size()) {
      p.out += "%!";
      AppendRune(&p.out, verb);
      p.out += "(MISSING)";
      continue;
    }
    if (verb >= 0x80) {
      p.out += "%!";
      AppendRune(&p.out, verb);
      p.out += "(";
      Printer q;
      q.Print(args[argn], 'v', Spec{}, 1);
      p.out += args[argn].is_nil() ? "<nil>" : args[argn].TypeName() + "=" + q.out;
      p.out += ")";
      argn++;
      continue;
    }
    char v = static_cast<char>(verb);
    if (v == 'w') v = 'v';
    if (v == 'v' && sp.plus) sp.plus = false;  // %+v is %v for our types
    p.Print(args[argn], v, sp, 0);
    argn++;
  }
  if (!reordered && argn < args.size()) {
    p.out += "%!(EXTRA ";
    for (size_t k = argn; k < args.size(); k++) {
      if (k > argn) p.out += ", ";
      if (args[k].is_nil()) {
        p.out += "<nil>";
      } else {
        p.out += args[k].TypeName() + "=";
        p.Print(args[k], 'v', Spec{}, 0);
      }
    }
    p.out += ")";
  }
  return std::move(p.out);
}

}  // namespace flotilla::gotemplate
