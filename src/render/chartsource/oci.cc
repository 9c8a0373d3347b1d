// OCI registries (distribution spec v1 / registry v2 API) as Helm's registry client uses them:
// tags list, manifest with the OCI Accept header, the Helm chart layer, blob with digest check;
// anonymous, basic and Bearer-token authentication.
#include <fmt/format.h>

#include "core/json.h"
#include "model/json_get.h"
#include "render/chartsource/fetch_impl.h"
#include "render/chartsource/http.h"

namespace flotilla::chartsource {

namespace {

constexpr const char* kManifestAccept =
    "Accept: application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr const char* kChartLayer = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
constexpr const char* kLegacyChartLayer = "application/tar+gzip";

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~')
      out += static_cast<char>(ch);
    else
      out += fmt::format("%{:02X}", ch);
  }
  return out;
}

}  // namespace

struct OciSession {
  ChartRef ref;
  ChartAuth auth;
  const HttpFetcherOptions& limits;
  std::string reference;  // oci://host/path/name (no userinfo)
  std::string host;       // host[:port]
  std::string name;       // path/name in the registry
  std::string scheme = "https";
  std::string bearer;  // token from the realm, once obtained
  bool use_basic = false;
  std::string tag, layer_digest;
  uint64_t layer_size = 0;

  OciSession(const ChartRef& r, const ChartAuth& a, const HttpFetcherOptions& l)
      : ref(r), auth(a), limits(l) {}

  Status Parse() {
    std::string s = !ref.repo.empty() ? ref.repo : ref.chart;
    if (!ref.repo.empty() && !ref.chart.empty() && ref.chart.rfind("oci://", 0) != 0) {
      while (!s.empty() && s.back() == '/') s.pop_back();
      s += "/" + ref.chart;
    }
    if (s.rfind("oci://", 0) != 0) return InvalidArgument("not an oci:// reference: " + s);
    std::string rest = RedactUrl(s).substr(6);
    size_t slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 >= rest.size())
      return InvalidArgument(
          fmt::format("{}: an OCI chart reference is oci://host[:port]/path/name", RedactUrl(s)));
    host = rest.substr(0, slash);
    name = rest.substr(slash + 1);
    size_t colon = name.rfind(':');
    if (colon != std::string::npos && name.find('/', colon) == std::string::npos &&
        ref.version.empty()) {
      // oci://host/name:tag (Helm accepts a tag in the reference)
      ref.version = name.substr(colon + 1);
      name.resize(colon);
    }
    for (char ch : name)
      if (!(std::islower(static_cast<unsigned char>(ch)) ||
            std::isdigit(static_cast<unsigned char>(ch)) || ch == '/' || ch == '.' || ch == '_' ||
            ch == '-'))
        return InvalidArgument(
            fmt::format("{}: invalid repository name \"{}\"", RedactUrl(s), name));
    reference = "oci://" + host + "/" + name;
    return Status::Ok();
  }

  std::string Url(const std::string& path) const {
    return fmt::format("{}://{}/v2/{}/{}", scheme, host, name, path);
  }

  // GET with the registry's auth: on 401, follows the challenge (Basic, or Bearer via the realm)
  // once, then retries. Plain HTTP is tried only for loopback hosts or with
  // insecureSkipTLSVerify, and only when the TLS handshake itself fails.
  StatusOr<HttpResponse> Get(const std::string& path, std::vector<std::string> headers,
                             uint64_t max_bytes) {
    auto once = [&]() -> StatusOr<HttpResponse> {
      HttpRequest req;
      req.url = Url(path);
      req.headers = headers;
      if (!bearer.empty()) req.headers.push_back("Authorization: Bearer " + bearer);
      if (use_basic && bearer.empty()) req.basic = &auth;
      req.tls = &auth;
      req.max_bytes = max_bytes;
      req.limits = &limits;
      auto r = HttpGet(req);
      if (!r.ok() && IsTlsFailure(r.status()) && scheme == "https" &&
          (IsLoopback(host.substr(0, host.rfind(':'))) || auth.insecure_skip_tls_verify)) {
        scheme = "http";
        req.url = Url(path);
        r = HttpGet(req);
      }
      return r;
    };
    ASSIGN_OR_RETURN(HttpResponse r, once());
    if (r.status != 401) return r;
    auto challenge = ParseAuthenticate(r.www_authenticate);
    bool have_creds = !auth.username.empty();
    if (challenge["scheme"] == "basic") {
      if (!have_creds || use_basic) return r;
      use_basic = true;
      return once();
    }
    if (challenge["scheme"] == "bearer" && bearer.empty()) {
      RETURN_IF_ERROR(FetchToken(challenge));
      return once();
    }
    return r;
  }

  Status FetchToken(std::map<std::string, std::string> ch) {
    std::string realm = ch["realm"];
    if (realm.rfind("http://", 0) != 0 && realm.rfind("https://", 0) != 0)
      return Unavailable(fmt::format("{}: the registry's token realm \"{}\" is not an http(s) URL",
                                     reference, realm));
    std::string url = realm;
    char sep = realm.find('?') == std::string::npos ? '?' : '&';
    if (!ch["service"].empty()) {
      url += sep + std::string("service=") + UrlEncode(ch["service"]);
      sep = '&';
    }
    std::string scope = ch["scope"].empty() ? "repository:" + name + ":pull" : ch["scope"];
    url += sep + std::string("scope=") + UrlEncode(scope);
    HttpRequest req;
    req.url = url;
    req.basic = auth.username.empty() ? nullptr : &auth;
    req.tls = &auth;
    req.limits = &limits;
    req.max_bytes = 1 << 20;
    ASSIGN_OR_RETURN(HttpResponse r, HttpGet(req));
    if (r.status < 200 || r.status >= 300)
      return HttpStatusError(r, "token for " + reference, realm, !auth.username.empty());
    Json j = Json::parse(r.body, nullptr, false);
    bearer = model::GetString(j, "token");
    if (bearer.empty()) bearer = model::GetString(j, "access_token");
    if (bearer.empty())
      return Unavailable(fmt::format("{}: the token server {} answered without a token", reference,
                                     RedactUrl(realm)));
    return Status::Ok();
  }

  Status CheckStatus(const HttpResponse& r, const std::string& what) {
    if (r.status >= 200 && r.status < 300) return Status::Ok();
    if (r.status == 404)
      return NotFound(fmt::format("{}: {} not found in the registry (HTTP 404)", reference, what));
    return HttpStatusError(r, what, reference, !auth.username.empty());
  }

  StatusOr<std::string> PickTag() {
    std::string v = ref.version;
    std::string tag_form = v;
    for (char& ch : tag_form)
      if (ch == '+') ch = '_';  // Helm stores "1.0.0+meta" as the tag "1.0.0_meta"
    // An exact version is used as the tag directly (no tags listing needed).
    if (!v.empty() && IsExactVersion(v)) return tag_form;
    ASSIGN_OR_RETURN(HttpResponse r, Get("tags/list", {}, limits.max_index_bytes));
    RETURN_IF_ERROR(CheckStatus(r, "chart"));
    Json j = Json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("tags"))
      return Unavailable(fmt::format("{}: the registry's tags list is not valid JSON", reference));
    std::vector<std::string> versions;
    if (j["tags"].is_array())
      for (const Json& t : j["tags"])
        if (t.is_string()) {
          std::string s = t.get<std::string>();
          for (char& ch : s)
            if (ch == '_') ch = '+';
          versions.push_back(s);
        }
    ASSIGN_OR_RETURN(std::string chosen, SelectVersion(versions, v, reference));
    for (char& ch : chosen)
      if (ch == '+') ch = '_';
    return chosen;
  }

  static bool IsExactVersion(const std::string& v) {
    // A plain version (digits and dots, optional leading v and prerelease/metadata) with no
    // constraint operators or wildcards.
    if (v.find_first_of("^~<>=*xX|, ") != std::string::npos) return false;
    size_t dots = 0;
    for (char ch : v) dots += ch == '.';
    return dots == 2;
  }
};

OciClient::OciClient(const ChartRef& ref, const ChartAuth& auth, const HttpFetcherOptions& limits)
    : s_(std::make_unique<OciSession>(ref, auth, limits)) {}
OciClient::~OciClient() = default;

StatusOr<ResolvedArchive> OciClient::Resolve() {
  OciSession& s = *s_;
  RETURN_IF_ERROR(s.Parse());
  ASSIGN_OR_RETURN(s.tag, s.PickTag());
  ASSIGN_OR_RETURN(HttpResponse r,
                   s.Get("manifests/" + s.tag, {kManifestAccept}, s.limits.max_index_bytes));
  if (r.status == 404 && r.body.find("NAME_UNKNOWN") != std::string::npos)
    return NotFound(
        fmt::format("{}: repository \"{}\" not found in the registry", s.reference, s.name));
  if (r.status == 404)
    return NotFound(fmt::format("{}: no tag \"{}\" in the registry", s.reference, s.tag));
  RETURN_IF_ERROR(s.CheckStatus(r, "manifest " + s.tag));
  Json m = Json::parse(r.body, nullptr, false);
  if (!m.is_object() || !m.contains("layers") || !m["layers"].is_array())
    return InvalidArgument(
        fmt::format("{}:{}: the manifest is not an OCI image manifest", s.reference, s.tag));
  for (const Json& l : m["layers"]) {
    if (!l.is_object()) continue;
    std::string mt = model::GetString(l, "mediaType");
    if (mt == kChartLayer || mt == kLegacyChartLayer) {
      s.layer_digest = model::GetString(l, "digest");
      s.layer_size =
          l.contains("size") && l["size"].is_number_unsigned() ? l["size"].get<uint64_t>() : 0;
      break;
    }
  }
  if (s.layer_digest.rfind("sha256:", 0) != 0 || s.layer_digest.size() != 71)
    return InvalidArgument(
        fmt::format("{}:{}: not a Helm chart (no layer of media type {} with a sha256 digest)",
                    s.reference, s.tag, kChartLayer));
  if (s.layer_size > s.limits.max_chart_bytes)
    return ResourceExhausted(fmt::format("{}:{}: the chart is {} bytes, over the limit of {}",
                                         s.reference, s.tag, s.layer_size,
                                         s.limits.max_chart_bytes));
  std::string version = s.tag;
  for (char& ch : version)
    if (ch == '_') ch = '+';
  return ResolvedArchive{s.reference + ":" + s.tag, version, s.layer_digest.substr(7)};
}

StatusOr<std::string> OciClient::Download() {
  OciSession& s = *s_;
  ASSIGN_OR_RETURN(HttpResponse r, s.Get("blobs/" + s.layer_digest, {}, s.limits.max_chart_bytes));
  RETURN_IF_ERROR(s.CheckStatus(r, "blob " + s.layer_digest));
  return std::move(r.body);
}

}  // namespace flotilla::chartsource
