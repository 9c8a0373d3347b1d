#include "render/gotemplate/value.h"

#include <cmath>

namespace flotilla::gotemplate {

const char* GoTypeName(GoType t) {
  switch (t) {
    case GoType::kInvalid:
    case GoType::kNilIface:
      return "<nil>";
    case GoType::kBool:
      return "bool";
    case GoType::kInt:
      return "int";
    case GoType::kInt64:
      return "int64";
    case GoType::kInt32:
      return "int32";
    case GoType::kUint8:
      return "uint8";
    case GoType::kUint64:
      return "uint64";
    case GoType::kFloat64:
      return "float64";
    case GoType::kString:
      return "string";
    case GoType::kBytes:
      return "[]uint8";
    case GoType::kList:
      return "[]interface {}";
    case GoType::kStringList:
      return "[]string";
    case GoType::kIntList:
      return "[]int";
    case GoType::kMap:
      return "map[string]interface {}";
    case GoType::kValues:
      return "chartutil.Values";
    case GoType::kStringMap:
      return "map[string]string";
    case GoType::kObject:
      return "object";
  }
  return "?";
}

Value Value::FromJson(const Json& j, bool ints_as_int64) {
  switch (j.type()) {
    case Json::value_t::null:
      return Nil();
    case Json::value_t::boolean:
      return Bool(j.get<bool>());
    case Json::value_t::number_integer:
      if (ints_as_int64) return Int64(j.get<int64_t>());
      return Float(static_cast<double>(j.get<int64_t>()));
    case Json::value_t::number_unsigned:
      if (ints_as_int64) {
        uint64_t u = j.get<uint64_t>();
        if (u <= static_cast<uint64_t>(INT64_MAX)) return Int64(static_cast<int64_t>(u));
        return Uint(u);
      }
      return Float(static_cast<double>(j.get<uint64_t>()));
    case Json::value_t::number_float:
      return Float(j.get<double>());
    case Json::value_t::string:
      return String(j.get<std::string>());
    case Json::value_t::array: {
      List l;
      l.reserve(j.size());
      for (const auto& e : j) l.push_back(FromJson(e, ints_as_int64));
      return NewList(std::move(l));
    }
    case Json::value_t::object: {
      Map m;
      for (const auto& [k, e] : j.items()) m.emplace(k, FromJson(e, ints_as_int64));
      return NewMap(std::move(m));
    }
    default:
      return Nil();
  }
}

size_t Value::Len() const {
  if (is_stringish()) {
    return p_ ? str().size() : 0;
  }
  if (is_list()) return list().size();
  if (is_map()) return map().size();
  return 0;
}

std::string Value::TypeName() const {
  if (type_ == GoType::kObject) return object().TypeName();
  return GoTypeName(type_);
}

std::string Value::KindName() const {
  switch (type_) {
    case GoType::kInvalid:
    case GoType::kNilIface:
      return "invalid";
    case GoType::kList:
    case GoType::kStringList:
    case GoType::kIntList:
    case GoType::kBytes:
      return "slice";
    case GoType::kMap:
    case GoType::kValues:
    case GoType::kStringMap:
      return "map";
    case GoType::kObject:
      return object().KindName();
    default:
      return GoTypeName(type_);
  }
}

bool Value::Truth() const {
  switch (type_) {
    case GoType::kInvalid:
    case GoType::kNilIface:
      return false;
    case GoType::kBool:
      return i_ != 0;
    case GoType::kInt:
    case GoType::kInt64:
    case GoType::kInt32:
    case GoType::kUint8:
    case GoType::kUint64:
      return i_ != 0;
    case GoType::kFloat64:
      return f_ != 0;
    case GoType::kString:
    case GoType::kBytes:
      return !str().empty();
    case GoType::kList:
    case GoType::kStringList:
    case GoType::kIntList:
      return !list().empty();
    case GoType::kMap:
    case GoType::kValues:
    case GoType::kStringMap:
      return !map().empty();
    case GoType::kObject: {
      Map entries;
      return !object().MapEntries(&entries) || !entries.empty();
    }
  }
  return false;
}

Json Value::ToJson() const { return ToJsonDepth(0); }

Json Value::ToJsonDepth(int depth) const {
  if (depth > 10000) return nullptr;
  switch (type_) {
    case GoType::kInvalid:
    case GoType::kNilIface:
      return nullptr;
    case GoType::kBool:
      return i_ != 0;
    case GoType::kInt:
    case GoType::kInt64:
    case GoType::kInt32:
    case GoType::kUint8:
      return i_;
    case GoType::kUint64:
      return static_cast<uint64_t>(i_);
    case GoType::kFloat64:
      return f_;
    case GoType::kString:
      return str();
    case GoType::kBytes: {
      // encoding/json writes []byte as base64; callers needing that handle it themselves.
      return str();
    }
    case GoType::kList:
    case GoType::kStringList:
    case GoType::kIntList: {
      Json a = Json::array();
      for (const auto& e : list()) a.push_back(e.ToJsonDepth(depth + 1));
      return a;
    }
    case GoType::kMap:
    case GoType::kValues:
    case GoType::kStringMap: {
      Json o = Json::object();
      for (const auto& [k, e] : map()) o[k] = e.ToJsonDepth(depth + 1);
      return o;
    }
    case GoType::kObject:
      return object().ToJson();
  }
  return nullptr;
}

Value Value::DeepCopy() const { return DeepCopyDepth(0); }

Value Value::DeepCopyDepth(int depth) const {
  if (depth > 10000) return Nil();
  if (is_list()) {
    List l;
    l.reserve(list().size());
    for (const auto& e : list()) l.push_back(e.DeepCopyDepth(depth + 1));
    return NewList(std::move(l), type_);
  }
  if (is_map()) {
    Map m;
    for (const auto& [k, e] : map()) m.emplace(k, e.DeepCopyDepth(depth + 1));
    return NewMap(std::move(m), type_);
  }
  return *this;
}

bool Value::DeepEqual(const Value& o) const { return DeepEqualDepth(o, 0); }

bool Value::DeepEqualDepth(const Value& o, int depth) const {
  if (depth > 10000) return false;
  if (type_ != o.type_) {
    return false;
  }
  switch (type_) {
    case GoType::kInvalid:
    case GoType::kNilIface:
      return true;
    case GoType::kFloat64:
      return f_ == o.f_;
    case GoType::kString:
    case GoType::kBytes:
      return str() == o.str();
    case GoType::kList:
    case GoType::kStringList:
    case GoType::kIntList:
      if (list().size() != o.list().size()) return false;
      for (size_t i = 0; i < list().size(); i++)
        if (!(list())[i].DeepEqualDepth(o.list()[i], depth + 1)) return false;
      return true;
    case GoType::kMap:
    case GoType::kValues:
    case GoType::kStringMap: {
      if (map().size() != o.map().size()) return false;
      auto a = map().begin();
      auto b = o.map().begin();
      for (; a != map().end(); ++a, ++b)
        if (a->first != b->first || !a->second.DeepEqualDepth(b->second, depth + 1)) return false;
      return true;
    }
    case GoType::kObject:
      return p_ == o.p_;
    default:
      return i_ == o.i_;
  }
}

bool Value::SameRef(const Value& o) const {
  if (type_ != o.type_) return false;
  if (is_list()) return p_ == o.p_;
  if (is_map()) return p_ == o.p_;
  if (type_ == GoType::kObject) return p_ == o.p_;
  return DeepEqual(o);
}

}  // namespace flotilla::gotemplate
