// Secrets encrypted at rest: a Store that wraps another and keeps each Secret's `data` sealed
// with AES-GCM in the wrapped store, as kube-apiserver's EncryptionConfiguration does with its
// `aesgcm` provider. Every other kind, and a Secret's metadata and type, pass through unchanged;
// callers of this store see plaintext, the database file holds only ciphertext.
//
// Keys come from a Kubernetes EncryptionConfiguration file (--secrets-encryption-key-file):
//
//   apiVersion: apiserver.config.k8s.io/v1
//   kind: EncryptionConfiguration
//   resources:
//     - resources: [secrets]
//       providers:
//         - aesgcm:
//             keys:
//               - name: key2
//                 secret: <base64 of 16, 24 or 32 random bytes>
//               - name: key1
//                 secret: <...>
//         - identity: {}
//
// The first provider (its first key) seals every write; every listed key, and plaintext when
// `identity` is listed, can be read. A stored Secret becomes
//   {"metadata": ..., "type": ..., "encryptedData":
//   "k8s:enc:aesgcm:v1:<key>:<base64(nonce|ct|tag)>"}
// with the Secret's storage path "/registry/secrets/<ns>/<name>" as authenticated data (a sealed
// value cannot be moved to another Secret). Rotation is Kubernetes': put the new key first, keep
// the old one second, restart, rewrite every Secret (`kubectl get secrets -A -o json |
// kubectl replace -f -`; each write seals anew), then drop the old key.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace flotilla::store {

struct EncryptionKey {
  std::string name;
  std::string secret;  // raw key bytes (16, 24 or 32)
};

struct EncryptionConfig {
  // The aesgcm keys, in the file's order; empty when the first provider is identity.
  std::vector<EncryptionKey> keys;
  bool identity_first = false;  // writes stay plaintext (the step that decrypts everything)
  bool identity_readable = false;
};

// Parses an EncryptionConfiguration (YAML or JSON). InvalidArgument naming the field for
// anything it does not support (providers other than aesgcm and identity, resources other than
// secrets, a key of the wrong size, duplicate key names).
StatusOr<EncryptionConfig> ParseEncryptionConfig(const std::string& text);
StatusOr<EncryptionConfig> LoadEncryptionConfig(const std::string& path);

// Wraps `inner` (which it owns). Reading a Secret sealed with a key that is not configured, or
// whose seal does not verify, fails with kInternal naming the Secret and the key: never a
// silent empty Secret.
std::unique_ptr<Store> EncryptSecrets(std::unique_ptr<Store> inner, EncryptionConfig config);

}  // namespace flotilla::store
