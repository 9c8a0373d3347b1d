// A libfyaml document stream over a string, with diagnostics collected rather than printed and
// turned into flotilla's error text ("file:line:col: invalid YAML: ..."). Shared by the YAML
// readers that convert libfyaml nodes themselves: core's (YAML 1.1, go-yaml v2 typing) and
// kustomize's (YAML 1.2, kyaml typing).
#pragma once

#include <libfyaml.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace flotilla {

class FyStream {
 public:
  enum class Version { k1_1, k1_2 };

  // `text` must outlive the stream.
  static StatusOr<std::unique_ptr<FyStream>> Open(std::string_view text, Version version);
  ~FyStream();

  // The next document, nullptr at the end of the stream; a syntax error (or text that is not
  // UTF-8) is InvalidArgument naming `filename`, line and column. Free each document with Free().
  StatusOr<fy_document*> Next(std::string_view filename);
  void Free(fy_document* doc);

 private:
  FyStream() = default;
  Status Error(std::string_view filename) const;

  size_t invalid_utf8_at_ = std::string_view::npos;  // set when the text is not UTF-8
  std::string_view text_;
  std::string first_diag_;  // libfyaml's first diagnostic line, when it reports no error record
  fy_diag* diag_ = nullptr;
  fy_parser* parser_ = nullptr;
};

}  // namespace flotilla
