// Command gotemplate-oracle is flotilla's reference for its native template engine: it renders a
// request with Go's text/template, Sprig and Helm's engine functions, so that the C++ engine's
// answer to the same request can be compared byte for byte (src/render/gotemplate/oracle_test.cc,
// random_test.cc). README.md beside this file states the request/response contract.
//
// Usage: gotemplate-oracle < request.json       one request, one response; exit 2 if it is bad
//
//	gotemplate-oracle -lines < requests     one request per line, one response per line
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"flotilla/oracle/gotemplate/chart"
	"flotilla/oracle/gotemplate/chartutil"
	"flotilla/oracle/gotemplate/engine"
	"flotilla/oracle/gotemplate/version"
)

// request is the JSON a caller sends; optional parts stay raw until their shape is checked.
type request struct {
	Templates    map[string]string `json:"templates"`
	Render       json.RawMessage   `json:"render"`
	Values       json.RawMessage   `json:"values"`
	ValuesYAML   json.RawMessage   `json:"valuesYaml"`
	Release      *releaseSpec      `json:"release"`
	Chart        json.RawMessage   `json:"chart"`
	Capabilities *capabilitiesSpec `json:"capabilities"`
	Files        map[string]string `json:"files"`
	Strict       bool              `json:"strict"`
}

type releaseSpec struct {
	Name      *string `json:"name"`
	Namespace *string `json:"namespace"`
	Revision  *int    `json:"revision"`
	IsInstall *bool   `json:"isInstall"`
	IsUpgrade *bool   `json:"isUpgrade"`
	Service   *string `json:"service"`
}

type capabilitiesSpec struct {
	KubeVersion json.RawMessage    `json:"kubeVersion"`
	APIVersions []interface{}      `json:"apiVersions"`
	HelmVersion *version.BuildInfo `json:"helmVersion"`
}

type badRequest struct{ msg string }

func (e badRequest) Error() string { return "bad request: " + e.msg }

func main() {
	lines := flag.Bool("lines", false, "read one request per line, answer one response per line")
	flag.Parse()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if !*lines {
		in, err := io.ReadAll(os.Stdin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gotemplate-oracle:", err)
			os.Exit(2)
		}
		resp, ok := answer(in)
		write(out, resp)
		if !ok {
			out.Flush()
			os.Exit(2)
		}
		return
	}
	// Lines may be megabytes long (generated templates): read them whole, not with a Scanner.
	rd := bufio.NewReaderSize(os.Stdin, 1<<20)
	for {
		line, err := rd.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			resp, _ := answer(line)
			write(out, resp)
		}
		if err != nil {
			break
		}
	}
}

// write prints one response on one line. Invalid UTF-8 in strings becomes U+FFFD (encoding/json
// does that); <, > and & are left as they are so that answers stay readable.
func write(w io.Writer, resp map[string]interface{}) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp); err != nil {
		fmt.Fprintln(os.Stderr, "gotemplate-oracle:", err)
		os.Exit(1)
	}
}

// answer renders one request. ok is false when the request itself is malformed.
func answer(in []byte) (resp map[string]interface{}, ok bool) {
	var req request
	if err := json.Unmarshal(in, &req); err != nil {
		return failure(engine.KindRequest, badRequest{err.Error()}.Error(), ""), false
	}
	r, single, err := toEngine(&req)
	if err != nil {
		return failure(engine.KindRequest, err.Error(), ""), false
	}
	outputs, rerr := engine.Render(r)
	if rerr != nil {
		return failure(rerr.Kind, rerr.Message, rerr.Raw), rerr.Kind != engine.KindRequest
	}
	if single {
		return map[string]interface{}{"output": outputs[r.Targets[0]], "error": nil}, true
	}
	return map[string]interface{}{"outputs": outputs, "error": nil}, true
}

func failure(kind, msg, raw string) map[string]interface{} {
	resp := map[string]interface{}{"error": msg, "error_kind": kind}
	if raw != "" && raw != msg {
		resp["raw_error"] = raw
	}
	return resp
}

// toEngine checks the request's shape and builds Helm's top-level data from it. single is true
// when "render" names one template (the response then has "output", not "outputs").
func toEngine(req *request) (r engine.Request, single bool, err error) {
	if len(req.Templates) == 0 {
		return r, false, badRequest{"no templates"}
	}
	r.Templates = req.Templates
	r.Strict = req.Strict
	switch kind(req.Render) {
	case 0, 'n':
	case '"':
		var name string
		if err := json.Unmarshal(req.Render, &name); err != nil {
			return r, false, badRequest{err.Error()}
		}
		r.Targets, single = []string{name}, true
	case '[':
		r.Targets = []string{}
		if err := json.Unmarshal(req.Render, &r.Targets); err != nil {
			return r, false, badRequest{"render must be a string or a list of strings"}
		}
	default:
		return r, false, badRequest{"render must be a string or a list of strings"}
	}

	values := chartutil.Values{}
	if kind(req.ValuesYAML) == '"' {
		var text string
		if err := json.Unmarshal(req.ValuesYAML, &text); err != nil {
			return r, false, badRequest{err.Error()}
		}
		if values, err = chartutil.ReadValues([]byte(text)); err != nil {
			return r, false, badRequest{"valuesYaml: " + err.Error()}
		}
	} else if kind(req.Values) == '{' {
		if values, err = chartutil.FromJSON(req.Values); err != nil {
			return r, false, badRequest{"values: " + err.Error()}
		}
	}

	meta := chart.Default()
	if kind(req.Chart) == '{' {
		meta = &chart.Metadata{}
		if err := json.Unmarshal(req.Chart, meta); err != nil {
			return r, false, badRequest{"chart: " + err.Error()}
		}
	}
	caps, err := capabilities(req.Capabilities)
	if err != nil {
		return r, false, err
	}
	r.Top = chartutil.Values{
		"Values":       values,
		"Release":      release(req.Release),
		"Chart":        meta,
		"Capabilities": caps,
		"Files":        engine.NewFiles(req.Files),
	}
	return r, single, nil
}

// kind is the first byte of a JSON value ('{', '[', '"', 'n' for null, ...), 0 when absent.
func kind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// release is .Release: a plain map, as Helm builds it, with `helm template`'s defaults.
func release(spec *releaseSpec) map[string]interface{} {
	rel := map[string]interface{}{
		"Name":      "release-name",
		"Namespace": "default",
		"IsUpgrade": false,
		"IsInstall": true,
		"Revision":  1,
		"Service":   "Helm",
	}
	if spec == nil {
		return rel
	}
	set := func(key string, s *string) {
		if s != nil {
			rel[key] = *s
		}
	}
	set("Name", spec.Name)
	set("Namespace", spec.Namespace)
	set("Service", spec.Service)
	if spec.Revision != nil {
		rel["Revision"] = *spec.Revision
	}
	if spec.IsInstall != nil {
		rel["IsInstall"] = *spec.IsInstall
	}
	if spec.IsUpgrade != nil {
		rel["IsUpgrade"] = *spec.IsUpgrade
	}
	return rel
}

// capabilities is .Capabilities: the defaults, with what the request overrides. kubeVersion is a
// string ("v1.28.3", read as --kube-version is) or {"version", "major", "minor"}.
func capabilities(spec *capabilitiesSpec) (*chartutil.Capabilities, error) {
	caps := chartutil.DefaultCapabilities()
	if spec == nil {
		return caps, nil
	}
	switch kind(spec.KubeVersion) {
	case '"':
		var s string
		if err := json.Unmarshal(spec.KubeVersion, &s); err != nil {
			return nil, badRequest{err.Error()}
		}
		caps.KubeVersion = chartutil.ParseKubeVersion(s)
	case '{':
		var kv struct{ Version, Major, Minor string }
		if err := json.Unmarshal(spec.KubeVersion, &kv); err != nil {
			return nil, badRequest{"kubeVersion: " + err.Error()}
		}
		caps.KubeVersion = chartutil.ParseKubeVersion(kv.Version)
		if kv.Major != "" {
			caps.KubeVersion.Major = kv.Major
		}
		if kv.Minor != "" {
			caps.KubeVersion.Minor = kv.Minor
		}
	}
	if spec.APIVersions != nil {
		caps.APIVersions = chartutil.VersionSet{}
		for _, v := range spec.APIVersions {
			if s, ok := v.(string); ok {
				caps.APIVersions = append(caps.APIVersions, s)
			}
		}
	}
	if spec.HelmVersion != nil {
		caps.HelmVersion = *spec.HelmVersion
	}
	return caps, nil
}
