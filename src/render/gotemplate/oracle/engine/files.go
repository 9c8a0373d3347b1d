package engine

import (
	"encoding/base64"
	"path"
	"strings"

	"github.com/gobwas/glob"
)

// files is .Files: the chart's non-template files by path. Unexported and named as in Helm so
// that `typeOf .Files` prints "engine.files".
type files map[string][]byte

// NewFiles wraps path -> contents as .Files.
func NewFiles(in map[string]string) interface{} {
	f := files{}
	for name, text := range in {
		f[name] = []byte(text)
	}
	return f
}

// GetBytes is a file's contents, or empty bytes when there is no such file.
func (f files) GetBytes(name string) []byte {
	if v, ok := f[name]; ok {
		return v
	}
	return []byte{}
}

// Get is a file's contents as a string ("" when missing).
func (f files) Get(name string) string { return string(f.GetBytes(name)) }

// Glob is the files whose paths match a gobwas/glob pattern with '/' as separator; a pattern that
// does not compile matches everything, as in Helm.
func (f files) Glob(pattern string) files {
	g, err := glob.Compile(pattern, '/')
	if err != nil {
		g, _ = glob.Compile("**")
	}
	out := files{}
	for name, data := range f {
		if g.Match(name) {
			out[name] = data
		}
	}
	return out
}

// AsConfig is the files as ConfigMap data: base name -> text, as YAML.
func (f files) AsConfig() string {
	if f == nil {
		return ""
	}
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return toYAML(m)
}

// AsSecrets is the files as Secret data: base name -> base64, as YAML.
func (f files) AsSecrets() string {
	if f == nil {
		return ""
	}
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(data)
	}
	return toYAML(m)
}

// Lines is a file split on "\n" without its final newline. As in Helm, an empty (present) file
// panics on the index, which text/template reports as an error of the call.
func (f files) Lines(name string) []string {
	if f == nil || f[name] == nil {
		return []string{}
	}
	s := string(f[name])
	if s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return strings.Split(s, "\n")
}
