// A port of text/template/parse/parse.go. Parse errors unwind with a C++ exception that never
// leaves this file (ParseTemplate turns it into a Status).
#include <cmath>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "render/gotemplate/ast.h"
#include "render/gotemplate/lexer.h"

namespace flotilla::gotemplate {
namespace {

struct ParseError {
  std::string msg;
};

using TreeMap = std::map<std::string, Tree, std::less<>>;

class Parser {
 public:
  Parser(std::shared_ptr<SourceFile> src, const std::vector<Item>* items,
         const std::function<bool(const std::string&)>* is_func, TreeMap* set)
      : src_(std::move(src)), items_(items), is_func_(is_func), set_(set) {}

  // Parses the top level; the main tree is named src_->parse_name.
  void ParseTop() {
    name_ = src_->parse_name;
    vars_ = {"$"};
    root_ = src_->New(NodeType::kList, Peek().pos);
    while (Peek().type != ItemType::kEOF) {
      if (Peek().type == ItemType::kLeftDelim) {
        Item delim = NextTok();
        if (NextNonSpace().type == ItemType::kDefine) {
          ParseDefinition();
          continue;
        }
        Backup2(delim);
      }
      Node* n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        Errorf("unexpected " + n->String());
      }
      root_->nodes.push_back(n);
    }
    Add(name_, root_);
  }

  std::vector<std::pair<std::string, Node*>> added;

 private:
  // ---- token stream with three-token lookahead ----
  Item NextTok() {
    if (peek_count_ > 0) {
      peek_count_--;
    } else {
      token_[0] = Lexed();
    }
    return token_[peek_count_];
  }
  Item Lexed() {
    if (idx_ < items_->size()) return (*items_)[idx_++];
    return items_->back();
  }
  void Backup() { peek_count_++; }
  void Backup2(Item t1) {
    token_[1] = std::move(t1);
    peek_count_ = 2;
  }
  void Backup3(Item t2, Item t1) {
    token_[1] = std::move(t1);
    token_[2] = std::move(t2);
    peek_count_ = 3;
  }
  Item Peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = Lexed();
    return token_[0];
  }
  Item NextNonSpace() {
    Item t;
    do {
      t = NextTok();
    } while (t.type == ItemType::kSpace);
    return t;
  }
  Item PeekNonSpace() {
    Item t = NextNonSpace();
    Backup();
    return t;
  }

  [[noreturn]] void Errorf(const std::string& msg) {
    throw ParseError{fmt::format("template: {}:{}: {}", src_->parse_name, token_[0].line, msg)};
  }
  Item Expect(ItemType t, const std::string& context) {
    Item tok = NextNonSpace();
    if (tok.type != t) Unexpected(tok, context);
    return tok;
  }
  Item ExpectOneOf(ItemType a, ItemType b, const std::string& context) {
    Item tok = NextNonSpace();
    if (tok.type != a && tok.type != b) Unexpected(tok, context);
    return tok;
  }
  [[noreturn]] void Unexpected(const Item& tok, const std::string& context) {
    if (tok.type == ItemType::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != tok.line) {
        extra = fmt::format(" in action started at {}:{}", src_->parse_name, action_line_);
        if (tok.val.size() >= 7 && tok.val.substr(tok.val.size() - 7) == " action")
          extra = extra.substr(10);
      }
      Errorf(tok.String() + extra);
    }
    Errorf("unexpected " + tok.String() + " in " + context);
  }

  void Add(const std::string& name, Node* root) {
    auto it = set_->find(name);
    bool replaced = false;
    for (auto& [n, r] : added) {
      if (n == name) {
        // Within one Parse call: a second non-empty definition is an error.
        if (!IsEmptyTree(r) && !IsEmptyTree(root))
          Errorf(fmt::format("template: multiple definition of template {}", GoQuote(name)));
        if (IsEmptyTree(r)) r = root;
        replaced = true;
      }
    }
    if (!replaced) added.emplace_back(name, root);
    (void)it;
  }

  // ---- grammar ----
  void ParseDefinition() {
    const std::string context = "define clause";
    Item name = ExpectOneOf(ItemType::kString, ItemType::kRawString, context);
    std::string tname, err;
    if (!GoUnquote(name.val, &tname, &err)) Errorf(err);
    Expect(ItemType::kRightDelim, context);
    std::vector<std::string> saved_vars = vars_;
    vars_ = {"$"};
    auto [list, end] = ItemList();
    if (end->type != NodeType::kEnd) Errorf("unexpected " + end->String() + " in " + context);
    vars_ = saved_vars;
    Add(tname, list);
  }

  // Bounds the nesting of lists and pipelines so that hostile input errors out instead of
  // exhausting the stack: Go grows its stacks, we parse on the caller's (about 1 KiB a level,
  // 4 KiB with ASan; 1000 levels are far beyond any real chart).
  struct Nest {
    Parser* p;
    explicit Nest(Parser* parser) : p(parser) {
      if (++p->nesting_ > 1000) p->Errorf("max expression depth exceeded");
    }
    ~Nest() { p->nesting_--; }
  };

  std::pair<Node*, Node*> ItemList() {
    Nest nest(this);
    Node* list = src_->New(NodeType::kList, PeekNonSpace().pos);
    while (PeekNonSpace().type != ItemType::kEOF) {
      Node* n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) return {list, n};
      list->nodes.push_back(n);
    }
    Errorf("unexpected EOF");
  }

  Node* TextOrAction() {
    Item tok = NextNonSpace();
    switch (tok.type) {
      case ItemType::kText: {
        Node* n = src_->New(NodeType::kText, tok.pos);
        n->text = std::string(tok.val);
        return n;
      }
      case ItemType::kLeftDelim: {
        action_line_ = tok.line;
        Node* n = Action();
        action_line_ = 0;
        return n;
      }
      default:
        Unexpected(tok, "input");
    }
  }

  Node* Action() {
    Item tok = NextNonSpace();
    switch (tok.type) {
      case ItemType::kBlock:
        return BlockControl();
      case ItemType::kBreak:
        return BreakControl(tok, NodeType::kBreak, "{{break}}");
      case ItemType::kContinue:
        return BreakControl(tok, NodeType::kContinue, "{{continue}}");
      case ItemType::kElse:
        return ElseControl();
      case ItemType::kEnd: {
        Item t = Expect(ItemType::kRightDelim, "end");
        return src_->New(NodeType::kEnd, t.pos);
      }
      case ItemType::kIf:
        return Control(NodeType::kIf, true, "if");
      case ItemType::kRange:
        return Control(NodeType::kRange, false, "range");
      case ItemType::kTemplate:
        return TemplateControl();
      case ItemType::kWith:
        return Control(NodeType::kWith, false, "with");
      default:
        break;
    }
    Backup();
    Item t = Peek();
    Node* a = src_->New(NodeType::kAction, t.pos, t.line);
    a->pipe = Pipeline("command", ItemType::kRightDelim);
    return a;
  }

  Node* BreakControl(const Item& tok, NodeType type, const std::string& what) {
    Item t = NextNonSpace();
    if (t.type != ItemType::kRightDelim) Unexpected(t, what);
    if (range_depth_ == 0) Errorf(what + " outside {{range}}");
    return src_->New(type, tok.pos, tok.line);
  }

  Node* Pipeline(const std::string& context, ItemType end) {
    Nest nest(this);
    Item tok = PeekNonSpace();
    Node* pipe = src_->New(NodeType::kPipe, tok.pos, tok.line);
  decls:
    if (Item v = PeekNonSpace(); v.type == ItemType::kVariable) {
      NextTok();
      Item after = Peek();
      Item next = PeekNonSpace();
      if (next.type == ItemType::kAssign || next.type == ItemType::kDeclare) {
        pipe->is_assign = next.type == ItemType::kAssign;
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v.pos, std::string(v.val)));
        vars_.push_back(std::string(v.val));
      } else if (next.type == ItemType::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v.pos, std::string(v.val)));
        vars_.push_back(std::string(v.val));
        if (context == "range" && pipe->decl.size() < 2) {
          ItemType pt = PeekNonSpace().type;
          if (pt == ItemType::kVariable || pt == ItemType::kRightDelim ||
              pt == ItemType::kRightParen)
            goto decls;
          Errorf("range can only initialize variables");
        }
        Errorf("too many declarations in " + context);
      } else if (after.type == ItemType::kSpace) {
        Backup3(v, after);
      } else {
        Backup2(v);
      }
    }
    for (;;) {
      Item t = NextNonSpace();
      if (t.type == end) {
        CheckPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case ItemType::kBool:
        case ItemType::kCharConstant:
        case ItemType::kComplex:
        case ItemType::kDot:
        case ItemType::kField:
        case ItemType::kIdentifier:
        case ItemType::kNumber:
        case ItemType::kNil:
        case ItemType::kRawString:
        case ItemType::kString:
        case ItemType::kVariable:
        case ItemType::kLeftParen:
          Backup();
          pipe->nodes.push_back(Command());
          break;
        default:
          Unexpected(t, context);
      }
    }
  }

  void CheckPipeline(Node* pipe, const std::string& context) {
    if (pipe->nodes.empty()) Errorf("missing value for " + context);
    for (size_t i = 1; i < pipe->nodes.size(); i++) {
      switch (pipe->nodes[i]->nodes[0]->type) {
        case NodeType::kBool:
        case NodeType::kDot:
        case NodeType::kNil:
        case NodeType::kNumber:
        case NodeType::kString:
          Errorf(fmt::format("non executable command in pipeline stage {}", i + 1));
        default:
          break;
      }
    }
  }

  Node* Control(NodeType type, bool allow_else_if, const std::string& context) {
    size_t nvars = vars_.size();
    Node* pipe = Pipeline(context, ItemType::kRightDelim);
    if (context == "range") range_depth_++;
    auto [list, next] = ItemList();
    if (context == "range") range_depth_--;
    Node* else_list = nullptr;
    if (next->type == NodeType::kElse) {
      bool done = false;
      if (allow_else_if && Peek().type == ItemType::kIf) {
        NextTok();
        else_list = src_->New(NodeType::kList, next->pos);
        else_list->nodes.push_back(Control(NodeType::kIf, true, "if"));
        done = true;
      }
      if (!done) {
        auto [el, n2] = ItemList();
        else_list = el;
        if (n2->type != NodeType::kEnd) Errorf("expected end; found " + n2->String());
      }
    }
    vars_.resize(nvars);
    Node* n = src_->New(type, pipe->pos, pipe->line);
    n->pipe = pipe;
    n->list = list;
    n->else_list = else_list;
    return n;
  }

  Node* ElseControl() {
    Item peek = PeekNonSpace();
    if (peek.type == ItemType::kIf) return src_->New(NodeType::kElse, peek.pos, peek.line);
    Item t = Expect(ItemType::kRightDelim, "else");
    return src_->New(NodeType::kElse, t.pos, t.line);
  }

  std::string ParseTemplateName(const Item& tok, const std::string& context) {
    if (tok.type == ItemType::kString || tok.type == ItemType::kRawString) {
      std::string s, err;
      if (!GoUnquote(tok.val, &s, &err)) Errorf(err);
      return s;
    }
    Unexpected(tok, context);
  }

  Node* BlockControl() {
    const std::string context = "block clause";
    Item tok = NextNonSpace();
    std::string name = ParseTemplateName(tok, context);
    Node* pipe = Pipeline(context, ItemType::kRightDelim);
    std::vector<std::string> saved = vars_;
    vars_ = {"$"};
    int saved_depth = range_depth_;
    range_depth_ = 0;
    auto [list, end] = ItemList();
    range_depth_ = saved_depth;
    vars_ = saved;
    if (end->type != NodeType::kEnd) Errorf("unexpected " + end->String() + " in " + context);
    Add(name, list);
    Node* n = src_->New(NodeType::kTemplate, tok.pos, tok.line);
    n->text = name;
    n->pipe = pipe;
    return n;
  }

  Node* TemplateControl() {
    const std::string context = "template clause";
    Item tok = NextNonSpace();
    std::string name = ParseTemplateName(tok, context);
    Node* pipe = nullptr;
    if (NextNonSpace().type != ItemType::kRightDelim) {
      Backup();
      pipe = Pipeline(context, ItemType::kRightDelim);
    }
    Node* n = src_->New(NodeType::kTemplate, tok.pos, tok.line);
    n->text = name;
    n->pipe = pipe;
    return n;
  }

  Node* Command() {
    Node* cmd = src_->New(NodeType::kCommand, PeekNonSpace().pos);
    for (;;) {
      PeekNonSpace();
      Node* op = Operand();
      if (op != nullptr) cmd->nodes.push_back(op);
      Item t = NextTok();
      if (t.type == ItemType::kSpace) continue;
      if (t.type == ItemType::kRightDelim || t.type == ItemType::kRightParen) {
        Backup();
      } else if (t.type != ItemType::kPipe) {
        Unexpected(t, "operand");
      }
      break;
    }
    if (cmd->nodes.empty()) Errorf("empty command");
    return cmd;
  }

  Node* Operand() {
    Node* node = Term();
    if (node == nullptr) return nullptr;
    if (Peek().type == ItemType::kField) {
      Node* chain = src_->New(NodeType::kChain, Peek().pos);
      chain->chain = node;
      while (Peek().type == ItemType::kField) {
        std::string f(NextTok().val);
        // Chain.Add: split ".a.b" into fields.
        size_t i = 1;
        while (i <= f.size()) {
          size_t j = f.find('.', i);
          if (j == std::string::npos) j = f.size();
          chain->ident.push_back(f.substr(i, j - i));
          i = j + 1;
        }
      }
      switch (node->type) {
        case NodeType::kField: {
          Node* n = src_->New(NodeType::kField, chain->pos);
          n->ident = node->ident;
          for (auto& s : chain->ident) n->ident.push_back(s);
          return n;
        }
        case NodeType::kVariable: {
          Node* n = src_->New(NodeType::kVariable, chain->pos);
          n->ident = node->ident;
          for (auto& s : chain->ident) n->ident.push_back(s);
          return n;
        }
        case NodeType::kBool:
        case NodeType::kString:
        case NodeType::kNumber:
        case NodeType::kNil:
        case NodeType::kDot:
          Errorf("unexpected . after term " + GoQuote(node->String()));
        default:
          return chain;
      }
    }
    return node;
  }

  Node* NewVariable(int pos, const std::string& ident) {
    Node* n = src_->New(NodeType::kVariable, pos);
    size_t i = 0;
    for (;;) {
      size_t j = ident.find('.', i);
      n->ident.push_back(ident.substr(i, j == std::string::npos ? std::string::npos : j - i));
      if (j == std::string::npos) break;
      i = j + 1;
    }
    return n;
  }

  Node* Term() {
    Item tok = NextNonSpace();
    switch (tok.type) {
      case ItemType::kIdentifier: {
        std::string name(tok.val);
        if (!(*is_func_)(name)) Errorf(fmt::format("function {} not defined", GoQuote(name)));
        Node* n = src_->New(NodeType::kIdentifier, tok.pos);
        n->text = std::move(name);
        return n;
      }
      case ItemType::kDot:
        return src_->New(NodeType::kDot, tok.pos);
      case ItemType::kNil:
        return src_->New(NodeType::kNil, tok.pos);
      case ItemType::kVariable: {
        Node* v = NewVariable(tok.pos, std::string(tok.val));
        for (const auto& name : vars_)
          if (name == v->ident[0]) return v;
        Errorf(fmt::format("undefined variable {}", GoQuote(v->ident[0])));
      }
      case ItemType::kField: {
        Node* n = src_->New(NodeType::kField, tok.pos);
        size_t i = 1;
        while (i <= tok.val.size()) {
          size_t j = tok.val.find('.', i);
          if (j == std::string::npos) j = tok.val.size();
          n->ident.push_back(std::string(tok.val.substr(i, j - i)));
          i = j + 1;
        }
        return n;
      }
      case ItemType::kBool: {
        Node* n = src_->New(NodeType::kBool, tok.pos);
        n->bool_value = tok.val == "true";
        return n;
      }
      case ItemType::kCharConstant:
      case ItemType::kComplex:
      case ItemType::kNumber:
        return NewNumber(tok);
      case ItemType::kLeftParen:
        return Pipeline("parenthesized pipeline", ItemType::kRightParen);
      case ItemType::kString:
      case ItemType::kRawString: {
        std::string s, err;
        if (!GoUnquote(tok.val, &s, &err)) Errorf(err);
        Node* n = src_->New(NodeType::kString, tok.pos);
        n->quoted = std::string(tok.val);
        n->text = std::move(s);
        n->constant = Value::String(n->text);
        return n;
      }
      default:
        break;
    }
    Backup();
    return nullptr;
  }

  Node* NewNumber(const Item& tok) {
    Node* n = src_->New(NodeType::kNumber, tok.pos);
    const std::string text(tok.val);
    n->text = text;
    if (tok.type == ItemType::kCharConstant) {
      // 'x', '\n', '\x41', '\u00e9'
      std::string body = text.substr(1, text.size() - 2);
      char32_t r = 0;
      if (body.empty()) Errorf("malformed character constant: " + text);
      if (body[0] != '\\') {
        int w;
        r = DecodeRune(body, 0, &w);
        if (static_cast<size_t>(w) != body.size()) Errorf("malformed character constant: " + text);
      } else {
        std::string decoded, err;
        std::string lit = "\"" + body + "\"";
        if (body == "\\'") {
          r = '\'';
        } else if (body == "\\\"" || !GoUnquote(lit, &decoded, &err)) {
          Errorf("invalid syntax");
        } else {
          int w;
          r = DecodeRune(decoded, 0, &w);
          if (static_cast<size_t>(w) != decoded.size())
            Errorf("malformed character constant: " + text);
          if (body[1] == 'x' || (body[1] >= '0' && body[1] <= '7'))
            r = static_cast<unsigned char>(decoded[0]);
        }
      }
      n->int_value = r;
      n->uint_value = r;
      n->float_value = r;
      n->is_int = n->is_uint = n->is_float = true;
      return n;
    }
    if (tok.type == ItemType::kComplex || (!text.empty() && text.back() == 'i')) {
      Errorf(fmt::format("complex numbers are not supported: {}", GoQuote(text)));
    }
    std::string clean;
    bool underscore_ok = true;
    for (char c : text)
      if (c != '_') clean.push_back(c);
    if (text.find('_') != std::string::npos) {
      // Go requires a base prefix for underscores; approximate: valid when between digits.
      for (size_t i = 0; i < text.size(); i++)
        if (text[i] == '_' &&
            (i == 0 || i + 1 == text.size() || !isxdigit(text[i - 1]) || !isxdigit(text[i + 1])))
          underscore_ok = false;
    }
    bool neg = !clean.empty() && clean[0] == '-';
    std::string body = clean;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) body = body.substr(1);
    int base = 10;
    std::string digits = body;
    if (body.size() > 1 && body[0] == '0') {
      char p = body[1];
      if (p == 'x' || p == 'X') {
        base = 16;
        digits = body.substr(2);
      } else if (p == 'b' || p == 'B') {
        base = 2;
        digits = body.substr(2);
      } else if (p == 'o' || p == 'O') {
        base = 8;
        digits = body.substr(2);
      } else if (body.find_first_of(".eE") == std::string::npos) {
        base = 8;
        digits = body.substr(1);
      }
    }
    bool int_syntax = underscore_ok && !digits.empty() &&
                      digits.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (int_syntax) {
      errno = 0;
      char* end = nullptr;
      unsigned long long u = std::strtoull(digits.c_str(), &end, base);
      if (*end == 0 && errno != ERANGE) {
        if (!neg && clean[0] != '+') {
          n->is_uint = true;
          n->uint_value = u;
        }
        if (!neg && u <= static_cast<unsigned long long>(INT64_MAX)) {
          n->is_int = true;
          n->int_value = static_cast<int64_t>(u);
        } else if (neg && u <= 9223372036854775808ULL) {
          n->is_int = true;
          n->int_value = static_cast<int64_t>(-static_cast<__int128>(u));
          if (u == 0) {
            n->is_uint = true;
            n->uint_value = 0;
          }
        }
      }
    }
    if (n->is_int) {
      n->is_float = true;
      n->float_value = static_cast<double>(n->int_value);
    } else if (n->is_uint) {
      n->is_float = true;
      n->float_value = static_cast<double>(n->uint_value);
    } else {
      bool hexf = base == 16;
      char* end = nullptr;
      double f = std::strtod(clean.c_str(), &end);
      bool ok = underscore_ok && end != nullptr && *end == 0 && !clean.empty() &&
                (hexf ? clean.find_first_of("pP") != std::string::npos : true) &&
                clean.find_first_of("nN") == std::string::npos;
      if (ok) {
        if (clean.find_first_of(".eEpP") == std::string::npos && !hexf)
          Errorf(fmt::format("integer overflow: {}", GoQuote(text)));
        if (std::isinf(f)) ok = false;
      }
      if (ok) {
        n->is_float = true;
        n->float_value = f;
        if (f >= -9.2233720368547758e18 && f < 9.2233720368547758e18 &&
            static_cast<double>(static_cast<int64_t>(f)) == f) {
          n->is_int = true;
          n->int_value = static_cast<int64_t>(f);
        }
        if (f >= 0 && f < 1.8446744073709552e19 &&
            static_cast<double>(static_cast<uint64_t>(f)) == f) {
          n->is_uint = true;
          n->uint_value = static_cast<uint64_t>(f);
        }
      }
    }
    if (!n->is_int && !n->is_uint && !n->is_float)
      Errorf(fmt::format("illegal number syntax: {}", GoQuote(text)));
    return n;
  }

  std::shared_ptr<SourceFile> src_;
  const std::vector<Item>* items_;
  const std::function<bool(const std::string&)>* is_func_;
  TreeMap* set_;
  std::string name_;
  Node* root_ = nullptr;
  Item token_[3];
  int peek_count_ = 0;
  size_t idx_ = 0;
  std::vector<std::string> vars_;
  int action_line_ = 0;
  int range_depth_ = 0;
  int nesting_ = 0;
};

}  // namespace

namespace {

// One source parsed on its own: the trees it defines, in definition order. Immutable once built
// (the nodes' function caches are atomics), so any number of TemplateSets may share it.
struct ParsedSource {
  std::shared_ptr<const SourceFile> src;
  std::vector<std::pair<std::string, Node*>> added;
};

StatusOr<std::shared_ptr<const ParsedSource>> ParseSource(
    const std::string& name, std::string text,
    const std::function<bool(const std::string&)>& is_func) {
  auto src = std::make_shared<SourceFile>();
  src->parse_name = name;
  src->text = std::move(text);
  std::vector<Item> items = Lex(src->text);
  TreeMap unused;
  Parser p(src, &items, &is_func, &unused);
  try {
    p.ParseTop();
  } catch (const ParseError& e) {
    return InvalidArgument(e.msg);
  }
  auto parsed = std::make_shared<ParsedSource>();
  parsed->added = std::move(p.added);
  parsed->src = std::move(src);
  return std::shared_ptr<const ParsedSource>(std::move(parsed));
}

// AddParseTree semantics: an empty new definition does not replace an existing one.
void AddParsed(const ParsedSource& parsed, TreeMap* out) {
  for (const auto& [n, root] : parsed.added) {
    auto it = out->find(n);
    if (it != out->end() && IsEmptyTree(root) && it->second.root != nullptr) continue;
    (*out)[n] = Tree{n, root, parsed.src};
  }
}

// Successful parses keyed by (name, text). Bounded: when the sources held exceed the budget the
// cache starts over (TemplateSets keep the trees they already share).
class ParseCache {
 public:
  static ParseCache& Get() {
    static ParseCache* cache = new ParseCache();  // never destroyed: used from any thread
    return *cache;
  }

  std::shared_ptr<const ParsedSource> Find(size_t hash, const std::string& name,
                                           const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [b, e] = entries_.equal_range(hash);
    for (auto it = b; it != e; ++it) {
      const SourceFile& src = *it->second->src;
      if (src.parse_name == name && src.text == text) return it->second;
    }
    return nullptr;
  }

  void Put(size_t hash, std::shared_ptr<const ParsedSource> parsed) {
    size_t cost = parsed->src->text.size() + parsed->src->parse_name.size() +
                  parsed->src->arena.size() * sizeof(Node) + 256;
    std::lock_guard<std::mutex> lock(mu_);
    if (bytes_ + cost > kMaxBytes || entries_.size() >= kMaxEntries) {
      entries_.clear();
      bytes_ = 0;
    }
    entries_.emplace(hash, std::move(parsed));
    bytes_ += cost;
  }

 private:
  static constexpr size_t kMaxBytes = size_t{256} << 20;
  static constexpr size_t kMaxEntries = 100000;
  std::mutex mu_;
  std::unordered_multimap<size_t, std::shared_ptr<const ParsedSource>> entries_;
  size_t bytes_ = 0;
};

}  // namespace

Status ParseTemplate(const std::string& name, std::string text,
                     const std::function<bool(const std::string&)>& is_func, TreeMap* out) {
  auto parsed = ParseSource(name, std::move(text), is_func);
  if (!parsed.ok()) return parsed.status();
  AddParsed(**parsed, out);
  return Status::Ok();
}

Status ParseTemplateShared(const std::string& name, std::string text,
                           const std::function<bool(const std::string&)>& is_func, TreeMap* out) {
  size_t hash = std::hash<std::string_view>()(text) ^
                (std::hash<std::string_view>()(name) * 0x9e3779b97f4a7c15ULL);
  ParseCache& cache = ParseCache::Get();
  std::shared_ptr<const ParsedSource> parsed = cache.Find(hash, name, text);
  if (parsed == nullptr) {
    auto fresh = ParseSource(name, std::move(text), is_func);
    if (!fresh.ok()) return fresh.status();
    parsed = *fresh;
    cache.Put(hash, parsed);
  }
  AddParsed(*parsed, out);
  return Status::Ok();
}

}  // namespace flotilla::gotemplate
