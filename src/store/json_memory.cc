#include "store/json_memory.h"

#include <string>

namespace flotilla::store {
namespace {

// Every heap block costs its size rounded up to 16 plus an 8-byte header.
constexpr size_t Block(size_t n) { return ((n + 8 + 15) / 16) * 16; }

size_t StringHeap(const std::string& s) {
  return s.size() < 16 ? 0 : Block(s.capacity() + 1);  // short strings live inline
}

size_t Heap(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object: {
      size_t n = Block(sizeof(Json::object_t));
      for (const auto& [key, child] : v.get_ref<const Json::object_t&>()) {
        // A red-black tree node: 32 bytes of links and colour, the key, the value.
        n += Block(32 + sizeof(std::string) + sizeof(Json)) + StringHeap(key) + Heap(child);
      }
      return n;
    }
    case Json::value_t::array: {
      const auto& a = v.get_ref<const Json::array_t&>();
      size_t n = Block(sizeof(Json::array_t)) + Block(a.capacity() * sizeof(Json));
      for (const Json& child : a) n += Heap(child);
      return n;
    }
    case Json::value_t::string:
      return Block(sizeof(std::string)) + StringHeap(v.get_ref<const std::string&>());
    case Json::value_t::binary:
      return Block(sizeof(Json::binary_t)) + Block(v.get_binary().capacity());
    default:
      return 0;
  }
}

}  // namespace

size_t ApproxJsonMemory(const Json& value) { return sizeof(Json) + Heap(value); }

}  // namespace flotilla::store
