// helmrender renders a Helm chart the way `helm template` does, for tests on machines without Helm.
//
// It implements only what helm/traceassist uses: the chart's templates parsed into one set with Sprig's
// functions (less env/expandenv, as in Helm), Helm's include, required, fail, toYaml, lookup (empty, as
// under `helm template`), the objects .Values (chart values coalesced with -f files), .Release, .Chart,
// .Capabilities and .Template, the Chart.yaml kubeVersion constraint, missingkey=zero with "<no value>"
// removed, and Helm's manifest splitting. A template outside that set fails to parse, so the chart cannot
// silently start depending on something this program renders differently.
//
// Usage: helmrender -chart DIR [-f values.yaml]... [-name R] [-namespace NS] [-kube-version v1.31.0]
//
//	[-notes] [-print-values]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"github.com/ghodss/yaml"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

// apiVersions is .Capabilities.APIVersions; only the built-in groups the chart may ask about are known.
type apiVersions []string

func (a apiVersions) Has(version string) bool {
	for _, v := range a {
		if v == version {
			return true
		}
	}
	return false
}

type kubeVersion struct {
	Version, Major, Minor, GitVersion string
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions apiVersions
}

func readYAMLMap(path string) (map[string]interface{}, error) {
	data, err := ioutil.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// coalesce merges src (user values) over dst (chart defaults) like Helm: maps merge recursively, any
// other value replaces, and null deletes the key.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, srcIsMap := v.(map[string]interface{})
		dm, dstIsMap := dst[k].(map[string]interface{})
		if srcIsMap && dstIsMap {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = v
		}
	}
	return dst
}

// chartObject maps Chart.yaml keys to the field names Helm exposes (.Chart.Name, .Chart.AppVersion, ...).
func chartObject(meta map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range meta {
		name := strings.ToUpper(k[:1]) + k[1:]
		if k == "apiVersion" {
			name = "APIVersion"
		}
		out[name] = v
	}
	return out
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return "" // Helm swallows the error the same way.
	}
	return strings.TrimSuffix(string(data), "\n")
}

func newTemplateSet(chartName string) *template.Template {
	t := template.New(chartName)
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	funcs["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	return t.Funcs(funcs).Option("missingkey=zero")
}

var docSeparator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

func run() error {
	var files valueFiles
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("name", "traceassist", "release name")
	namespace := flag.String("namespace", "traceassist", "release namespace")
	kubeVer := flag.String("kube-version", "v1.31.0", "Kubernetes version for .Capabilities")
	notes := flag.Bool("notes", false, "render NOTES.txt instead of the manifests")
	printValues := flag.Bool("print-values", false, "print the coalesced values as JSON and exit")
	flag.Var(&files, "f", "values file (repeatable; later files win)")
	flag.Parse()
	if *chartDir == "" {
		return fmt.Errorf("-chart is required")
	}

	meta, err := readYAMLMap(filepath.Join(*chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	values, err := readYAMLMap(filepath.Join(*chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range files {
		user, err := readYAMLMap(f)
		if err != nil {
			return err
		}
		values = coalesce(values, user)
	}
	if *printValues {
		return json.NewEncoder(os.Stdout).Encode(values)
	}

	chartName, _ := meta["name"].(string)
	if constraint, ok := meta["kubeVersion"].(string); ok && constraint != "" {
		compare := sprig.GenericFuncMap()["semverCompare"].(func(string, string) (bool, error))
		if ok, err := compare(constraint, *kubeVer); err != nil || !ok {
			return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", constraint, *kubeVer)
		}
	}
	parts := strings.SplitN(strings.TrimPrefix(*kubeVer, "v"), ".", 3)
	if len(parts) < 2 {
		return fmt.Errorf("bad -kube-version %q", *kubeVer)
	}
	caps := capabilities{
		KubeVersion: kubeVersion{Version: *kubeVer, Major: parts[0], Minor: parts[1], GitVersion: *kubeVer},
		APIVersions: apiVersions{"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2",
			"networking.k8s.io/v1", "admissionregistration.k8s.io/v1"},
	}

	// Parse every file under templates/ into one set, named "<chart>/templates/<path>" as Helm does.
	set := newTemplateSet(chartName)
	basePath := chartName + "/templates"
	var names []string
	root := filepath.Join(*chartDir, "templates")
	err = filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		name := basePath + "/" + filepath.ToSlash(rel)
		text, err := ioutil.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := set.New(name).Parse(string(text)); err != nil {
			return err
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)

	releaseObject := map[string]interface{}{"Name": *release, "Namespace": *namespace, "Service": "Helm",
		"IsInstall": true, "IsUpgrade": false, "Revision": 1}
	var out bytes.Buffer
	for _, name := range names {
		base := filepath.Base(name)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") || isNotes != *notes {
			continue
		}
		data := map[string]interface{}{
			"Values": values, "Release": releaseObject, "Chart": chartObject(meta), "Capabilities": caps,
			"Template": map[string]interface{}{"Name": name, "BasePath": basePath},
		}
		var buf bytes.Buffer
		if err := set.ExecuteTemplate(&buf, name, data); err != nil {
			return err
		}
		rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
		if isNotes {
			out.WriteString(rendered)
			continue
		}
		for _, doc := range docSeparator.Split(rendered, -1) {
			if doc = strings.TrimSpace(doc); doc == "" {
				continue
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, doc)
		}
	}
	_, err = os.Stdout.Write(out.Bytes())
	return err
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "helmrender:", err)
		os.Exit(1)
	}
}
