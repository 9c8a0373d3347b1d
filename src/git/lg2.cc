#include "git/lg2.h"

#include <git2/sys/stream.h>

#include <algorithm>
#include <mutex>

#include "git/trust.h"

namespace flotilla::git::lg2 {

// Defined in stream.cc.
int RegisterTimeoutStream();

namespace {

thread_local NetScope* current_scope = nullptr;

bool Contains(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != hay.end();
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
}

int Credentials(git_credential** out, const char* url, const char* username_from_url,
                unsigned int allowed, void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  const Auth& auth = state->spec.auth;
  if (++state->credential_calls > 1) {
    // Asked again: what we gave was refused. Stop here instead of looping.
    state->auth_rejected = true;
    git_error_set_str(GIT_ERROR_NET, "credentials were rejected");
    return GIT_EAUTH;
  }
  std::string user = auth.username;
  if (user.empty() && username_from_url) user = username_from_url;
  if ((allowed & GIT_CREDENTIAL_SSH_MEMORY) && !auth.ssh_private_key.empty()) {
    if (user.empty()) user = "git";
    return git_credential_ssh_key_memory_new(out, user.c_str(), nullptr,
                                             auth.ssh_private_key.c_str(), nullptr);
  }
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) &&
      (!auth.username.empty() || !auth.password.empty())) {
    // A token alone is accepted by most providers with any non-empty user name.
    if (user.empty()) user = "git";
    return git_credential_userpass_plaintext_new(out, user.c_str(), auth.password.c_str());
  }
  if ((allowed & GIT_CREDENTIAL_USERNAME) && !user.empty()) {
    return git_credential_username_new(out, user.c_str());
  }
  state->no_credentials = true;
  git_error_set_str(GIT_ERROR_NET, "no credentials configured");
  return GIT_EAUTH;
}

int CertificateCheck(git_cert* cert, int valid, const char* host, void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  const Auth& auth = state->spec.auth;
  if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
    if (auth.known_hosts.empty()) return 0;  // no known_hosts given: accept (as Fleet does)
    auto* key = reinterpret_cast<git_cert_hostkey*>(cert);
    if (!(key->type & GIT_CERT_SSH_RAW)) {
      state->certificate_error = "the SSH server's host key could not be read";
      return GIT_ECERTIFICATE;
    }
    Status st = CheckHostKey(auth.known_hosts, host ? host : "", state->spec.url,
                             std::string_view(key->hostkey, key->hostkey_len));
    if (st.ok()) return 0;
    state->certificate_error = st.message();
    return GIT_ECERTIFICATE;
  }
  if (auth.insecure_skip_tls_verify || valid) return 0;
  if (cert->cert_type == GIT_CERT_X509 && !auth.ca_bundle.empty()) {
    auto* x509 = reinterpret_cast<git_cert_x509*>(cert);
    Status st =
        VerifyCertificate(auth.ca_bundle, host ? host : "",
                          std::string_view(static_cast<const char*>(x509->data), x509->len));
    if (st.ok()) return 0;
    state->certificate_error = st.message();
    return GIT_ECERTIFICATE;
  }
  state->certificate_error = std::string("the TLS certificate of ") + (host ? host : "the server") +
                             " is not trusted (set caBundle, or insecureSkipTLSVerify)";
  return GIT_ECERTIFICATE;
}

int TransferProgress(const git_indexer_progress*, void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  NetScope* scope = NetScope::Current();
  if (scope && scope->Expired()) {
    state->cancelled_by_deadline = true;
    git_error_set_str(GIT_ERROR_NET, "operation timed out");
    return -1;
  }
  return 0;
}

}  // namespace

void EnsureInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // Ignore the user's and system's git configuration (url.insteadOf, proxies, helpers...).
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, "");
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, "");
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, "");
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_PROGRAMDATA, "");
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    git_libgit2_opts(GIT_OPT_SET_USER_AGENT, "flotilla");
    RegisterTimeoutStream();
  });
}

NetScope::NetScope(const Timeouts& timeouts)
    : timeouts_(timeouts), deadline_(Clock::now() + timeouts.total), outer_(current_scope) {
  current_scope = this;
}

NetScope::~NetScope() { current_scope = outer_; }

NetScope* NetScope::Current() { return current_scope; }

CallbackState::CallbackState(const RemoteSpec& s) : spec(s), redacted_url(RedactUrl(s.url)) {}

void SetCallbacks(git_remote_callbacks* callbacks, CallbackState* state) {
  callbacks->credentials = Credentials;
  callbacks->certificate_check = CertificateCheck;
  callbacks->transfer_progress = TransferProgress;
  callbacks->payload = state;
}

std::string Scrub(std::string_view text, const RemoteSpec& spec) {
  std::string s(text);
  ReplaceAll(s, spec.url, RedactUrl(spec.url));
  if (spec.auth.password.size() >= 3) ReplaceAll(s, spec.auth.password, "<redacted>");
  if (spec.auth.username.size() >= 3) ReplaceAll(s, spec.auth.username, "<user>");
  // Any other "scheme://user:secret@" left in the text.
  for (size_t pos = 0; (pos = s.find("://", pos)) != std::string::npos; pos += 3) {
    size_t end = s.find_first_of("/ \t\n'\"", pos + 3);
    size_t at = s.rfind('@', end == std::string::npos ? s.size() : end);
    if (at != std::string::npos && at > pos) s.erase(pos + 3, at + 1 - (pos + 3));
  }
  return s;
}

std::string OidHex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

std::string LastErrorMessage() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "";
}

Status ErrorStatus(int rc, const CallbackState& state, std::string_view what) {
  const git_error* e = git_error_last();
  int klass = e ? e->klass : GIT_ERROR_NONE;
  std::string msg = Scrub(LastErrorMessage(), state.spec);
  const std::string& url = state.redacted_url;
  std::string head = std::string(what) + " " + url;
  NetScope* scope = NetScope::Current();
  if (state.auth_rejected) {
    return {StatusCode::kUnauthenticated,
            "authentication failed for " + url + ": the credentials were rejected"};
  }
  if (state.no_credentials) {
    return {StatusCode::kUnauthenticated,
            "authentication required by " + url +
                " but no usable credentials are configured (see clientSecretName)"};
  }
  if (!state.certificate_error.empty() || rc == GIT_ECERTIFICATE) {
    return Unavailable(head + ": " +
                       (state.certificate_error.empty() ? msg : state.certificate_error));
  }
  if (state.cancelled_by_deadline || (scope && scope->TimedOut())) {
    if (msg.find("timed out") != std::string::npos) return Unavailable(head + ": " + msg);
    return Unavailable(head + ": timed out" + (msg.empty() ? "" : " (" + msg + ")"));
  }
  if (rc == GIT_EAUTH || Contains(msg, "status code: 401") || Contains(msg, "authentication")) {
    return {StatusCode::kUnauthenticated, "authentication failed for " + url + ": " + msg};
  }
  if (Contains(msg, "status code: 403")) {
    return {StatusCode::kPermissionDenied, "access denied to " + url + ": " + msg};
  }
  if (Contains(msg, "status code: 404") || Contains(msg, "not found") ||
      Contains(msg, "not exported") || Contains(msg, "does not appear to be a git repository") ||
      Contains(msg, "no such repository")) {
    return NotFound("repository " + url + " not found: " + msg);
  }
  if (klass == GIT_ERROR_NET || klass == GIT_ERROR_SSL || klass == GIT_ERROR_SSH ||
      klass == GIT_ERROR_HTTP || klass == GIT_ERROR_CALLBACK || rc == GIT_EEOF ||
      Contains(msg, "status code: 5")) {
    if (msg.rfind("cannot connect to", 0) == 0 || msg.rfind("cannot resolve host", 0) == 0) {
      return Unavailable("cannot reach " + url + ": " + msg);
    }
    return Unavailable(head + ": " + (msg.empty() ? "network error" : msg));
  }
  if (klass == GIT_ERROR_OS || klass == GIT_ERROR_ODB || klass == GIT_ERROR_REPOSITORY ||
      klass == GIT_ERROR_FILESYSTEM) {
    return Internal(head + ": local error: " + msg);
  }
  return Unavailable(head + ": " + (msg.empty() ? "unknown error" : msg));
}

}  // namespace flotilla::git::lg2
