// The executor: a port of text/template/exec.go over Value. Execution errors unwind with a
// C++ exception private to this file; TemplateSet::Execute turns them into a Status.
#include <pthread.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <exception>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/lexer.h"
#include "render/gotemplate/template.h"

// Sanitizers do not follow swapcontext stack switches; their builds use a thread per call.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FLOTILLA_STACK_SWITCH 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define FLOTILLA_STACK_SWITCH 0
#endif
#endif
#ifndef FLOTILLA_STACK_SWITCH
#define FLOTILLA_STACK_SWITCH 1
#endif

namespace flotilla::gotemplate {
namespace {

constexpr size_t kLargeStackBytes = size_t{1} << 30;

struct ExecError {
  std::string msg;
  StatusCode code = StatusCode::kInvalidArgument;
};

enum class Flow { kNormal, kBreak, kContinue };

using TreeMap = std::map<std::string, Tree, std::less<>>;

// The templates visible to an execution: a set, and for `tpl` the set it was parsed against
// (Helm clones the parent set; looking through to it is the same without the copy).
struct Scope {
  const TreeMap* trees;
  const Scope* parent = nullptr;
  const Tree* Find(std::string_view name) const {
    for (const Scope* s = this; s != nullptr; s = s->parent) {
      auto it = s->trees->find(name);
      if (it != s->trees->end()) return &it->second;
    }
    return nullptr;
  }
};

bool IsHelmFunc(const std::string& f) { return HelmFuncs().count(f) > 0; }

constexpr const char* kRootName = "gotpl";  // Helm's root template name (seen in tpl errors)

bool CanBeNil(Param p) {
  return p == Param::kAny || p == Param::kReflect || p == Param::kList || p == Param::kMap ||
         p == Param::kStringList;
}

// Per-Execute state shared by nested include/tpl executions.
struct Shared {
  const ExecOptions* opts;
  std::map<std::string, int, std::less<>> included;
  size_t output_total = 0;
  int depth = 0;
  std::vector<std::vector<Value>> arg_pool;  // argument vectors reused across calls
};

// A function call's argument vector, taken from and given back to the pool (keeps capacity).
class PooledArgs {
 public:
  explicit PooledArgs(Shared* sh) : sh_(sh) {
    if (!sh->arg_pool.empty()) {
      v_ = std::move(sh->arg_pool.back());
      sh->arg_pool.pop_back();
    }
  }
  ~PooledArgs() {
    v_.clear();
    sh_->arg_pool.push_back(std::move(v_));
  }
  PooledArgs(const PooledArgs&) = delete;
  PooledArgs& operator=(const PooledArgs&) = delete;
  std::vector<Value>& get() { return v_; }

 private:
  Shared* sh_;
  std::vector<Value> v_;
};

class State : public CallContext {
 public:
  State(Shared* shared, const Scope* scope, const Tree* tmpl, std::string* out)
      : sh_(shared), scope_(scope), tmpl_(tmpl), out_(out) {}

  void Run(const Value& dot) {
    vars_.push_back({"$", dot});
    if (tmpl_->root == nullptr)
      Errorf(fmt::format("{} is an incomplete or empty template", GoQuote(tmpl_->name)));
    Walk(dot, tmpl_->root);
  }

  // ---- CallContext ----
  StatusOr<std::string> IncludeTemplate(const std::string& name, const Value& data) override {
    auto it = sh_->included.find(name);
    if (it != sh_->included.end()) {
      if (it->second > sh_->opts->max_include_recursion)
        return ResourceExhausted(fmt::format(
            "rendering template has a nested reference name: {}: unable to execute template",
            name));
      it->second++;
    } else {
      it = sh_->included.emplace(name, 1).first;
    }
    std::string buf;
    buf.reserve(256);
    Status st = ExecuteNested(scope_, name, data, &buf);
    it->second--;  // std::map iterators stay valid across the nested inserts
    if (!st.ok()) return st;
    return buf;
  }

  StatusOr<std::string> Tpl(const std::string& text, const Value& data) override {
    TreeMap added;
    Status ps = ParseTemplateShared(kRootName, text, IsHelmFunc, &added);
    if (!ps.ok())
      return InvalidArgument(
          fmt::format("cannot parse template {}: {}", GoQuote(text), ps.message()));
    // AddParseTree into the clone: an empty definition does not replace an existing one.
    for (auto it = added.begin(); it != added.end();) {
      const Tree* prev = scope_->Find(it->first);
      if (prev != nullptr && prev->root != nullptr && IsEmptyTree(it->second.root)) {
        it = added.erase(it);
      } else {
        ++it;
      }
    }
    Scope clone{&added, scope_};
    std::string buf;
    Status st = ExecuteNested(&clone, kRootName, data, &buf);
    if (!st.ok())
      return Status(st.code(), fmt::format("error during tpl function execution for {}: {}",
                                           GoQuote(text), st.message()));
    return ReplaceNoValue(std::move(buf));
  }

  static std::string ReplaceNoValue(std::string s) {
    static const std::string kNoValue = "<no value>";
    size_t p = s.find(kNoValue);
    if (p == std::string::npos) return s;
    std::string r;
    size_t last = 0;
    while (p != std::string::npos) {
      r.append(s, last, p - last);
      last = p + kNoValue.size();
      p = s.find(kNoValue, last);
    }
    r.append(s, last, std::string::npos);
    return r;
  }

  Status ExecuteNested(const Scope* scope, const std::string& name, const Value& data,
                       std::string* buf) {
    const Tree* tree = scope->Find(name);
    if (tree == nullptr)
      return InvalidArgument(fmt::format("template: no template {} associated with template {}",
                                         GoQuote(name), GoQuote(kRootName)));
    if (++sh_->depth > sh_->opts->max_template_depth) {
      sh_->depth--;
      return ResourceExhausted(
          fmt::format("exceeded maximum template depth ({})", sh_->opts->max_template_depth));
    }
    State st(sh_, scope, tree, buf);
    Status result;
    try {
      st.Run(data.type() == GoType::kNilIface ? Value() : data);
    } catch (const ExecError& e) {
      result = Status(e.code, e.msg);
    }
    sh_->depth--;
    return result;
  }

 private:
  [[noreturn]] void Errorf(const std::string& msg, StatusCode code = StatusCode::kInvalidArgument) {
    if (node_ == nullptr) throw ExecError{fmt::format("template: {}: {}", tmpl_->name, msg), code};
    throw ExecError{fmt::format("template: {}: executing {} at <{}>: {}", ErrorLocation(*node_),
                                GoQuote(tmpl_->name), node_->String(), msg),
                    code};
  }

  void Write(std::string_view s) {
    sh_->output_total += s.size();
    if (sh_->output_total > sh_->opts->max_output_bytes)
      Errorf(fmt::format("output exceeds the limit of {} bytes", sh_->opts->max_output_bytes),
             StatusCode::kResourceExhausted);
    out_->append(s);
  }

  // ---- walking ----
  Flow Walk(const Value& dot, const Node* node) {
    node_ = node;
    switch (node->type) {
      case NodeType::kAction: {
        Value v = EvalPipeline(dot, node->pipe);
        if (node->pipe->decl.empty()) PrintValue(node, v);
        return Flow::kNormal;
      }
      case NodeType::kBreak:
        return Flow::kBreak;
      case NodeType::kContinue:
        return Flow::kContinue;
      case NodeType::kComment:
        return Flow::kNormal;
      case NodeType::kIf:
      case NodeType::kWith:
        return WalkIfOrWith(node, dot);
      case NodeType::kList:
        for (const Node* n : node->nodes) {
          Flow f = Walk(dot, n);
          if (f != Flow::kNormal) return f;
        }
        return Flow::kNormal;
      case NodeType::kRange:
        WalkRange(dot, node);
        return Flow::kNormal;
      case NodeType::kTemplate:
        WalkTemplate(dot, node);
        return Flow::kNormal;
      case NodeType::kText:
        Write(node->text);
        return Flow::kNormal;
      default:
        Errorf("unknown node: " + node->String());
    }
  }

  Flow WalkIfOrWith(const Node* node, const Value& dot) {
    size_t mark = vars_.size();
    Value val = EvalPipeline(dot, node->pipe);
    Flow f = Flow::kNormal;
    if (val.Truth()) {
      f = Walk(node->type == NodeType::kWith ? val : dot, node->list);
    } else if (node->else_list != nullptr) {
      f = Walk(dot, node->else_list);
    }
    vars_.resize(mark);
    return f;
  }

  void WalkRange(const Value& dot, const Node* r) {
    node_ = r;
    size_t outer = vars_.size();
    Value val = EvalPipeline(dot, r->pipe);
    size_t mark = vars_.size();
    size_t ndecl = r->pipe->decl.size();
    auto one = [&](const Value& index, const Value& elem) -> bool {
      if (ndecl > 0) vars_[vars_.size() - 1].second = elem;
      if (ndecl > 1) vars_[vars_.size() - 2].second = index;
      Flow f = Walk(elem, r->list);
      vars_.resize(mark);
      return f != Flow::kBreak;
    };
    bool iterated = false;
    if (val.is_list()) {
      const List& items = val.list();  // lists are never changed in place; `val` keeps it alive
      for (size_t i = 0; i < items.size(); i++) {
        iterated = true;
        if (!one(Value::Int(static_cast<int64_t>(i)), items[i])) break;
      }
    } else if (val.type() == GoType::kBytes) {
      std::string bytes = val.str();
      for (size_t i = 0; i < bytes.size(); i++) {
        iterated = true;
        if (!one(Value::Int(static_cast<int64_t>(i)),
                 Value::Uint(static_cast<unsigned char>(bytes[i]), GoType::kUint8)))
          break;
      }
    } else if (val.is_map()) {
      std::vector<std::pair<std::string, Value>> items(val.map().begin(), val.map().end());
      for (auto& [k, v] : items) {
        iterated = true;
        if (!one(Value::String(k), v)) break;
      }
    } else if (Map entries; val.is_object() && val.object().MapEntries(&entries)) {
      for (auto& [k, v] : entries) {  // engine.files: sorted keys, as Go ranges over maps
        iterated = true;
        if (!one(Value::String(k), v)) break;
      }
    } else if (val.valid() && val.type() != GoType::kNilIface) {
      // Go reports the error at the last node evaluated in the pipeline.
      Errorf("range can't iterate over " + FormatV(val));
    }
    if (!iterated && r->else_list != nullptr) Walk(dot, r->else_list);
    vars_.resize(outer);
  }

  void WalkTemplate(const Value& dot, const Node* t) {
    node_ = t;
    const Tree* tree = scope_->Find(t->text);
    if (tree == nullptr) Errorf(fmt::format("template {} not defined", GoQuote(t->text)));
    if (sh_->depth >= sh_->opts->max_template_depth)
      Errorf(fmt::format("exceeded maximum template depth ({})", sh_->opts->max_template_depth),
             StatusCode::kResourceExhausted);
    Value d = t->pipe != nullptr ? EvalPipeline(dot, t->pipe) : Value();
    sh_->depth++;
    State ns(sh_, scope_, tree, out_);
    ns.vars_.push_back({"$", d});
    try {
      ns.Walk(d, tree->root);
    } catch (...) {
      sh_->depth--;
      throw;
    }
    sh_->depth--;
  }

  // ---- evaluation ----
  Value EvalPipeline(const Value& dot, const Node* pipe) {
    if (pipe == nullptr) return Value();
    node_ = pipe;
    Value value;
    bool have = false;
    for (const Node* cmd : pipe->nodes) {
      value = EvalCommand(dot, cmd, have ? &value : nullptr);
      have = true;
      if (value.type() == GoType::kNilIface) value = Value();
    }
    for (const Node* v : pipe->decl) {
      if (pipe->is_assign) {
        SetVar(v->ident[0], value);
      } else {
        vars_.push_back({v->ident[0], value});
      }
    }
    return value;
  }

  void SetVar(const std::string& name, const Value& v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) {
        vars_[i].second = v;
        return;
      }
    }
    Errorf("undefined variable: " + name);
  }

  const Value& VarValue(const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;)
      if (vars_[i].first == name) return vars_[i].second;
    Errorf("undefined variable: " + name);
  }

  void NotAFunction(const std::vector<Node*>& args, const Value* final) {
    if (args.size() > 1 || final != nullptr)
      Errorf("can't give argument to non-function " + args[0]->String());
  }

  Value EvalCommand(const Value& dot, const Node* cmd, const Value* final) {
    const Node* first = cmd->nodes[0];
    switch (first->type) {
      case NodeType::kField:
        node_ = first;
        return EvalFieldChain(dot, dot, first, first->ident, 0, cmd->nodes, final);
      case NodeType::kChain:
        return EvalChainNode(dot, first, cmd->nodes, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, first, cmd, cmd->nodes, final);
      case NodeType::kPipe:
        NotAFunction(cmd->nodes, final);
        return EvalPipeline(dot, first);
      case NodeType::kVariable:
        return EvalVariableNode(dot, first, cmd->nodes, final);
      default:
        break;
    }
    node_ = first;
    NotAFunction(cmd->nodes, final);
    switch (first->type) {
      case NodeType::kBool:
        return Value::Bool(first->bool_value);
      case NodeType::kDot:
        return dot;
      case NodeType::kNil:
        Errorf("nil is not a command");
      case NodeType::kNumber:
        return IdealConstant(first);
      case NodeType::kString:
        return first->constant;
      default:
        Errorf("can't evaluate command " + GoQuote(first->String()));
    }
  }

  Value IdealConstant(const Node* c) {
    node_ = c;
    const std::string& t = c->text;
    bool hex_int = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') &&
                   t.find_first_of("pP") == std::string::npos;
    bool rune_int = !t.empty() && t[0] == '\'';
    if (c->is_float && !hex_int && !rune_int && t.find_first_of(".eEpP") != std::string::npos)
      return Value::Float(c->float_value);
    if (c->is_int) return Value::Int(c->int_value);
    if (c->is_uint) Errorf(t + " overflows int");
    return Value();
  }

  Value EvalChainNode(const Value& dot, const Node* chain, const std::vector<Node*>& args,
                      const Value* final) {
    node_ = chain;
    if (chain->chain->type == NodeType::kNil)
      Errorf("indirection through explicit nil in " + chain->String());
    Value pipe = EvalArg(dot, Param::kReflect, chain->chain);
    return EvalFieldChain(dot, pipe, chain, chain->ident, 0, args, final);
  }

  Value EvalVariableNode(const Value& dot, const Node* var, const std::vector<Node*>& args,
                         const Value* final) {
    node_ = var;
    Value value = VarValue(var->ident[0]);
    if (var->ident.size() == 1) {
      if (!args.empty()) NotAFunction(args, final);
      return value;
    }
    return EvalFieldChain(dot, value, var, var->ident, 1, args, final);
  }

  Value EvalFieldChain(const Value& dot, Value receiver, const Node* node,
                       const std::vector<std::string>& ident, size_t start,
                       const std::vector<Node*>& args, const Value* final) {
    size_t n = ident.size();
    static const std::vector<Node*> kNone;
    for (size_t i = start; i + 1 < n; i++)
      receiver = EvalField(dot, ident[i], node, kNone, nullptr, receiver);
    return EvalField(dot, ident[n - 1], node, args, final, receiver);
  }

  Value EvalFunction(const Value& dot, const Node* node, const Node* cmd,
                     const std::vector<Node*>& args, const Value* final) {
    node_ = node;
    const auto* fn = static_cast<const Function*>(node->func.load(std::memory_order_relaxed));
    if (fn == nullptr) {
      const FuncMap& funcs = HelmFuncs();
      auto it = funcs.find(node->text);
      if (it == funcs.end()) Errorf(GoQuote(node->text) + " is not a defined function");
      fn = &it->second;
      node->func.store(fn, std::memory_order_relaxed);
    }
    return EvalCall(dot, *fn, cmd, node->text, args, final);
  }

  Value EvalField(const Value& dot, const std::string& name, const Node* node,
                  const std::vector<Node*>& args, const Value* final, const Value& receiver) {
    if (!receiver.valid()) {
      if (sh_->opts->strict) Errorf("nil data; no entry for key " + GoQuote(name));
      return Value();
    }
    if (receiver.type() == GoType::kNilIface) Errorf("nil pointer evaluating interface {}." + name);
    bool has_args = args.size() > 1 || final != nullptr;
    if (receiver.is_object()) {
      const Object& obj = receiver.object();
      if (const Object::Method* m = obj.FindMethod(name)) {
        Function f;
        f.params = m->params.empty() ? std::vector<Param>{} : ToParams(m->params);
        f.impl = [m](CallContext&, std::vector<Value>& a) { return m->fn(a); };
        return EvalCall(dot, f, node, name, args, final);
      }
      Value out;
      if (obj.Field(name, &out)) {
        if (has_args) Errorf(name + " has arguments but cannot be invoked as function");
        return out;
      }
    } else if (receiver.is_map()) {
      if (has_args) Errorf(name + " is not a method but has arguments");
      auto it = receiver.map().find(name);
      if (it != receiver.map().end()) return it->second;
      if (sh_->opts->strict) Errorf("map has no entry for key " + GoQuote(name));
      if (receiver.type() == GoType::kStringMap) return Value::String("");
      return Value::Nil();
    }
    Errorf(fmt::format("can't evaluate field {} in type {}", name, receiver.TypeName()));
  }

  static std::vector<Param> ToParams(const std::vector<GoType>& types) {
    std::vector<Param> out;
    for (GoType t : types) {
      switch (t) {
        case GoType::kString:
          out.push_back(Param::kString);
          break;
        case GoType::kInt:
          out.push_back(Param::kInt);
          break;
        default:
          out.push_back(Param::kAny);
      }
    }
    return out;
  }

  Value EvalCall(const Value& dot, const Function& fn, const Node* node, const std::string& name,
                 const std::vector<Node*>& all_args, const Value* final) {
    size_t nargs = all_args.empty() ? 0 : all_args.size() - 1;
    auto arg = [&](size_t i) { return all_args[i + 1]; };
    size_t num_in = nargs + (final != nullptr ? 1 : 0);
    size_t nparams = fn.params.size();
    size_t num_fixed = nargs;
    if (fn.variadic) {
      num_fixed = nparams - 1;
      if (num_in < num_fixed)
        Errorf(fmt::format("wrong number of args for {}: want at least {} got {}", name,
                           nparams - 1, nargs));
    } else if (num_in != nparams) {
      Errorf(fmt::format("wrong number of args for {}: want {} got {}", name, nparams, num_in));
    }
    if (name == "and" || name == "or") {
      Value v;
      for (size_t i = 0; i < nargs; i++) {
        v = EvalArg(dot, Param::kReflect, arg(i));
        if (v.Truth() == (name == "or")) return v;
      }
      if (final != nullptr) v = *final;
      return v;
    }
    PooledArgs pooled(sh_);
    std::vector<Value>& argv = pooled.get();
    argv.reserve(num_in);
    size_t i = 0;
    for (; i < num_fixed && i < nargs; i++) argv.push_back(EvalArg(dot, fn.params[i], arg(i)));
    if (fn.variadic) {
      for (; i < nargs; i++) argv.push_back(EvalArg(dot, fn.params.back(), arg(i)));
    }
    if (final != nullptr) {
      Param t = fn.params.back();
      if (fn.variadic && num_in - 1 < num_fixed) t = fn.params[num_in - 1];
      argv.push_back(ValidateType(*final, t));
    }
    StatusOr<Value> r = fn.impl(*this, argv);
    if (!r.ok()) {
      node_ = node;
      Errorf(fmt::format("error calling {}: {}", name, r.status().message()), r.status().code());
    }
    return std::move(r).value();
  }

  Value ValidateType(const Value& v, Param p) {
    if (!v.valid()) {
      if (p == Param::kReflect) return v;
      if (CanBeNil(p)) return Value::Nil();
      Errorf(std::string("invalid value; expected ") + ParamTypeName(p));
    }
    bool ok = false;
    switch (p) {
      case Param::kAny:
      case Param::kReflect:
        return v;
      case Param::kString:
        ok = v.type() == GoType::kString;
        break;
      case Param::kInt:
        ok = v.type() == GoType::kInt;
        break;
      case Param::kInt64:
        ok = v.type() == GoType::kInt64;
        break;
      case Param::kFloat64:
        ok = v.type() == GoType::kFloat64;
        break;
      case Param::kBool:
        ok = v.type() == GoType::kBool;
        break;
      case Param::kList:
        ok = v.type() == GoType::kList;
        break;
      case Param::kMap:
        ok = v.type() == GoType::kMap || v.type() == GoType::kValues;
        break;
      case Param::kStringList:
        ok = v.type() == GoType::kStringList;
        break;
    }
    if (ok) return v;
    Errorf(fmt::format("wrong type for value; expected {}; got {}", ParamTypeName(p),
                       v.type() == GoType::kNilIface ? "interface {}" : v.TypeName()));
  }

  Value EvalArg(const Value& dot, Param p, const Node* n) {
    node_ = n;
    static const std::vector<Node*> kNone;
    switch (n->type) {
      case NodeType::kDot:
        return ValidateType(dot, p);
      case NodeType::kNil:
        if (CanBeNil(p)) return p == Param::kReflect ? Value() : Value::Nil();
        Errorf(std::string("cannot assign nil to ") + ParamTypeName(p));
      case NodeType::kField: {
        // (Go passes the node itself as the only arg: no arguments either way.)
        return ValidateType(EvalFieldChain(dot, dot, n, n->ident, 0, kNone, nullptr), p);
      }
      case NodeType::kVariable:
        return ValidateType(EvalVariableNode(dot, n, kNone, nullptr), p);
      case NodeType::kPipe:
        return ValidateType(EvalPipeline(dot, n), p);
      case NodeType::kIdentifier:
        return ValidateType(EvalFunction(dot, n, n, kNone, nullptr), p);
      case NodeType::kChain:
        return ValidateType(EvalChainNode(dot, n, kNone, nullptr), p);
      default:
        break;
    }
    switch (p) {
      case Param::kBool:
        if (n->type == NodeType::kBool) return Value::Bool(n->bool_value);
        Errorf("expected bool; found " + n->String());
      case Param::kFloat64:
        if (n->type == NodeType::kNumber && n->is_float) return Value::Float(n->float_value);
        Errorf("expected float; found " + n->String());
      case Param::kInt:
      case Param::kInt64:
        if (n->type == NodeType::kNumber && n->is_int)
          return Value::Int(n->int_value, p == Param::kInt ? GoType::kInt : GoType::kInt64);
        Errorf("expected integer; found " + n->String());
      case Param::kString:
        if (n->type == NodeType::kString) return n->constant;
        Errorf("expected string; found " + n->String());
      case Param::kAny:
      case Param::kReflect:
        switch (n->type) {
          case NodeType::kBool:
            return Value::Bool(n->bool_value);
          case NodeType::kNumber:
            return IdealConstant(n);
          case NodeType::kString:
            return n->constant;
          default:
            break;
        }
        Errorf("can't handle assignment of " + n->String() + " to empty interface argument");
      default:
        Errorf(fmt::format("can't handle {} for arg of type {}", n->String(), ParamTypeName(p)));
    }
  }

  void PrintValue(const Node* n, const Value& v) {
    node_ = n;
    if (!v.valid()) {
      Write("<no value>");
      return;
    }
    if (v.is_string()) {
      Write(v.str());
      return;
    }
    Write(FormatV(v));
  }

  Shared* sh_;
  const Scope* scope_;
  const Tree* tmpl_;
  std::string* out_;
  std::vector<std::pair<std::string, Value>> vars_;
  const Node* node_ = nullptr;
};

struct ThreadJob {
  std::function<void()> fn;
  std::exception_ptr error;  // what `fn` threw, rethrown on the caller's thread
};

thread_local bool on_large_stack = false;

void* ThreadMain(void* arg) {
  on_large_stack = true;
  auto* job = static_cast<ThreadJob*>(arg);
  try {
    job->fn();
  } catch (...) {
    job->error = std::current_exception();
  }
  return nullptr;
}

// A fresh thread per call (the fallback, and what sanitizer builds use: they do not follow
// stack switches).
void RunOnNewThread(std::function<void()> fn) {
  ThreadJob job{std::move(fn), nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kLargeStackBytes);
  pthread_t th;
  if (pthread_create(&th, &attr, ThreadMain, &job) != 0) {
    pthread_attr_destroy(&attr);
    job.fn();
    return;
  }
  pthread_attr_destroy(&attr);
  pthread_join(th, nullptr);
  if (job.error) std::rethrow_exception(job.error);
}

#if FLOTILLA_STACK_SWITCH
// Each calling thread keeps one large stack (address space reserved once, pages committed on
// use) and switches to it with swapcontext: no thread creation, no scheduler hand-off.
class LargeStack {
 public:
  ~LargeStack() {
    if (base_ != nullptr) munmap(base_, kGuard + kLargeStackBytes);
  }
  bool Run(std::function<void()>& fn) {
    if (base_ == nullptr && !Map()) return false;
    Job job{&fn, nullptr, {}};
    ucontext_t ctx;
    getcontext(&ctx);
    ctx.uc_stack.ss_sp = static_cast<char*>(base_) + kGuard;
    ctx.uc_stack.ss_size = kLargeStackBytes;
    ctx.uc_link = &job.caller;
    current_ = &job;
    makecontext(&ctx, Trampoline, 0);
    swapcontext(&job.caller, &ctx);
    // Give back what a deep recursion committed (all but the top few MiB, which stay warm).
    constexpr size_t kKeep = size_t{8} << 20;
    madvise(static_cast<char*>(base_) + kGuard, kLargeStackBytes - kKeep, MADV_DONTNEED);
    if (job.error) std::rethrow_exception(job.error);
    return true;
  }

 private:
  struct Job {
    std::function<void()>* fn;
    std::exception_ptr error;
    ucontext_t caller;
  };
  static constexpr size_t kGuard = size_t{64} << 10;
  static thread_local Job* current_;

  bool Map() {
    void* p = mmap(nullptr, kGuard + kLargeStackBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return false;
    mprotect(p, kGuard, PROT_NONE);  // an overflow faults instead of running into other memory
    base_ = p;
    return true;
  }
  static void Trampoline() {
    Job* job = current_;
    on_large_stack = true;
    try {
      (*job->fn)();
    } catch (...) {
      job->error = std::current_exception();
    }
    on_large_stack = false;
  }  // returns to job->caller through uc_link

  void* base_ = nullptr;
};
thread_local LargeStack::Job* LargeStack::current_ = nullptr;
thread_local LargeStack large_stack;
#endif

}  // namespace

void RunOnLargeStack(std::function<void()> fn) {
  if (on_large_stack) {
    fn();
    return;
  }
#if FLOTILLA_STACK_SWITCH
  if (large_stack.Run(fn)) return;
#endif
  RunOnNewThread(std::move(fn));
}

const char* ParamTypeName(Param p) {
  switch (p) {
    case Param::kAny:
      return "interface {}";
    case Param::kReflect:
      return "reflect.Value";
    case Param::kString:
      return "string";
    case Param::kInt:
      return "int";
    case Param::kInt64:
      return "int64";
    case Param::kFloat64:
      return "float64";
    case Param::kBool:
      return "bool";
    case Param::kList:
      return "[]interface {}";
    case Param::kMap:
      return "map[string]interface {}";
    case Param::kStringList:
      return "[]string";
  }
  return "?";
}

TemplateSet::TemplateSet() = default;
TemplateSet::~TemplateSet() = default;

Status TemplateSet::Parse(const std::string& name, std::string text) {
  return ParseTemplateShared(name, std::move(text), IsHelmFunc, &trees_);
}

bool TemplateSet::Has(const std::string& name) const { return trees_.count(name) > 0; }

StatusOr<std::string> TemplateSet::Execute(const std::string& name, const Value& data,
                                           const ExecOptions& options) const {
  auto it = trees_.find(name);
  if (it == trees_.end())
    return NotFound(fmt::format("template: no template {} associated with template {}",
                                GoQuote(name), GoQuote(kRootName)));
  Shared shared;
  shared.opts = &options;
  std::string out;
  Status status;
  auto run = [&] {
    Scope scope{&trees_};
    State st(&shared, &scope, &it->second, &out);
    try {
      st.Run(data);
    } catch (const ExecError& e) {
      status = Status(e.code, e.msg);
    } catch (const std::exception& e) {
      status = Internal(fmt::format("template {}: internal error: {}", name, e.what()));
    }
  };
  if (options.max_template_depth > 50) {
    RunOnLargeStack(run);
  } else {
    run();
  }
  if (!status.ok()) return status;
  if (options.replace_no_value) return State::ReplaceNoValue(std::move(out));
  return out;
}

}  // namespace flotilla::gotemplate
