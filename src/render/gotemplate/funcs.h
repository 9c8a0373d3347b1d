// The function table templates call: Go's builtins, Sprig v3 and Helm's functions. Each function
// declares its Go parameter types so that the executor applies Go's argument checks ("wrong type
// for value; expected string; got int") before calling it.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

enum class Param : uint8_t {
  kAny,         // interface{}: anything, a missing value becomes nil
  kReflect,     // reflect.Value: the raw value, missing stays missing (builtins)
  kString,      // string
  kInt,         // int
  kInt64,       // int64
  kFloat64,     // float64
  kBool,        // bool
  kList,        // []interface{}
  kMap,         // map[string]interface{}
  kStringList,  // []string
};

const char* ParamTypeName(Param p);

// What a function may need from the running template (include, tpl, ...).
class CallContext {
 public:
  virtual ~CallContext() = default;
  virtual StatusOr<std::string> IncludeTemplate(const std::string& name, const Value& data) = 0;
  virtual StatusOr<std::string> Tpl(const std::string& text, const Value& data) = 0;
};

using FuncImpl = std::function<StatusOr<Value>(CallContext&, std::vector<Value>&)>;

struct Function {
  std::vector<Param> params;  // for variadic functions the last one is the element type
  bool variadic = false;
  FuncImpl impl;
};

using FuncMap = std::unordered_map<std::string, Function>;

// The full Helm function table (text/template builtins + Sprig minus env/expandenv + Helm).
const FuncMap& HelmFuncs();

// Registration helpers, one per family (implemented in their own files).
void RegisterBuiltins(FuncMap* m);
void RegisterSprigStrings(FuncMap* m);
void RegisterSprigLists(FuncMap* m);
void RegisterSprigDicts(FuncMap* m);
void RegisterSprigMisc(FuncMap* m);
void RegisterSprigCrypto(FuncMap* m);  // also registers the two below
void RegisterSprigCerts(FuncMap* m);   // keys, certificates, bcrypt, AES, derivePassword
void RegisterSprigUrl(FuncMap* m);
void RegisterSprigSemver(FuncMap* m);
void RegisterSprigRegex(FuncMap* m);
void RegisterSprigDates(FuncMap* m);
void RegisterHelm(FuncMap* m);

// Shorthands for function bodies.
inline Status FuncError(std::string msg) { return InvalidArgument(std::move(msg)); }

// Sprig's cast helpers (github.com/spf13/cast semantics as Sprig uses them).
int64_t ToInt64(const Value& v);
double ToFloat64(const Value& v);
// Sprig's strval: fmt.Sprintf("%v") except strings, []byte, error, Stringer.
std::string StrVal(const Value& v);
// Sprig's empty().
bool IsEmpty(const Value& v);
// A list's elements as Values for Sprig functions taking interface{} lists ([]T of any T);
// false when `v` is not a slice.
bool AsList(const Value& v, std::vector<Value>* out);

}  // namespace flotilla::gotemplate
