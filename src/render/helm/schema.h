// values.schema.json validation as Helm 3 does it (chartutil.ValidateAgainstSchema over
// xeipuuv/gojsonschema in its "hybrid" draft 4/6/7 mode), with gojsonschema's error texts.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "render/helm/chart.h"

namespace flotilla::helm {

// The violations of `schema_json` by `values`, one "field: description" per entry (Helm prints
// each as "- <entry>"); empty when valid. A schema that is not JSON, or has a $ref that does not
// resolve inside the document, is an error ("unable to compile schema: ...").
StatusOr<std::vector<std::string>> ValidateAgainstSchema(const std::string& schema_json,
                                                         const Json& values);

// Helm's check before rendering: the chart's schema against its coalesced values, then every
// (enabled) subchart's schema against its part of them. The error reads
// "values don't meet the specifications of the schema(s) in the following chart(s):\n<chart>:\n-
// ...".
Status ValidateChartValues(const Chart& chart, const Value& values);

}  // namespace flotilla::helm
