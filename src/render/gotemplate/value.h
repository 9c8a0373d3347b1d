// A dynamically typed value with Go's typing, as Helm's templates see data: int vs int64 vs
// float64, map[string]interface{} (iterated in sorted key order), []interface{}, []string, nil
// interfaces, and opaque Go objects (structs with fields and methods, e.g. .Chart, .Files).
//
// Maps and lists have reference semantics like Go's (Sprig's `set` mutates the map every holder
// sees); copying a Value copies the reference.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::gotemplate {

// The Go type of a value; its name is what `typeOf` / `%T` print.
enum class GoType : uint8_t {
  kInvalid,     // no value at all (reflect.Value{}), prints "<no value>"
  kNilIface,    // a nil interface{} held in a map or list
  kBool,        // bool
  kInt,         // int (template integer constants, len, atoi, ...)
  kInt64,       // int64 (Sprig arithmetic, --set integers)
  kInt32,       // int32 (rune)
  kUint8,       // uint8 (byte)
  kUint64,      // uint64
  kFloat64,     // float64 (every number from YAML/JSON values)
  kString,      // string
  kBytes,       // []uint8 (.Files.GetBytes, randBytes)
  kList,        // []interface {}
  kStringList,  // []string
  kIntList,     // []int (Sprig's until/untilStep)
  kMap,         // map[string]interface {}
  kValues,      // chartutil.Values (same as a map for every operation but its name)
  kStringMap,   // map[string]string
  kObject,      // a Go struct pointer or named type (see Object)
};

class Value;
using List = std::vector<Value>;
using Map = std::map<std::string, Value, std::less<>>;

// A Go object exposing fields and methods to templates (e.g. *chart.Metadata, engine.files).
class Object {
 public:
  virtual ~Object() = default;
  virtual std::string TypeName() const = 0;
  // A struct field or (for map-like named types) an entry; false when there is none.
  virtual bool Field(std::string_view name, Value* out) const = 0;
  // Methods callable from templates; `args` already converted. nullptr when none.
  struct Method {
    std::vector<GoType> params;  // kInvalid = interface{}
    std::function<StatusOr<Value>(const std::vector<Value>&)> fn;
  };
  virtual const Method* FindMethod(std::string_view name) const { return nullptr; }
  // The data as JSON (for toYaml/toJson), following the Go struct's json tags.
  virtual Json ToJson() const = 0;
  // fmt's %v rendering (e.g. "&{mychart 0.1.0 ...}" or a Stringer's String()).
  virtual std::string Format() const = 0;
  // Go's reflect.Kind name (for kindOf): "ptr", "struct", "map", "slice", "string".
  virtual std::string KindName() const { return "ptr"; }
  // For Go map types (engine.files): the entries, so that range, len and truth work on them.
  virtual bool MapEntries(Map* out) const { return false; }
};

class Value {
 public:
  Value() = default;  // invalid
  static Value Nil() { return Value(GoType::kNilIface); }
  static Value Bool(bool b) {
    Value v(GoType::kBool);
    v.i_ = b;
    return v;
  }
  static Value Int(int64_t i, GoType t = GoType::kInt) {
    Value v(t);
    v.i_ = i;
    return v;
  }
  static Value Int64(int64_t i) { return Int(i, GoType::kInt64); }
  static Value Uint(uint64_t u, GoType t = GoType::kUint64) {
    Value v(t);
    v.i_ = static_cast<int64_t>(u);
    return v;
  }
  static Value Float(double f) {
    Value v(GoType::kFloat64);
    v.f_ = f;
    return v;
  }
  static Value String(std::string s, GoType t = GoType::kString) {
    Value v(t);
    v.p_ = std::make_shared<std::string>(std::move(s));
    return v;
  }
  static Value NewList(List l = {}, GoType t = GoType::kList) {
    Value v(t);
    v.p_ = std::make_shared<List>(std::move(l));
    return v;
  }
  // A nil []interface{}: empty for every purpose except JSON/YAML, where it is null.
  static Value NilList() {
    Value v = NewList();
    v.nil_slice_ = true;
    return v;
  }
  bool is_nil_slice() const { return nil_slice_; }
  static Value NewMap(Map m = {}, GoType t = GoType::kMap) {
    Value v(t);
    v.p_ = std::make_shared<Map>(std::move(m));
    return v;
  }
  static Value FromObject(std::shared_ptr<const Object> o) {
    Value v(GoType::kObject);
    v.p_ = std::const_pointer_cast<Object>(std::move(o));
    return v;
  }
  // JSON as Helm sees decoded values: every number is float64 unless `ints_as_int64`.
  static Value FromJson(const Json& j, bool ints_as_int64 = false);

  GoType type() const { return type_; }
  bool valid() const { return type_ != GoType::kInvalid; }
  bool is_nil() const { return type_ == GoType::kInvalid || type_ == GoType::kNilIface; }
  bool is_bool() const { return type_ == GoType::kBool; }
  bool is_int() const {  // any signed integer type
    return type_ == GoType::kInt || type_ == GoType::kInt64 || type_ == GoType::kInt32;
  }
  bool is_uint() const { return type_ == GoType::kUint8 || type_ == GoType::kUint64; }
  bool is_float() const { return type_ == GoType::kFloat64; }
  bool is_number() const { return is_int() || is_uint() || is_float(); }
  bool is_string() const { return type_ == GoType::kString; }
  bool is_stringish() const { return type_ == GoType::kString || type_ == GoType::kBytes; }
  bool is_list() const {
    return type_ == GoType::kList || type_ == GoType::kStringList || type_ == GoType::kIntList;
  }
  bool is_map() const {
    return type_ == GoType::kMap || type_ == GoType::kValues || type_ == GoType::kStringMap;
  }
  bool is_object() const { return type_ == GoType::kObject; }

  bool bool_value() const { return i_ != 0; }
  int64_t int_value() const { return i_; }
  uint64_t uint_value() const { return static_cast<uint64_t>(i_); }
  double float_value() const { return f_; }
  const std::string& str() const { return *static_cast<const std::string*>(p_.get()); }
  // Lists: []interface{} and []string share the representation (elements are Values).
  const List& list() const { return *static_cast<const List*>(p_.get()); }
  List& mutable_list() const { return *static_cast<List*>(p_.get()); }
  const Map& map() const { return *static_cast<const Map*>(p_.get()); }
  Map& mutable_map() const { return *static_cast<Map*>(p_.get()); }
  const Object& object() const { return *static_cast<const Object*>(p_.get()); }
  std::shared_ptr<const Object> object_ptr() const {
    return std::static_pointer_cast<const Object>(p_);
  }

  // Number of elements for strings/bytes (bytes), lists and maps.
  size_t Len() const;
  // Go's reflect.Type String(): "int", "[]interface {}", "*chart.Metadata", "<nil>".
  std::string TypeName() const;
  // Go's reflect.Kind String(): "int", "slice", "map", "ptr", "invalid".
  std::string KindName() const;
  // text/template truth: false, 0, nil, empty string/list/map are false.
  bool Truth() const;
  // Same value with the given Go type (e.g. a map as chartutil.Values).
  Value WithType(GoType t) const {
    Value v = *this;
    v.type_ = t;
    return v;
  }
  // Conversion for serialization (toJson/toYaml/sigs.k8s.io/yaml).
  Json ToJson() const;
  // A deep copy (Sprig's deepCopy / copystructure).
  Value DeepCopy() const;
  // Go's reflect.DeepEqual.
  bool DeepEqual(const Value& o) const;
  // Identity for Go's `==` on interfaces (used by eq on maps/lists etc.).
  bool SameRef(const Value& o) const;

 private:
  explicit Value(GoType t) : type_(t) {}
  // Recursion is bounded (cyclic maps can be built with Sprig's set/merge).
  Json ToJsonDepth(int depth) const;
  Value DeepCopyDepth(int depth) const;
  bool DeepEqualDepth(const Value& o, int depth) const;
  GoType type_ = GoType::kInvalid;
  bool nil_slice_ = false;
  union {
    int64_t i_ = 0;
    double f_;
  };
  // The string, List, Map or Object, per type_ (one pointer keeps copies cheap).
  std::shared_ptr<void> p_;
};

// The name Go prints for a GoType (without object specifics).
const char* GoTypeName(GoType t);

}  // namespace flotilla::gotemplate
