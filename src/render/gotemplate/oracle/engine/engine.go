// Package engine renders a set of templates the way Helm's pkg/engine does: one template set
// rooted at "gotpl" holding every file (so a define in any file is visible to all), parsed in
// Helm's order, each executed with the chart's data plus .Template, and errors rewritten into
// Helm's "parse error at (...)" / "execution error at (...)" forms.
package engine

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"flotilla/oracle/gotemplate/chartutil"
)

// Error kinds, as the oracle's response reports them.
const (
	KindParse   = "parse"   // a template does not parse
	KindExec    = "exec"    // a template fails while executing
	KindPanic   = "panic"   // a panic escaped text/template (Helm recovers it at the top)
	KindRequest = "request" // the request itself is wrong (no such template, ...)
)

// Error is a failed render: Helm's message, and Go's own message when Helm rewrote it.
type Error struct {
	Kind    string
	Message string
	Raw     string
}

// Request is one render: every template (name -> text) is parsed; Targets are executed in order,
// stopping at the first error. A nil Targets means Helm's choice: every template whose base name
// does not start with "_", in Helm's order. Top is the data without .Template, which is added per
// target.
type Request struct {
	Templates map[string]string
	Targets   []string
	Top       chartutil.Values
	Strict    bool
}

// includeLimit is Helm's bound on how deeply one name may be include'd within itself.
const includeLimit = 1000

// Helm's required and fail wrap their message in these markers so that the execution error can
// be cut back to it.
const (
	warnStart = "HELM_ERR_START"
	warnEnd   = "HELM_ERR_END"
)

var warnPattern = regexp.MustCompile(warnStart + `((?s).*)` + warnEnd)

// SortTemplates is Helm's parse and render order: more path separators first, then reverse
// lexical order (sort.Reverse over "fewer slashes, then lexically smaller").
func SortTemplates(names []string) []string {
	out := append([]string(nil), names...)
	sort.Slice(out, func(i, j int) bool {
		ci, cj := strings.Count(out[i], "/"), strings.Count(out[j], "/")
		if ci != cj {
			return ci > cj
		}
		return out[i] > out[j]
	})
	return out
}

// BasePath is .Template.BasePath: the name up to and including "/templates" (Helm's
// "<chart>/templates"), else the name's directory.
func BasePath(name string) string {
	if i := strings.LastIndex(name, "/templates/"); i >= 0 {
		return name[:i+len("/templates")]
	}
	return path.Dir(name)
}

// Render executes req and returns each target's output ("<no value>" removed, as Helm does).
func Render(req Request) (outputs map[string]string, rerr *Error) {
	defer func() {
		if r := recover(); r != nil {
			outputs = nil
			rerr = &Error{Kind: KindPanic, Message: fmt.Sprintf("rendering template failed: %v", r)}
		}
	}()
	root := template.New("gotpl")
	setMissingKey(root, req.Strict)
	depth := map[string]int{}
	funcs := baseFuncs()
	funcs["include"] = includeFunc(root, depth)
	funcs["tpl"] = tplFunc(root, depth, req.Strict)
	funcs["required"] = required
	funcs["fail"] = fail
	root.Funcs(funcs)

	names := make([]string, 0, len(req.Templates))
	for name := range req.Templates {
		names = append(names, name)
	}
	order := SortTemplates(names)
	for _, name := range order {
		if _, err := root.New(name).Parse(req.Templates[name]); err != nil {
			return nil, &Error{Kind: KindParse, Message: parseError(name, err), Raw: err.Error()}
		}
	}

	targets := req.Targets
	if targets == nil {
		for _, name := range order {
			if !strings.HasPrefix(path.Base(name), "_") {
				targets = append(targets, name)
			}
		}
	}
	outputs = map[string]string{}
	for _, name := range targets {
		if _, ok := req.Templates[name]; !ok {
			return nil, &Error{Kind: KindRequest,
				Message: "bad request: no template named \"" + name + "\""}
		}
		data := chartutil.Values{}
		for k, v := range req.Top {
			data[k] = v
		}
		data["Template"] = chartutil.Values{"Name": name, "BasePath": BasePath(name)}
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return nil, &Error{Kind: KindExec, Message: execError(name, err), Raw: err.Error()}
		}
		outputs[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return outputs, nil
}

// setMissingKey is helm --strict (missingkey=error) or Helm's default (missingkey=zero).
func setMissingKey(t *template.Template, strict bool) {
	if strict {
		t.Option("missingkey=error")
	} else {
		t.Option("missingkey=zero")
	}
}

// includeFunc executes a named template into a string. depth counts, per name, the includes in
// progress: past includeLimit the render fails instead of recursing without end.
func includeFunc(t *template.Template, depth map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if depth[name] > includeLimit {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: %w",
				name, errors.New("unable to execute template"))
		}
		depth[name]++
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		depth[name]--
		return buf.String(), err
	}
}

// tplFunc renders a string as a template against vals. It parses into a clone of the whole set
// (so the string sees every define, and its own defines stay local), under the root's name.
func tplFunc(parent *template.Template, depth map[string]int, strict bool) func(string, interface{}) (string, error) {
	return func(text string, vals interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		// Clone does not keep the missingkey option (golang/go#43022); set it again.
		setMissingKey(t, strict)
		t.Funcs(template.FuncMap{
			"include": includeFunc(t, depth),
			"tpl":     tplFunc(t, depth, strict),
		})
		t, err = t.New(parent.Name()).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// required fails on nil and on "", with a message Helm cuts out of the execution error.
func required(msg string, val interface{}) (interface{}, error) {
	if val == nil {
		return val, errors.New(warnStart + msg + warnEnd)
	}
	if s, ok := val.(string); ok && s == "" {
		return val, errors.New(warnStart + msg + warnEnd)
	}
	return val, nil
}

// fail always fails, with msg as the whole execution error message.
func fail(msg string) (string, error) {
	return "", errors.New(warnStart + msg + warnEnd)
}

// parseError is Helm's cleanupParseError: "parse error at (<file:line>): <last part>".
func parseError(name string, err error) string {
	parts := strings.Split(err.Error(), ": ")
	if len(parts) == 1 {
		return fmt.Sprintf("parse error in (%s): %s", name, err)
	}
	return fmt.Sprintf("parse error at (%s): %s", parts[1], parts[len(parts)-1])
}

// execError is Helm's cleanupExecError: only text/template's ExecError is rewritten, and only
// when it carries a required/fail message ("execution error at (<file:line:col>): <message>").
func execError(name string, err error) string {
	if _, ok := err.(template.ExecError); !ok {
		return err.Error()
	}
	parts := strings.SplitN(err.Error(), ": ", 3)
	if len(parts) != 3 {
		return fmt.Sprintf("execution error in (%s): %s", name, err)
	}
	if m := warnPattern.FindStringSubmatch(parts[2]); len(m) >= 2 {
		return fmt.Sprintf("execution error at (%s): %s", parts[1], m[1])
	}
	return err.Error()
}
