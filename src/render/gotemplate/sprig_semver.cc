// Sprig v3 semver functions: a port of Masterminds/semver v3 (versions and constraints).
#include <regex>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/helm_objects.h"
#include "render/gotemplate/semver.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

struct Version {
  uint64_t major = 0, minor = 0, patch = 0;
  std::string pre, metadata, original;
  std::string String() const {
    std::string s = fmt::format("{}.{}.{}", major, minor, patch);
    if (!pre.empty()) s += "-" + pre;
    if (!metadata.empty()) s += "+" + metadata;
    return s;
  }
};

const char* kCv =
    R"(v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)";
const char* kOps = R"(=||!=|>|<|>=|=>|<=|=<|~|~>|\^)";

bool ParseU64(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  errno = 0;
  char* end;
  unsigned long long v = strtoull(s.c_str(), &end, 10);
  if (*end != 0 || errno == ERANGE) return false;
  *out = v;
  return true;
}

bool OnlyChars(const std::string& s, const char* set) {
  return s.find_first_not_of(set) == std::string::npos;
}

StatusOr<Version> NewVersion(const std::string& v) {
  static const std::regex kRe(
      R"(^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$)");
  std::smatch m;
  if (!std::regex_match(v, m, kRe)) return InvalidArgument("Invalid Semantic Version");
  Version out;
  out.metadata = m[8];
  out.pre = m[5];
  out.original = v;
  auto seg = [](const std::string& s, uint64_t* o) -> Status {
    if (!ParseU64(s, o))
      return InvalidArgument(fmt::format(
          "Error parsing version segment: strconv.ParseUint: parsing \"{}\": value out of range",
          s));
    return Status::Ok();
  };
  RETURN_IF_ERROR(seg(m[1], &out.major));
  if (m[2].length() > 0) RETURN_IF_ERROR(seg(m[2].str().substr(1), &out.minor));
  if (m[3].length() > 0) RETURN_IF_ERROR(seg(m[3].str().substr(1), &out.patch));
  if (!out.pre.empty()) {
    size_t i = 0;
    for (;;) {
      size_t j = out.pre.find('.', i);
      std::string p = out.pre.substr(i, j == std::string::npos ? std::string::npos : j - i);
      if (OnlyChars(p, "0123456789")) {
        if (p.size() > 1 && p[0] == '0') return InvalidArgument("Version segment starts with 0");
      }
      if (j == std::string::npos) break;
      i = j + 1;
    }
  }
  return out;
}

int ComparePrePart(const std::string& s, const std::string& o) {
  if (s == o) return 0;
  if (s.empty()) return o.empty() ? 1 : -1;
  if (o.empty()) return 1;
  uint64_t si, oi;
  bool n2 = ParseU64(s, &si) && OnlyChars(s, "0123456789");
  bool n1 = ParseU64(o, &oi) && OnlyChars(o, "0123456789");
  if (!n1 && !n2) return s > o ? 1 : -1;
  if (!n1) return -1;
  if (!n2) return 1;
  return si > oi ? 1 : -1;
}

std::vector<std::string> SplitDots(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  for (;;) {
    size_t j = s.find('.', i);
    out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

int ComparePre(const std::string& v, const std::string& o) {
  auto sp = SplitDots(v), op = SplitDots(o);
  size_t l = std::max(sp.size(), op.size());
  for (size_t i = 0; i < l; i++) {
    int d = ComparePrePart(i < sp.size() ? sp[i] : "", i < op.size() ? op[i] : "");
    if (d != 0) return d;
  }
  return 0;
}

int Compare(const Version& a, const Version& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.pre.empty() && b.pre.empty()) return 0;
  if (a.pre.empty()) return 1;
  if (b.pre.empty()) return -1;
  return ComparePre(a.pre, b.pre);
}

struct Constraint {
  Version con;
  std::string orig, op;
  bool minor_dirty = false, dirty = false, patch_dirty = false;
};

bool IsX(const std::string& x) { return x == "x" || x == "*" || x == "X"; }

StatusOr<Constraint> ParseConstraint(const std::string& c) {
  static const std::regex kRe(std::string(R"(^\s*()") + kOps + R"()\s*()" + kCv + R"()\s*$)");
  Constraint out;
  if (c.empty()) {
    out.orig = c;
    out.dirty = true;
    return out;
  }
  std::smatch m;
  if (!std::regex_match(c, m, kRe)) return InvalidArgument("improper constraint: " + c);
  out.orig = m[2];
  out.op = m[1];
  std::string ver = m[2];
  std::string m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6];
  auto trim_dot = [](const std::string& s) { return s.empty() ? s : s.substr(1); };
  if (IsX(m3) || m3.empty()) {
    ver = "0.0.0" + m6;
    out.dirty = true;
  } else if (IsX(trim_dot(m4)) || m4.empty()) {
    out.minor_dirty = out.dirty = true;
    ver = m3 + ".0.0" + m6;
  } else if (IsX(trim_dot(m5)) || m5.empty()) {
    out.dirty = out.patch_dirty = true;
    ver = m3 + m4 + ".0" + m6;
  }
  auto v = NewVersion(ver);
  if (!v.ok()) return InvalidArgument("constraint Parser Error");
  out.con = *v;
  return out;
}

bool Check(const Version& v, const Constraint& c) {
  const Version& k = c.con;
  bool pre_block = !v.pre.empty() && k.pre.empty();
  auto tilde = [&]() {
    if (pre_block) return false;
    if (Compare(v, k) < 0) return false;
    if (k.major == 0 && k.minor == 0 && k.patch == 0 && !c.minor_dirty && !c.patch_dirty)
      return true;
    if (v.major != k.major) return false;
    if (v.minor != k.minor && !c.minor_dirty) return false;
    return true;
  };
  const std::string& op = c.op;
  if (op.empty() || op == "=") {
    if (pre_block) return false;
    if (c.dirty) return tilde();
    return Compare(v, k) == 0;
  }
  if (op == "!=") {
    if (c.dirty) {
      if (pre_block) return false;
      if (k.major != v.major) return true;
      if (k.minor != v.minor && !c.minor_dirty) return true;
      if (c.minor_dirty) return false;
      if (k.patch != v.patch && !c.patch_dirty) return true;
      if (c.patch_dirty) {
        if (!v.pre.empty() || !k.pre.empty()) return ComparePre(v.pre, k.pre) != 0;
        return false;
      }
    }
    return Compare(v, k) != 0;
  }
  if (pre_block) return false;
  if (op == ">") {
    if (!c.dirty) return Compare(v, k) == 1;
    if (v.major > k.major) return true;
    if (v.major < k.major) return false;
    if (c.minor_dirty) return false;
    if (c.patch_dirty) return v.minor > k.minor;
    return Compare(v, k) == 1;
  }
  if (op == "<") return Compare(v, k) < 0;
  if (op == ">=" || op == "=>") return Compare(v, k) >= 0;
  if (op == "<=" || op == "=<") {
    if (!c.dirty) return Compare(v, k) <= 0;
    if (v.major > k.major) return false;
    if (v.major == k.major && v.minor > k.minor && !c.minor_dirty) return false;
    return true;
  }
  if (op == "~" || op == "~>") return tilde();
  if (op == "^") {
    if (Compare(v, k) < 0) return false;
    if (k.major > 0 || c.minor_dirty) return v.major == k.major;
    if (k.major == 0 && v.major > 0) return false;
    if (k.minor > 0 || c.patch_dirty) return v.minor == k.minor;
    if (k.minor == 0 && v.minor > 0) return false;
    return k.patch == v.patch;
  }
  return false;
}

std::string RewriteRange(const std::string& in) {
  static const std::regex kRe(std::string(R"(\s*()") + kCv + R"()\s+-\s+()" + kCv + R"()\s*)");
  std::string o = in;
  std::vector<std::pair<std::string, std::string>> reps;
  for (auto it = std::sregex_iterator(in.begin(), in.end(), kRe); it != std::sregex_iterator();
       ++it) {
    reps.emplace_back((*it)[0], ">= " + (*it)[1].str() + ", <= " + (*it)[11].str());
  }
  for (auto& [from, to] : reps) {
    size_t p = o.find(from);
    if (p != std::string::npos) o.replace(p, from.size(), to);
  }
  return o;
}

StatusOr<bool> SemverCompare(const std::string& constraint, const std::string& version) {
  static const std::regex kValid(std::string(R"(^(\s*()") + kOps + R"()\s*()" + kCv +
                                 R"()\s*)((?:\s+|,\s*)()" + kOps + R"()\s*()" + kCv + R"()\s*)*$)");
  static const std::regex kFind(std::string("(") + kOps + R"()\s*()" + kCv + ")");
  std::string c = RewriteRange(constraint);
  std::vector<std::vector<Constraint>> ors;
  size_t i = 0;
  for (;;) {
    size_t j = c.find("||", i);
    std::string part = c.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!std::regex_match(part, kValid)) return InvalidArgument("improper constraint: " + part);
    std::vector<Constraint> ands;
    bool any = false;
    for (auto it = std::sregex_iterator(part.begin(), part.end(), kFind);
         it != std::sregex_iterator(); ++it) {
      any = true;
      ASSIGN_OR_RETURN(Constraint k, ParseConstraint((*it)[0]));
      ands.push_back(std::move(k));
    }
    if (!any) {
      ASSIGN_OR_RETURN(Constraint k, ParseConstraint(part));
      ands.push_back(std::move(k));
    }
    ors.push_back(std::move(ands));
    if (j == std::string::npos) break;
    i = j + 2;
  }
  ASSIGN_OR_RETURN(Version v, NewVersion(version));
  for (const auto& ands : ors) {
    bool joy = true;
    for (const auto& k : ands) {
      if (!Check(v, k)) {
        joy = false;
        break;
      }
    }
    if (joy) return true;
  }
  return false;
}

Value VersionObject(const Version& v) {
  auto obj = std::make_shared<StructObject>(
      "*semver.Version", std::vector<std::pair<std::string, Value>>{}, Json(v.String()));
  obj->SetStringer(v.String());
  auto u = [](uint64_t x) {
    return Object::Method{
        {}, [x](const std::vector<Value>&) -> StatusOr<Value> { return Value::Uint(x); }};
  };
  auto s = [](std::string x) {
    return Object::Method{
        {}, [x](const std::vector<Value>&) -> StatusOr<Value> { return Value::String(x); }};
  };
  obj->AddMethod("Major", u(v.major));
  obj->AddMethod("Minor", u(v.minor));
  obj->AddMethod("Patch", u(v.patch));
  obj->AddMethod("Prerelease", s(v.pre));
  obj->AddMethod("Metadata", s(v.metadata));
  obj->AddMethod("Original", s(v.original));
  obj->AddMethod("String", s(v.String()));
  return Value::FromObject(obj);
}

}  // namespace

void RegisterSprigSemver(FuncMap* m) {
  (*m)["semverCompare"] = {
      {P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        ASSIGN_OR_RETURN(bool b, SemverCompare(a[0].str(), a[1].str()));
        return Value::Bool(b);
      }};
  (*m)["semver"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      ASSIGN_OR_RETURN(Version v, NewVersion(a[0].str()));
                      return VersionObject(v);
                    }};
}

// Public entry points (semver.h) for callers outside templates, e.g. chart version selection.
StatusOr<bool> SemverMatches(const std::string& constraint, const std::string& version) {
  return SemverCompare(constraint, version);
}

StatusOr<int> SemverOrder(const std::string& a, const std::string& b) {
  ASSIGN_OR_RETURN(Version va, NewVersion(a));
  ASSIGN_OR_RETURN(Version vb, NewVersion(b));
  return Compare(va, vb);
}

}  // namespace flotilla::gotemplate
