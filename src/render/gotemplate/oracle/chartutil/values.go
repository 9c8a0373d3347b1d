// Package chartutil holds the types Helm's templates see for their data: the top-level object,
// .Values and .Template are Values; .Capabilities is *Capabilities. The package is named
// chartutil so that `typeOf .Values` prints Helm's "chartutil.Values".
package chartutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// Values is a values tree. Its methods are Helm's: text/template looks a method up before a map
// key, so `.Values.Table` calls Table as it does in Helm.
type Values map[string]interface{}

// ReadValues parses a values.yaml as Helm does (sigs.k8s.io/yaml: YAML to JSON, numbers become
// float64); an empty document is an empty map.
func ReadValues(data []byte) (Values, error) {
	vals := Values{}
	if err := yaml.Unmarshal(data, &vals); err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		vals = Values{}
	}
	return vals, nil
}

// YAML is the values as a YAML document.
func (v Values) YAML() (string, error) {
	b, err := yaml.Marshal(v)
	return string(b), err
}

// Table returns the sub-table at a dotted path, or an error naming the first step that is not
// a table.
func (v Values) Table(name string) (Values, error) {
	table := v
	var err error
	for _, step := range strings.Split(name, ".") {
		if table, err = tableLookup(table, step); err != nil {
			break
		}
	}
	return table, err
}

// AsMap is the values as a plain map (never nil).
func (v Values) AsMap() map[string]interface{} {
	if len(v) == 0 {
		return map[string]interface{}{}
	}
	return v
}

// Encode writes the values as YAML to w.
func (v Values) Encode(w io.Writer) error {
	out, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// PathValue returns the non-table value at a dotted path.
func (v Values) PathValue(path string) (interface{}, error) {
	if path == "" {
		return nil, errors.New("YAML path cannot be empty")
	}
	steps := strings.Split(path, ".")
	key := steps[len(steps)-1]
	table := v
	if len(steps) > 1 {
		t, err := v.Table(strings.Join(steps[:len(steps)-1], "."))
		if err != nil {
			return nil, noValue(key)
		}
		table = t
	}
	if val, ok := table[key]; ok && !isTable(val) {
		return val, nil
	}
	return nil, noValue(key)
}

func tableLookup(v Values, key string) (Values, error) {
	next, ok := v[key]
	if !ok {
		return v, noTable(key)
	}
	switch t := next.(type) {
	case map[string]interface{}:
		return t, nil
	case Values:
		return t, nil
	}
	return Values{}, noTable(key)
}

func isTable(v interface{}) bool {
	switch v.(type) {
	case map[string]interface{}, Values:
		return true
	}
	return false
}

func noTable(key string) error { return fmt.Errorf("%q is not a table", key) }
func noValue(key string) error { return fmt.Errorf("%q is not a value", key) }

// FromJSON decodes a JSON object as values (numbers become float64, as from values.yaml).
func FromJSON(data []byte) (Values, error) {
	vals := Values{}
	if err := json.Unmarshal(data, &vals); err != nil {
		return nil, err
	}
	return vals, nil
}
