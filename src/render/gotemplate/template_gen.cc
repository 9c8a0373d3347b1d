#include "render/gotemplate/template_gen.h"

namespace flotilla::gotemplate {
namespace {

// name and argument kinds: s=string, i=int, a=any, l=list, m=map, f=number, p=printf format,
// r=regex, v=semver constraint, k=map key.
struct FuncSpec {
  const char* name;
  const char* args;
};

const std::vector<FuncSpec>& Funcs() {
  static const std::vector<FuncSpec> kFuncs = {
      {"upper", "s"},
      {"lower", "s"},
      {"title", "s"},
      {"untitle", "s"},
      {"trim", "s"},
      {"nospace", "s"},
      {"initials", "s"},
      {"swapcase", "s"},
      {"snakecase", "s"},
      {"camelcase", "s"},
      {"kebabcase", "s"},
      {"quote", "a"},
      {"squote", "a"},
      {"b64enc", "s"},
      {"b32enc", "s"},
      {"b64dec", "s"},
      {"sha1sum", "s"},
      {"sha256sum", "s"},
      {"adler32sum", "s"},
      {"toString", "a"},
      {"trimAll", "ss"},
      {"trimPrefix", "ss"},
      {"trimSuffix", "ss"},
      {"html", "a"},
      {"js", "a"},
      {"urlquery", "a"},
      {"base", "s"},
      {"dir", "s"},
      {"ext", "s"},
      {"clean", "s"},
      {"toYaml", "a"},
      {"toJson", "a"},
      {"toPrettyJson", "a"},
      {"toRawJson", "a"},
      {"indent", "is"},
      {"nindent", "is"},
      {"trunc", "is"},
      {"abbrev", "is"},
      {"repeat", "is"},
      {"wrap", "is"},
      {"replace", "sss"},
      {"contains", "ss"},
      {"hasPrefix", "ss"},
      {"hasSuffix", "ss"},
      {"cat", "aa"},
      {"default", "aa"},
      {"empty", "a"},
      {"typeOf", "a"},
      {"kindOf", "a"},
      {"len", "a"},
      {"coalesce", "aa"},
      {"ternary", "aaa"},
      {"deepCopy", "a"},
      {"list", "aa"},
      {"first", "l"},
      {"last", "l"},
      {"rest", "l"},
      {"initial", "l"},
      {"reverse", "l"},
      {"uniq", "l"},
      {"compact", "l"},
      {"has", "al"},
      {"without", "la"},
      {"join", "sl"},
      {"sortAlpha", "l"},
      {"append", "la"},
      {"prepend", "la"},
      {"concat", "ll"},
      {"dict", "sa"},
      {"get", "mk"},
      {"hasKey", "mk"},
      {"pick", "mk"},
      {"omit", "mk"},
      {"dig", "kam"},
      {"add", "ff"},
      {"sub", "ff"},
      {"mul", "ff"},
      {"div", "ff"},
      {"mod", "ff"},
      {"max", "ff"},
      {"min", "ff"},
      {"add1", "f"},
      {"addf", "ff"},
      {"mulf", "ff"},
      {"subf", "ff"},
      {"divf", "ff"},
      {"floor", "f"},
      {"ceil", "f"},
      {"round", "fi"},
      {"int", "a"},
      {"int64", "a"},
      {"float64", "a"},
      {"atoi", "s"},
      {"eq", "aa"},
      {"ne", "aa"},
      {"lt", "ff"},
      {"le", "ff"},
      {"gt", "ff"},
      {"ge", "ff"},
      {"and", "aa"},
      {"or", "aa"},
      {"not", "a"},
      {"printf", "pa"},
      {"print", "aa"},
      {"println", "a"},
      {"regexMatch", "rs"},
      {"regexFind", "rs"},
      {"regexReplaceAll", "rss"},
      {"regexFindAll", "rsi"},
      {"regexSplit", "rsi"},
      {"semverCompare", "vs"},
      {"splitList", "ss"},
      {"toStrings", "a"},
      {"until", "i"},
      {"seq", "i"},
      {"plural", "ssi"},
      {"substr", "iis"},
      {"index", "ma"},
      {"fromYaml", "s"},
      {"fromJson", "s"},
      {"fromYamlArray", "s"},
      {"toToml", "m"},
      {"merge", "dd"},
      {"mergeOverwrite", "dd"},
      {"chunk", "il"},
      {"slice", "li"},
      {"abbrevboth", "iis"},
      {"wrapWith", "iss"},
      {"regexQuoteMeta", "s"},
      {"toDecimal", "a"},
      {"biggest", "ff"},
      {"kindIs", "sa"},
      {"typeIs", "sa"},
      {"deepEqual", "aa"},
      {"all", "aa"},
      {"any", "aa"},
      {"mustToJson", "a"},
      {"mustToYaml", "a"},
      {"required", "sa"},
      {"include", "sa"},
      {"tpl", "sa"},
  };
  return kFuncs;
}

const std::vector<std::string>& Strings() {
  static const std::vector<std::string> kStrings = {
      "",         "a",           "hello world",  "yes",        "1",          "1.5",
      "x: y",     "a,b,c",       "#tag",         " lead",      "trail ",     "null",
      "true",     "héllo",       "CamelCase",    "snake_case", "kebab-case", "a/b/c.txt",
      "v1.2.3",   "1.20.0-rc.1", "line1\nline2", "tab\there",  "quote\"s",   "it's",
      "<b>&</b>", "aGVsbG8=",    "{{x}}",        "*star",      "- dash",     "0x1F",
      "~",        "a b  c",      "UPPER lower",  "ÀÉÎ",        "ok: \"yes\""};
  return kStrings;
}

std::string Escape(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\t') {
      out += "\\t";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

Json TemplateGen::RandomValue(int depth) {
  int k = R(depth > 2 ? 6 : 9);
  switch (k) {
    case 0:
      return Pick(Strings());
    case 1:
      return R(2000) - 1000;
    case 2:
      return (R(20000) - 10000) / 8.0;
    case 3:
      return P(50);
    case 4:
      return nullptr;
    case 5:
      return Pick(std::vector<double>{0, 1, 2000000, 1e21, 0.1, 3.0, -7, 1e-7, 123456789});
    case 6:
    case 7: {
      Json a = Json::array();
      int n = R(4);
      for (int i = 0; i < n; i++) a.push_back(RandomValue(depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      int n = R(4);
      for (int i = 0; i < n; i++)
        o[Pick(std::vector<std::string>{"a", "b", "c", "name", "x", "key10", "key9", "Z", "_u"})] =
            RandomValue(depth + 1);
      return o;
    }
  }
}

Json TemplateGen::RandomValues() {
  Json v = {{"name", Pick(Strings())},
            {"n", R(100)},
            {"f", (R(1000) - 500) / 4.0},
            {"b", P(50)},
            {"s", Pick(Strings())},
            {"list", Json::array({Pick(Strings()), Pick(Strings()), Pick(Strings())})},
            {"nums", Json::array({R(10), R(10), 2.5})},
            {"m", {{"x", Pick(Strings())}, {"y", R(5)}, {"a", "A"}}},
            {"nested", {{"a", {{"b", Pick(Strings())}, {"c", Json::array({1, 2})}}}}},
            {"empty", ""},
            {"nil", nullptr},
            {"ml", "first line\nsecond: line\n"},
            {"r", RandomValue(0)}};
  return v;
}

std::string TemplateGen::Text() {
  return Pick(std::vector<std::string>{"", "x", " ", "\n", "key: ", "  - ", "\n  ", "a\n\nb",
                                       "# comment\n", "{ }", "<no value>"});
}

std::string TemplateGen::StringLit() {
  if (P(20)) return "`raw " + std::to_string(R(10)) + "`";
  return Escape(Pick(Strings()));
}

std::string TemplateGen::Path() {
  static const std::vector<std::string> kPaths = {".Values.name",
                                                  ".Values.n",
                                                  ".Values.f",
                                                  ".Values.b",
                                                  ".Values.s",
                                                  ".Values.list",
                                                  ".Values.nums",
                                                  ".Values.m",
                                                  ".Values.m.x",
                                                  ".Values.m.y",
                                                  ".Values.nested.a",
                                                  ".Values.nested.a.b",
                                                  ".Values.empty",
                                                  ".Values.nil",
                                                  ".Values.missing",
                                                  ".Values.ml",
                                                  ".Values.r",
                                                  ".Release.Name",
                                                  ".Chart.Name",
                                                  ".Chart.Version",
                                                  ".Values",
                                                  ".Template.Name",
                                                  ".Capabilities.KubeVersion.Version",
                                                  ".Release.Revision"};
  // Rarely: paths that fail (nil pointer evaluating interface {}.x).
  if (P(3)) return Pick(std::vector<std::string>{".Values.missing.x", ".Values.nil.x"});
  if (!vars_.empty() && P(25)) return Pick(vars_);
  std::string p = Pick(kPaths);
  // Inside with/range/define bodies dot changes; `$` keeps pointing at the root there.
  if (in_body_ > 0 && P(95)) return "$" + p;
  return p;
}

std::string TemplateGen::StrArg() {
  if (P(60)) return StringLit();
  return Pick(std::vector<std::string>{".Values.name", ".Values.s", ".Values.m.x", ".Values.ml",
                                       ".Release.Name", "(toString .Values.n)", ".Values.empty"});
}

std::string TemplateGen::IntArg() {
  if (P(85)) return std::to_string(R(12) - 2);
  return Pick(std::vector<std::string>{"(len .Values.list)", "(int .Values.n)", ".Values.n", "1.5",
                                       "(atoi \"3\")"});
}

std::string TemplateGen::AnyArg(int depth) {
  if (depth < 3 && P(30)) return "(" + Expr(depth + 1) + ")";
  switch (R(6)) {
    case 0:
      return StringLit();
    case 1:
      return IntArg();
    case 2:
      return Pick(std::vector<std::string>{"true", "false", "nil", "1.5", "-3", "'a'", "1e3"});
    default:
      return Path();
  }
}

std::string TemplateGen::Expr(int depth) {
  if (depth > 3 || P(20)) return AnyArg(depth + 1);
  const FuncSpec& f = Pick(Funcs());
  std::string out = f.name;
  std::string name = f.name;
  for (const char* a = f.args; *a; a++) {
    out += " ";
    switch (*a) {
      case 's':
        out += P(90) ? StrArg() : AnyArg(depth + 1);
        break;
      case 'i':
        out += P(95) ? IntArg() : AnyArg(depth + 1);
        break;
      case 'f':
        out += P(50) ? IntArg()
                     : Pick(std::vector<std::string>{".Values.n", ".Values.f", "2.5", "\"7\"",
                                                     ".Values.nums", "0"});
        break;
      case 'l':
        out += Pick(std::vector<std::string>{".Values.list", ".Values.nums", "(list 1 \"a\" 1 nil)",
                                             "(splitList \",\" \"b,a,b\")", "(list)", ".Values.r",
                                             "(until 3)"});
        break;
      case 'm':
        out += Pick(std::vector<std::string>{".Values.m", ".Values.nested", "(dict \"k\" 1)",
                                             "(dict)", ".Values.r", ".Values.nested.a"});
        break;
      case 'd':  // fresh dicts only: merging a map into itself builds a cycle
        out += Pick(std::vector<std::string>{"(dict \"k\" 1)", "(dict \"a\" (dict \"b\" 2))",
                                             "(dict)", "(deepCopy .Values.m)"});
        break;
      case 'k':
        out += Pick(std::vector<std::string>{"\"x\"", "\"a\"", "\"missing\"", "\"k\"", "\"b\""});
        break;
      case 'p':
        out +=
            Pick(std::vector<std::string>{"\"%v\"", "\"%s|%d\"", "\"%q\"", "\"%5.2f\"", "\"%-6s|\"",
                                          "\"%x %X\"", "\"%T\"", "\"%t\"", "\"%03d\"", "\"%+d %%\"",
                                          "\"%v %v\"", "\"%e\"", "\"%g\"", "\"%c\"", "\"%8.3s|\""});
        break;
      case 'r':
        out += Pick(std::vector<std::string>{"\"a+\"", "\"[0-9]+\"", "\"^h\"", "\"(l+)o\"",
                                             "\"\\\\s\"", "\"x*\"", "\"(?i)HELLO\"", "\"[\""});
        break;
      case 'v':
        out += Pick(std::vector<std::string>{"\">=1.2.0\"", "\"^1.0.0\"", "\"~1.20.0\"",
                                             "\">=1.19-0\"", "\"<2.0.0 || >3\"", "\"1.x\"",
                                             "\"bad constraint\"", "\"!=1.2.3\""});
        break;
      default:
        if (name == "include" || name == "required") {
          out += AnyArg(depth + 1);
        } else {
          out += AnyArg(depth + 1);
        }
    }
    if (name == "include" && a == f.args) {
      // include's first argument is replaced by a define name below.
    }
  }
  if (name == "include") {
    std::string d = defines_.empty() ? "\"nodef\"" : "\"" + Pick(defines_) + "\"";
    out = "include " + d + " " + (P(80) ? std::string("$") : AnyArg(depth + 1));
  }
  if (name == "tpl") {
    out = "tpl " +
          Pick(std::vector<std::string>{"\"{{ .Values.name }}\"", "\"{{ .name }}-x\"",
                                        "\"{{ if }}\"", "\"plain\"", ".Values.s"}) +
          " " + Pick(std::vector<std::string>{".", ".Values", "(dict \"name\" 1)"});
  }
  return out;
}

std::string TemplateGen::Pipeline(int depth) {
  std::string out = Expr(depth);
  int stages = R(3);
  // Stages that take any value, and string stages used after `toString`.
  static const std::vector<std::string> kAnyStages = {"quote",
                                                      "toYaml",
                                                      "toJson",
                                                      "default \"d\"",
                                                      "toString",
                                                      "typeOf",
                                                      "not",
                                                      "squote",
                                                      "empty",
                                                      "kindOf",
                                                      "print",
                                                      "printf \"<%v>\"",
                                                      "list",
                                                      "ternary \"y\" \"n\"",
                                                      "required \"need it\"",
                                                      "eq 1",
                                                      "len",
                                                      "first",
                                                      "int",
                                                      "add 1",
                                                      "sortAlpha",
                                                      "join \"-\""};
  static const std::vector<std::string> kStringStages = {
      "upper",           "lower",           "trim",      "b64enc",
      "indent 2",        "nindent 4",       "trunc 3",   "replace \"a\" \"b\"",
      "splitList \" \"", "title",           "sha256sum", "camelcase",
      "snakecase",       "kebabcase",       "abbrev 5",  "wrap 4",
      "contains \"a\"",  "trimPrefix \"-\""};
  for (int i = 0; i < stages; i++) {
    if (P(60)) {
      out += " | toString | " + Pick(kStringStages);
    } else {
      out += " | " + Pick(kAnyStages);
    }
  }
  return out;
}
#if 0
  static const std::vector<std::string> kStages = {
      "upper",      "quote",       "toYaml",   "toJson",    "indent 2",   "nindent 4",
      "default \"d\"", "trim",     "len",      "b64enc",    "lower",      "printf \"<%v>\"",
      "toString",   "first",       "join \"-\"", "typeOf",  "not",        "sortAlpha",
      "trunc 3",    "replace \"a\" \"b\"", "splitList \" \"", "squote", "empty", "kindOf",
      "int",        "add 1",       "eq 1",     "ternary \"y\" \"n\"", "required \"need it\"",
      "print"};
  return out;
}
#endif

std::string TemplateGen::Open() { return P(25) ? "{{- " : "{{ "; }
std::string TemplateGen::Close() { return P(25) ? " -}}" : " }}"; }

std::string TemplateGen::Action(int depth) {
  int k = R(depth > 2 ? 3 : 10);
  switch (k) {
    case 0:
    case 1:
    case 2:
      return Open() + Pipeline(depth) + Close();
    case 3: {
      std::string v = "$v" + std::to_string(vars_.size());
      std::string s = Open() + v + " := " + Pipeline(depth) + Close();
      vars_.push_back(v);
      return s;
    }
    case 4: {
      size_t mark = vars_.size();
      std::string s = Open() + "if " + Pipeline(depth) + Close() + Body(depth + 1, 2);
      if (P(30)) s += Open() + "else if " + Pipeline(depth) + Close() + Body(depth + 1, 1);
      if (P(40)) s += Open() + "else" + Close() + Body(depth + 1, 1);
      vars_.resize(mark);
      return s + Open() + "end" + Close();
    }
    case 5: {
      size_t mark = vars_.size();
      std::string coll = Pick(std::vector<std::string>{
          ".Values.list", ".Values.m", ".Values.nums", ".Values.nested", "(until 3)", ".Values.r",
          ".Values.missing", ".Values.name", "(splitList \",\" .Values.s)"});
      std::string head = "range " + coll;
      if (P(50)) {
        head = "range $i, $e := " + coll;
        vars_.push_back("$i");
        vars_.push_back("$e");
      }
      bool saved = in_range_;
      in_range_ = true;
      std::string s = Open() + head + Close() + Body(depth + 1, 2);
      if (P(30)) s += Open() + (P(50) ? "break" : "continue") + Close();
      in_range_ = saved;
      if (P(30)) s += Open() + "else" + Close() + Body(depth + 1, 1);
      vars_.resize(mark);
      return s + Open() + "end" + Close();
    }
    case 6: {
      size_t mark = vars_.size();
      std::string s = Open() + "with " + Pipeline(depth) + Close() + Body(depth + 1, 2);
      if (P(30)) s += Open() + "else" + Close() + Body(depth + 1, 1);
      vars_.resize(mark);
      return s + Open() + "end" + Close();
    }
    case 7:
      if (!defines_.empty())
        return Open() + "template \"" + Pick(defines_) + "\" " + AnyArg(depth) + Close();
      return Open() + Pipeline(depth) + Close();
    case 8:
      return "{{/* c */}}";
    default:
      return Open() + "printf \"%v|%v\" " + AnyArg(depth) + " " + AnyArg(depth) + Close();
  }
}

std::string TemplateGen::Body(int depth, int n) {
  in_body_ += depth > 0 ? 1 : 0;
  struct Restore {
    int* v;
    int d;
    ~Restore() { *v -= d; }
  } restore{&in_body_, depth > 0 ? 1 : 0};
  std::string out;
  int count = 1 + R(n + 1);
  for (int i = 0; i < count; i++) {
    out += Text();
    out += Action(depth);
  }
  return out + Text();
}

Json TemplateGen::Request() {
  vars_.clear();
  defines_.clear();
  Json req;
  req["values"] = RandomValues();
  std::string helpers;
  int nd = R(3);
  for (int i = 0; i < nd; i++) {
    std::string name = "mychart.d" + std::to_string(i);
    std::vector<std::string> saved = vars_;
    vars_.clear();
    helpers += "{{- define \"" + name + "\" -}}" + Body(2, 1) + "{{- end -}}\n";
    vars_ = saved;
    defines_.push_back(name);
  }
  std::string main = Body(0, 4);
  req["templates"] = {{"mychart/templates/_helpers.tpl", helpers},
                      {"mychart/templates/t.yaml", main}};
  req["render"] = "mychart/templates/t.yaml";
  return req;
}

}  // namespace flotilla::gotemplate
