#include "render/bundles/names.h"

#include <openssl/evp.h>

#include <cctype>
#include <vector>

namespace flotilla::render {
namespace {

constexpr int kMaxHelmReleaseNameLen = 53;  // v1alpha1.MaxHelmReleaseNameLen

bool Allowed(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (the DNS-label regexp; it implies Helm's release-name one).
bool IsDnsLabel(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  return s.front() != '-' && s.back() != '-';
}

// Go's filepath.Clean for "/"-separated relative paths.
std::string CleanPath(const std::string& p) {
  bool rooted = !p.empty() && p[0] == '/';
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string part = p.substr(i, j - i);
    if (part.empty() || part == ".") {
    } else if (part == "..") {
      if (!out.empty() && out.back() != "..")
        out.pop_back();
      else if (!rooted)
        out.push_back("..");
    } else {
      out.push_back(part);
    }
    i = j + 1;
  }
  std::string r = rooted ? "/" : "";
  for (size_t k = 0; k < out.size(); k++) r += (k ? "/" : "") + out[k];
  return r.empty() ? "." : r;
}

}  // namespace

std::string NameHex(const std::string& s, int length) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_md5(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < n; i++) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 15]);
  }
  return hex.substr(0, static_cast<size_t>(length));
}

std::string LimitName(const std::string& s, int count) {
  if (static_cast<int>(s.size()) <= count) return s;
  constexpr int kHexLen = 5;
  std::string sep = "-";
  if (count <= kHexLen + static_cast<int>(sep.size()))
    return s.substr(0, static_cast<size_t>(count));
  size_t keep = static_cast<size_t>(count - kHexLen - static_cast<int>(sep.size()));
  if (s[keep - 1] == '-') sep.clear();
  return s.substr(0, keep) + sep + NameHex(s, kHexLen);
}

std::string HelmReleaseName(const std::string& input) {
  std::string str = input;
  for (char& c : str)
    if (c == '/') c = '-';
  bool need_hex = false;
  for (char c : str) {
    if (std::isupper(static_cast<unsigned char>(c)) || !Allowed(c)) need_hex = true;
  }
  if (need_hex) str += "-" + NameHex(str, 8);
  // Lower case, then every run of disallowed characters becomes one "-", then runs of "-"
  // collapse, then "-" is trimmed at both ends.
  std::string clean;
  bool in_bad = false;
  for (char c : str) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!Allowed(l)) {
      if (!in_bad) clean.push_back('-');
      in_bad = true;
      continue;
    }
    in_bad = false;
    clean.push_back(l);
  }
  std::string collapsed;
  for (char c : clean)
    if (!(c == '-' && !collapsed.empty() && collapsed.back() == '-')) collapsed.push_back(c);
  size_t b = collapsed.find_first_not_of('-');
  size_t e = collapsed.find_last_not_of('-');
  str = b == std::string::npos ? "" : collapsed.substr(b, e - b + 1);
  if (IsDnsLabel(str)) return LimitName(str, kMaxHelmReleaseNameLen);
  return NameHex(input, 24);
}

std::string BundleName(const std::string& gitrepo, const std::string& dir) {
  return HelmReleaseName(CleanPath(gitrepo + "/" + (dir.empty() ? "." : dir)));
}

}  // namespace flotilla::render
