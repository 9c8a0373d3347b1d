// The parse tree of Go's text/template (a port of text/template/parse), with Go's node printing
// (used in error contexts) and Go's parse error messages.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

enum class NodeType : uint8_t {
  kText,
  kAction,
  kBool,
  kChain,
  kCommand,
  kDot,
  kField,
  kIdentifier,
  kIf,
  kList,
  kNil,
  kNumber,
  kPipe,
  kRange,
  kString,
  kTemplate,
  kVariable,
  kWith,
  kComment,
  kBreak,
  kContinue,
  kElse,  // parse-time only
  kEnd,   // parse-time only
};

struct SourceFile;

struct Node {
  NodeType type;
  int pos = 0;   // byte offset in the source
  int line = 0;  // line of the token (1-based)
  const SourceFile* src = nullptr;

  std::string text;                // Text, String (unquoted), Number (as written), Identifier,
                                   // Template name, Comment
  std::string quoted;              // String: as written
  std::vector<std::string> ident;  // Field (without dots), Variable ($x, fields...), Chain fields
  std::vector<Node*> nodes;        // List items, Pipe commands, Command args
  std::vector<Node*> decl;         // Pipe: declared variables
  bool is_assign = false;          // Pipe: `=` rather than `:=`
  Node* pipe = nullptr;            // Action/If/Range/With/Template
  Node* list = nullptr;            // If/Range/With
  Node* else_list = nullptr;       // If/Range/With
  Node* chain = nullptr;           // Chain: the node whose result the fields apply to
  bool bool_value = false;
  // Number
  bool is_int = false, is_uint = false, is_float = false, is_complex = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double float_value = 0;
  // String: the value, built once at parse time (shared, immutable) so that evaluating a
  // literal does not allocate.
  Value constant;
  // Identifier: the resolved function, cached by the executor on first use.
  mutable std::atomic<const void*> func{nullptr};

  // Go's Node.String().
  std::string String() const;
  void WriteTo(std::string* out) const;
};

// The text of one parsed source and the arena owning its nodes.
struct SourceFile {
  std::string parse_name;  // the top-level template name being parsed, for error messages
  std::string text;
  std::deque<Node> arena;  // stable addresses, allocated in chunks
  Node* New(NodeType t, int pos, int line = 0) {
    arena.emplace_back();
    Node* n = &arena.back();
    n->type = t;
    n->pos = pos;
    n->line = line;
    n->src = this;
    return n;
  }
};

// One named template: its root list and the source that owns it.
struct Tree {
  std::string name;
  Node* root = nullptr;
  std::shared_ptr<const SourceFile> src;
};

// "name:line:col" for a node, as Go's Tree.ErrorContext, and the node's text.
std::string ErrorLocation(const Node& n);

// Go's parse.IsEmptyTree.
bool IsEmptyTree(const Node* n);

// Parses `text` as template `name`; adds it and every {{define}}/{{block}} to `out` (a later
// definition replaces an earlier one unless it is empty, like html/template's AddParseTree).
// `is_func` tells which identifiers are functions. Errors read like Go's:
// "template: name:3: unexpected \"}\" in operand".
Status ParseTemplate(const std::string& name, std::string text,
                     const std::function<bool(const std::string&)>& is_func,
                     std::map<std::string, Tree, std::less<>>* out);

// ParseTemplate through a process-wide cache of successful parses keyed by (name, text): parsing
// the same source again shares its immutable trees instead of re-parsing. REQUIRES: `is_func` is
// the same predicate on every call (the engine always passes Helm's function table).
// Thread-safe.
Status ParseTemplateShared(const std::string& name, std::string text,
                           const std::function<bool(const std::string&)>& is_func,
                           std::map<std::string, Tree, std::less<>>* out);

}  // namespace flotilla::gotemplate
