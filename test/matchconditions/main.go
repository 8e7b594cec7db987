// matchconditions evaluates the matchConditions of rendered MutatingWebhookConfigurations with the CEL
// library and version Kubernetes 1.36's API server uses (github.com/google/cel-go, pinned in go.mod to
// the version k8s.io/apiserver v0.36 requires), declaring `object` and `oldObject` as dynamic values
// the way the API server's admission CEL environment does, and binding objects decoded from JSON (maps,
// lists, strings, numbers, booleans), as the API server's unstructured objects are.
//
// Usage: matchconditions -want excluded|sent|none FILE...
//
//	excluded: every webhook has matchConditions; an object a controller owns is not sent (some
//	          condition is false) and every other object is (all true, no error)
//	sent:     every object is sent, owned or not (pods mode: the Pod is the target)
//	none:     no webhook has matchConditions
//
// Exit 0 when every webhook in the files meets the expectation, 1 with one line per failure otherwise.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"go.yaml.in/yaml/v3"
)

// A sample object and whether a webhook that skips controller-owned objects must receive it.
type sample struct {
	name   string
	object string // JSON
	owned  bool
}

var samples = []sample{
	{"ReplicaSet owned by a Deployment", `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"cart-7d9f8c","namespace":"shop",
	  "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"cart","uid":"u1","controller":true,"blockOwnerDeletion":true}]},
	  "spec":{"template":{"spec":{"containers":[{"name":"app","image":"eclipse-temurin:21-jre"}]}}}}`, true},
	{"Job owned by a CronJob", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"report-1",
	  "ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"report","uid":"u2","controller":true}]}}`, true},
	{"Pod owned by a ReplicaSet", `{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"cart-7d9f8c-",
	  "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"cart-7d9f8c","uid":"u3","controller":true}]}}`, true},
	{"controller entry after a non-controller one", `{"kind":"ReplicaSet","metadata":{"name":"rs",
	  "ownerReferences":[{"kind":"ConfigMap","name":"c","uid":"u4"},{"kind":"Deployment","name":"d","uid":"u5","controller":true}]}}`, true},
	{"Deployment without ownerReferences", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"cart","namespace":"shop"},
	  "spec":{"template":{"spec":{"containers":[{"name":"app","image":"eclipse-temurin:21-jre"}]}}}}`, false},
	{"ReplicaSet with an owner that is not its controller (controller: false)", `{"kind":"ReplicaSet","metadata":{"name":"rs",
	  "ownerReferences":[{"kind":"Deployment","name":"cart","uid":"u6","controller":false}]}}`, false},
	{"Job with an owner without the controller field", `{"kind":"Job","metadata":{"name":"j",
	  "ownerReferences":[{"kind":"Workflow","name":"w","uid":"u7"}]}}`, false},
	{"empty ownerReferences", `{"kind":"Deployment","metadata":{"name":"d","ownerReferences":[]}}`, false},
	{"object without metadata", `{"apiVersion":"apps/v1","kind":"Deployment","spec":{}}`, false},
}

// The variables the API server declares for matchConditions (object and oldObject are dynamic; request
// and namespaceObject are typed there, dynamic here: an expression that used them would still compile).
func newEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("object", cel.DynType),
		cel.Variable("oldObject", cel.DynType),
		cel.Variable("request", cel.DynType),
		cel.Variable("namespaceObject", cel.DynType),
		cel.HomogeneousAggregateLiterals(),
		cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(ext.StringsVersion(2)),
	)
}

type condition struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

type webhook struct {
	Name            string      `json:"name"`
	MatchConditions []condition `json:"matchConditions"`
	Rules           []struct {
		Resources  []string `json:"resources"`
		Operations []string `json:"operations"`
	} `json:"rules"`
}

// readWebhooks returns the webhooks of every MutatingWebhookConfiguration in a multi-document YAML file.
func readWebhooks(path string) ([]webhook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []webhook
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc["kind"] != "MutatingWebhookConfiguration" {
			continue
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var mwc struct {
			Webhooks []webhook `json:"webhooks"`
		}
		if err := json.Unmarshal(raw, &mwc); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, mwc.Webhooks...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no MutatingWebhookConfiguration webhooks", path)
	}
	return out, nil
}

// sent evaluates every condition on one object the way the API server does: any false skips the
// webhook, an error is reported (the API server would apply failurePolicy).
func sent(env *cel.Env, conditions []condition, object any) (bool, error) {
	result := true
	for _, c := range conditions {
		ast, iss := env.Compile(c.Expression)
		if iss.Err() != nil {
			return false, fmt.Errorf("condition %q does not compile: %w", c.Name, iss.Err())
		}
		if !ast.OutputType().IsExactType(cel.BoolType) {
			return false, fmt.Errorf("condition %q has type %s, want bool", c.Name, ast.OutputType())
		}
		prg, err := env.Program(ast)
		if err != nil {
			return false, fmt.Errorf("condition %q: %w", c.Name, err)
		}
		val, _, err := prg.Eval(map[string]any{"object": object, "oldObject": nil, "request": map[string]any{},
			"namespaceObject": nil})
		if err != nil {
			return false, fmt.Errorf("condition %q: evaluation error: %w", c.Name, err)
		}
		b, ok := val.Value().(bool)
		if !ok {
			return false, fmt.Errorf("condition %q returned %v, not a bool", c.Name, val)
		}
		result = result && b
	}
	return result, nil
}

func main() {
	want := flag.String("want", "", "excluded | sent | none")
	flag.Parse()
	if (*want != "excluded" && *want != "sent" && *want != "none") || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: matchconditions -want excluded|sent|none FILE...")
		os.Exit(2)
	}
	env, err := newEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: CEL environment:", err)
		os.Exit(1)
	}
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		fmt.Printf("FAIL: "+format+"\n", args...)
	}
	for _, path := range flag.Args() {
		webhooks, err := readWebhooks(path)
		if err != nil {
			fail("%v", err)
			continue
		}
		for _, wh := range webhooks {
			where := fmt.Sprintf("%s webhook %s", path, wh.Name)
			if *want == "none" {
				if len(wh.MatchConditions) != 0 {
					fail("%s: %d matchConditions, want none", where, len(wh.MatchConditions))
				}
				continue
			}
			if *want == "excluded" && len(wh.MatchConditions) == 0 {
				fail("%s: no matchConditions", where)
				continue
			}
			// `object` is null on DELETE: conditions on it belong only to CREATE/UPDATE rules.
			for _, r := range wh.Rules {
				for _, op := range r.Operations {
					if len(wh.MatchConditions) > 0 && op != "CREATE" && op != "UPDATE" {
						fail("%s: operation %s is matched, where object may be null", where, op)
					}
				}
			}
			for _, s := range samples {
				var object any
				if err := json.Unmarshal([]byte(s.object), &object); err != nil {
					fail("sample %q: %v", s.name, err)
					continue
				}
				got, err := sent(env, wh.MatchConditions, object)
				expect := *want == "sent" || !s.owned
				switch {
				case err != nil:
					fail("%s: %s: %v", where, s.name, err)
				case got != expect:
					fail("%s: %s: sent=%v, want %v", where, s.name, got, expect)
				default:
					fmt.Printf("ok %s: %s: sent=%v\n", where, s.name, got)
				}
			}
		}
	}
	if failures > 0 {
		fmt.Printf("matchconditions: %d failure(s)\n", failures)
		os.Exit(1)
	}
}
