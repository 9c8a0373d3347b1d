#include <fmt/format.h>

#include "render/gotemplate/ast.h"
#include "render/gotemplate/lexer.h"

namespace flotilla::gotemplate {

std::string Node::String() const {
  std::string s;
  WriteTo(&s);
  return s;
}

void Node::WriteTo(std::string* out) const {
  switch (type) {
    case NodeType::kText:
      *out += text;
      break;
    case NodeType::kComment:
      *out += "{{" + text + "}}";
      break;
    case NodeType::kAction:
      *out += "{{";
      pipe->WriteTo(out);
      *out += "}}";
      break;
    case NodeType::kBool:
      *out += bool_value ? "true" : "false";
      break;
    case NodeType::kChain:
      if (chain->type == NodeType::kPipe) {
        *out += "(";
        chain->WriteTo(out);
        *out += ")";
      } else {
        chain->WriteTo(out);
      }
      for (const auto& f : ident) *out += "." + f;
      break;
    case NodeType::kCommand:
      for (size_t i = 0; i < nodes.size(); i++) {
        if (i > 0) *out += " ";
        if (nodes[i]->type == NodeType::kPipe) {
          *out += "(";
          nodes[i]->WriteTo(out);
          *out += ")";
        } else {
          nodes[i]->WriteTo(out);
        }
      }
      break;
    case NodeType::kDot:
      *out += ".";
      break;
    case NodeType::kField:
      for (const auto& f : ident) *out += "." + f;
      break;
    case NodeType::kIdentifier:
      *out += text;
      break;
    case NodeType::kIf:
    case NodeType::kRange:
    case NodeType::kWith: {
      const char* name = type == NodeType::kIf ? "if" : type == NodeType::kRange ? "range" : "with";
      *out += fmt::format("{{{{{} ", name);
      pipe->WriteTo(out);
      *out += "}}";
      list->WriteTo(out);
      if (else_list != nullptr) {
        *out += "{{else}}";
        else_list->WriteTo(out);
      }
      *out += "{{end}}";
      break;
    }
    case NodeType::kList:
      for (const Node* n : nodes) n->WriteTo(out);
      break;
    case NodeType::kNil:
      *out += "nil";
      break;
    case NodeType::kNumber:
      *out += text;
      break;
    case NodeType::kPipe:
      if (!decl.empty()) {
        for (size_t i = 0; i < decl.size(); i++) {
          if (i > 0) *out += ", ";
          decl[i]->WriteTo(out);
        }
        *out += " := ";
      }
      for (size_t i = 0; i < nodes.size(); i++) {
        if (i > 0) *out += " | ";
        nodes[i]->WriteTo(out);
      }
      break;
    case NodeType::kString:
      *out += quoted;
      break;
    case NodeType::kTemplate:
      *out += "{{template " + GoQuote(text);
      if (pipe != nullptr) {
        *out += " ";
        pipe->WriteTo(out);
      }
      *out += "}}";
      break;
    case NodeType::kVariable:
      for (size_t i = 0; i < ident.size(); i++) {
        if (i > 0) *out += ".";
        *out += ident[i];
      }
      break;
    case NodeType::kBreak:
      *out += "{{break}}";
      break;
    case NodeType::kContinue:
      *out += "{{continue}}";
      break;
    case NodeType::kElse:
      *out += "{{else}}";
      break;
    case NodeType::kEnd:
      *out += "{{end}}";
      break;
  }
}

std::string ErrorLocation(const Node& n) {
  const std::string& text = n.src->text;
  size_t pos = std::min<size_t>(n.pos, text.size());
  size_t nl = text.rfind('\n', pos == 0 ? std::string::npos : pos - 1);
  if (pos == 0) nl = std::string::npos;
  size_t col = nl == std::string::npos ? pos : pos - nl - 1;
  int line = 1;
  for (size_t i = 0; i < pos; i++) line += text[i] == '\n';
  return fmt::format("{}:{}:{}", n.src->parse_name, line, col);
}

bool IsEmptyTree(const Node* n) {
  if (n == nullptr) return true;
  switch (n->type) {
    case NodeType::kComment:
      return true;
    case NodeType::kList:
      for (const Node* c : n->nodes)
        if (!IsEmptyTree(c)) return false;
      return true;
    case NodeType::kText:
      return n->text.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
    default:
      return false;
  }
}

}  // namespace flotilla::gotemplate
