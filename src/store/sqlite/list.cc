// List: one read transaction (so the items and the returned resourceVersion are one snapshot),
// rows in (namespace, name) order from the key index, or from the label index when the selector
// has an equality requirement; the whole selector is then checked on each candidate.
#include <fmt/format.h>

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"

namespace flotilla::store::sqlite {
namespace {

// Rows after (namespace, name) in key order; served by the unique index.
constexpr const char* kListAll =
    "SELECT namespace, name, resource_version, labels, body FROM objects WHERE kind = ?1 AND "
    "(namespace, name) > (?2, ?3) ORDER BY namespace, name";
constexpr const char* kListNamespace =
    "SELECT namespace, name, resource_version, labels, body FROM objects WHERE kind = ?1 AND "
    "namespace = ?2 AND name > ?3 ORDER BY name";
// Candidates carrying one label value, from the label index.
constexpr const char* kListByLabel =
    "SELECT o.namespace, o.name, o.resource_version, o.labels, o.body FROM object_labels l "
    "JOIN objects o ON o.id = l.object_id WHERE l.kind = ?1 AND l.key = ?4 AND l.value = ?5 "
    "AND (o.namespace, o.name) > (?2, ?3) ORDER BY o.namespace, o.name";
constexpr const char* kListNamespaceByLabel =
    "SELECT o.namespace, o.name, o.resource_version, o.labels, o.body FROM object_labels l "
    "JOIN objects o ON o.id = l.object_id WHERE l.kind = ?1 AND l.key = ?4 AND l.value = ?5 "
    "AND o.namespace = ?2 AND o.name > ?3 ORDER BY o.name";

// The first `key=value` requirement of the selector, if any: it narrows the candidates.
const model::LabelSelector::Requirement* IndexableRequirement(const model::LabelSelector& sel) {
  for (const auto& r : sel.requirements())
    if (r.op == model::LabelSelector::Op::kEquals ||
        (r.op == model::LabelSelector::Op::kIn && r.values.size() == 1))
      return &r;
  return nullptr;
}

bool LabelsMatch(const model::LabelSelector& sel, const Json& object) {
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return sel.Matches(Json());
  auto labels = md->find("labels");
  return sel.Matches(labels == md->end() ? Json() : *labels);
}

}  // namespace

StatusOr<ListResult> SqliteStore::ListOn(Db& db, const ResourceType& type,
                                         const ListOptions& options) {
  ContinueToken start;
  if (!options.continue_token.empty()) {
    ASSIGN_OR_RETURN(start, DecodeContinue(options.continue_token));
  }
  const std::string kind = QualifiedResource(type);
  const std::string ns = type.namespaced ? options.ns : "";
  if (!ns.empty() && !start.ns.empty() && start.ns != ns)
    return InvalidArgument("continue key is not valid: it belongs to another namespace");
  const auto* indexed = IndexableRequirement(options.labels);

  ListResult result;
  Transaction tx(db);  // one snapshot for the counter and the rows
  RETURN_IF_ERROR(tx.Begin(/*immediate=*/false));
  ASSIGN_OR_RETURN(result.resource_version, db.QueryInt(kReadCounter));
  if (start.resource_version > 0) result.resource_version = start.resource_version;

  const char* sql = ns.empty() ? (indexed ? kListByLabel : kListAll)
                               : (indexed ? kListNamespaceByLabel : kListNamespace);
  ASSIGN_OR_RETURN(Stmt * s, db.Prepare(sql));
  StmtScope q(s);
  q->Bind(1, kind);
  q->Bind(2, ns.empty() ? start.ns : ns);
  q->Bind(3, start.name);
  if (indexed) {
    q->Bind(4, indexed->key);
    q->Bind(5, indexed->values[0]);
  }
  const bool by_labels = !options.labels.empty();
  const bool by_fields = !options.fields.empty();
  size_t bytes = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    const int64_t rv = q->Int(2);
    std::shared_ptr<const Json> object = cache_.Find(rv);
    if (object) {
      if (by_labels && !LabelsMatch(options.labels, *object)) continue;
    } else {
      // Check the (small) labels before parsing the (large) body.
      if (by_labels && !options.labels.Matches(Json::parse(q->Text(3)))) continue;
      std::string_view body = q->Text(4);
      object = std::make_shared<const Json>(Json::parse(body));
      cache_.Insert(rv, object);
    }
    if (by_fields && !options.fields.Matches(*object)) continue;
    const size_t size = q->Text(4).size();
    const bool full_by_bytes =
        options.max_bytes > 0 && !result.items.empty() && bytes + size > options.max_bytes;
    if (full_by_bytes ||
        (options.limit > 0 && static_cast<int64_t>(result.items.size()) == options.limit)) {
      // A further match exists: hand out a token resuming after the last returned item.
      const Json& last = result.items.back();
      result.continue_token =
          EncodeContinue({result.resource_version, NamespaceOf(last), NameOf(last)});
      break;
    }
    result.items.push_back(*object);
    bytes += size;
  }
  q->Reset();
  RETURN_IF_ERROR(tx.Commit());
  return result;
}

}  // namespace flotilla::store::sqlite
