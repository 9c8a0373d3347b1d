// schema-oracle: validates values against a values.schema.json exactly as Helm 3's
// chartutil.ValidateAgainstSingleSchema does (xeipuuv/gojsonschema), for differential tests.
// Input: one JSON object per line {"schema": "<schema text>", "values": {...}}.
// Output: one JSON object per line {"errors": ["field: description", ...]} or {"error": "..."}.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/xeipuuv/gojsonschema"
)

type request struct {
	Schema string          `json:"schema"`
	Values json.RawMessage `json:"values"`
}

type response struct {
	Errors []string `json:"errors"`
	Error  string   `json:"error,omitempty"`
}

func validate(r request) (resp response) {
	defer func() {
		if p := recover(); p != nil {
			resp = response{Error: fmt.Sprintf("unable to validate schema: %s", p)}
		}
	}()
	values := []byte(r.Values)
	if len(values) == 0 || string(values) == "null" {
		values = []byte("{}")
	}
	schema, err := gojsonschema.NewSchemaLoader().Compile(gojsonschema.NewBytesLoader([]byte(r.Schema)))
	if err != nil {
		return response{Error: fmt.Sprintf("unable to compile schema: %s", err)}
	}
	result, err := schema.Validate(gojsonschema.NewBytesLoader(values))
	if err != nil {
		return response{Error: err.Error()}
	}
	resp.Errors = []string{}
	for _, desc := range result.Errors() {
		resp.Errors = append(resp.Errors, desc.String())
	}
	return resp
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			out.Encode(response{Error: "bad request: " + err.Error()})
			continue
		}
		out.Encode(validate(r))
	}
}
