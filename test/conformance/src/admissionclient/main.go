// admissionclient talks to TraceAssist's /mutate the way kube-apiserver's webhook client does, and
// checks every answer the way the API server would (k8s.io/apiserver
// pkg/admission/plugin/webhook/request/admissionreview.go VerifyAdmissionResponse and
// mutating/dispatcher.go): TLS verified against the CA bundle with ServerName <svc>.<ns>.svc, ALPN
// http/1.1 only, POST /mutate?timeout=10s, the response's apiVersion/kind echo, uid match, patch and
// patchType together, base64, and the patch applied with evanphx/json-patch (the library the API
// server uses), which refuses an add under a missing parent.
//
// Modes:
//
//	conformance FILE...  every workload (and every other document) in the YAML files, as several
//	                     variants (as written, template annotations removed, template metadata
//	                     removed / a generateName Pod, empty annotations) sent as CREATE and UPDATE
//	                     (v1) and CREATE (v1beta1); the patched object must equal what
//	                     `traceassist instrument` makes of the same object, an UPDATE of that result
//	                     must need no patch, and DELETE must get none.
//	latency              -n sequential reviews over one keep-alive connection; prints p50/p99/max and
//	                     fails above -p99-max or when more than one connection was used.
//	rotate               reviews without pause, alternating a keep-alive and a fresh connection, until
//	                     a fresh connection presents -expect-cert, then -after more; any failure fails.
//	rate                 -rate reviews/s on schedule over -conns keep-alive connections for -duration;
//	                     latency counted from the scheduled time (no coordinated omission); fails on
//	                     any error or a p99 above -p99-max.
//	wait                 polls until a review succeeds (server readiness), up to -timeout.
//	body                 prints the typical Deployment's CREATE review (for wrk).
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"time"

	jsonpatch "github.com/evanphx/json-patch"
	"github.com/ghodss/yaml"
	yamlv2 "gopkg.in/yaml.v2"
)

var (
	flagURL         = flag.String("url", "", "https://127.0.0.1:PORT/mutate (the ?timeout=10s query is added)")
	flagCA          = flag.String("ca", "", "PEM CA bundle to trust")
	flagServerName  = flag.String("server-name", "traceassist.observability.svc", "TLS ServerName (<svc>.<ns>.svc)")
	flagTraceassist = flag.String("traceassist", "", "conformance: the traceassist binary (its `instrument` gives the expected objects)")
	flagCLIArgs     = flag.String("cli-args", "", "conformance: extra `traceassist instrument` flags matching the server's policy (space-separated)")
	flagN           = flag.Int("n", 1000, "latency: number of sequential reviews")
	flagP99Max      = flag.Duration("p99-max", 5*time.Millisecond, "latency: fail when p99 is above")
	flagExpectCert  = flag.String("expect-cert", "", "rotate: PEM certificate fresh connections must eventually present")
	flagAfter       = flag.Int("after", 100, "rotate: reviews to send after the new certificate was seen")
	flagRate        = flag.Int("rate", 500, "rate: reviews per second, sent on schedule")
	flagDuration    = flag.Duration("duration", 10*time.Second, "rate: how long to send")
	flagConns       = flag.Int("conns", 8, "rate: keep-alive connections")
	flagTimeout     = flag.Duration("timeout", 60*time.Second, "rotate/wait: give up after")
)

const maxWarningLength = 120

// The AdmissionReview wire types (k8s.io/api/admission/v1), with only the fields used here.
type groupVersionKind struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

type admissionRequest struct {
	UID       string                 `json:"uid"`
	Kind      groupVersionKind       `json:"kind"`
	Resource  map[string]string      `json:"resource"`
	Name      string                 `json:"name,omitempty"`
	Namespace string                 `json:"namespace,omitempty"`
	Operation string                 `json:"operation"`
	UserInfo  map[string]interface{} `json:"userInfo"`
	Object    json.RawMessage        `json:"object,omitempty"`
	OldObject json.RawMessage        `json:"oldObject,omitempty"`
	DryRun    bool                   `json:"dryRun"`
}

type admissionResponse struct {
	UID       string   `json:"uid"`
	Allowed   bool     `json:"allowed"`
	Patch     []byte   `json:"patch,omitempty"` // base64 on the wire, decoded by encoding/json
	PatchType *string  `json:"patchType,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

type admissionReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Request    *admissionRequest  `json:"request,omitempty"`
	Response   *admissionResponse `json:"response,omitempty"`
}

type client struct {
	http *http.Client
	url  string
}

func loadCA(path string) *x509.CertPool {
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		fatalf("reading CA bundle: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		fatalf("%s holds no PEM certificate", path)
	}
	return pool
}

// newClient mirrors k8s.io/apiserver pkg/util/webhook/client.go: ServerName set, ALPN forced to
// http/1.1 (no HTTP/2), connections reused.
func newClient(keepAlive bool) *client {
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{
			RootCAs:    loadCA(*flagCA),
			ServerName: *flagServerName,
			NextProtos: []string{"http/1.1"},
			MinVersion: tls.VersionTLS12,
		},
		DisableKeepAlives:   !keepAlive,
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
	}
	return &client{
		http: &http.Client{Transport: transport, Timeout: 10 * time.Second},
		url:  strings.TrimSuffix(*flagURL, "/") + "?timeout=10s",
	}
}

func newUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// callResult is what one review gave, after the API server's checks.
type callResult struct {
	response *admissionResponse
	patched  []byte // the object after the patch (== object when there is none)
	peerCert []byte // DER of the server certificate
	newConn  bool
}

// buildReview makes the AdmissionReview request the API server would send for the object.
func buildReview(apiVersion, operation string, object, oldObject []byte, namespace string) (admissionReview, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	source := object
	if source == nil {
		source = oldObject
	}
	if err := json.Unmarshal(source, &meta); err != nil {
		return admissionReview{}, fmt.Errorf("object: %v", err)
	}
	group, version := "", meta.APIVersion
	if i := strings.Index(meta.APIVersion, "/"); i >= 0 {
		group, version = meta.APIVersion[:i], meta.APIVersion[i+1:]
	}
	return admissionReview{APIVersion: apiVersion, Kind: "AdmissionReview", Request: &admissionRequest{
		UID:       newUID(),
		Kind:      groupVersionKind{group, version, meta.Kind},
		Resource:  map[string]string{"group": group, "version": version, "resource": strings.ToLower(meta.Kind) + "s"},
		Name:      meta.Metadata.Name,
		Namespace: namespace,
		Operation: operation,
		UserInfo:  map[string]interface{}{"username": "kubernetes-admin", "groups": []string{"system:masters"}},
		Object:    object,
		OldObject: oldObject,
	}}, nil
}

// review sends one AdmissionReview and verifies the answer as the API server does.
func (c *client) review(apiVersion, operation string, object, oldObject []byte, namespace string) (*callResult, error) {
	req, err := buildReview(apiVersion, operation, object, oldObject, namespace)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	result := &callResult{}
	httpReq, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("Accept", "application/json, */*")
	httpReq = httpReq.WithContext(httptrace.WithClientTrace(httpReq.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { result.newConn = !info.Reused },
	}))
	resp, err := c.http.Do(httpReq)
	if err != nil {
		return nil, fmt.Errorf("calling webhook: %v", err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading response: %v", err)
	}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		result.peerCert = resp.TLS.PeerCertificates[0].Raw
	}
	if resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
		return nil, fmt.Errorf("protocol %s, want HTTP/1.1", resp.Proto)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, respBody)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, fmt.Errorf("Content-Type %q, want application/json", ct)
	}
	var answer admissionReview
	if err := json.Unmarshal(respBody, &answer); err != nil {
		return nil, fmt.Errorf("decoding response (patch must be base64): %v", err)
	}
	// VerifyAdmissionResponse (v1 is strict; v1beta1 is checked the same way here, which is stricter
	// than the API server and what our contract promises).
	if answer.APIVersion != apiVersion || answer.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("expected webhook response of %s, Kind=AdmissionReview, got %s, Kind=%s", apiVersion, answer.APIVersion, answer.Kind)
	}
	r := answer.Response
	if r == nil {
		return nil, errors.New("webhook response was absent")
	}
	if r.UID != req.Request.UID {
		return nil, fmt.Errorf("expected response.uid=%q, got %q", req.Request.UID, r.UID)
	}
	if !r.Allowed {
		return nil, errors.New("webhook denied the request (TraceAssist must always allow)")
	}
	switch {
	case len(r.Patch) > 0 && r.PatchType == nil:
		return nil, errors.New("webhook returned response.patch but not response.patchType")
	case len(r.Patch) == 0 && r.PatchType != nil:
		return nil, errors.New("webhook returned response.patchType but not response.patch")
	case r.PatchType != nil && *r.PatchType != "JSONPatch":
		return nil, fmt.Errorf("webhook returned invalid response.patchType of %q", *r.PatchType)
	}
	for _, w := range r.Warnings {
		if len(w) > maxWarningLength {
			return nil, fmt.Errorf("warning longer than %d bytes: %q", maxWarningLength, w)
		}
	}
	result.response = r
	result.patched = object
	if len(r.Patch) > 0 {
		if object == nil {
			return nil, fmt.Errorf("webhook returned a patch for %s, which has no object", operation)
		}
		patch, err := jsonpatch.DecodePatch(r.Patch)
		if err != nil {
			return nil, fmt.Errorf("patch does not decode (ErrCallingWebhook): %v", err)
		}
		patched, err := patch.Apply(object)
		if err != nil {
			return nil, fmt.Errorf("patch does not apply (InternalError, rejects the request even with failurePolicy Ignore): %v; patch %s", err, r.Patch)
		}
		result.patched = patched
	}
	return result, nil
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "admissionclient: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	flag.Parse()
	if flag.NArg() < 1 || (flag.Arg(0) != "body" && (*flagURL == "" || *flagCA == "")) {
		fatalf("usage: admissionclient -url URL -ca FILE [flags] conformance|latency|rotate|wait [FILE...]")
	}
	var err error
	switch flag.Arg(0) {
	case "conformance":
		err = runConformance(flag.Args()[1:])
	case "latency":
		err = runLatency()
	case "rotate":
		err = runRotate()
	case "rate":
		err = runRate()
	case "wait":
		err = runWait()
	case "body":
		var review admissionReview
		if review, err = buildReview("admission.k8s.io/v1", "CREATE", compact(typicalDeployment), nil, "shop"); err == nil {
			err = json.NewEncoder(os.Stdout).Encode(review)
		}
	default:
		err = fmt.Errorf("unknown mode %q", flag.Arg(0))
	}
	if err != nil {
		fatalf("%v", err)
	}
}

// ---- conformance ----

// splitYAML returns every non-empty document of a YAML stream as JSON.
func splitYAML(data []byte) ([][]byte, error) {
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	var docs [][]byte
	for {
		var doc interface{}
		err := dec.Decode(&doc)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if doc == nil {
			continue
		}
		y, err := yamlv2.Marshal(doc)
		if err != nil {
			return nil, err
		}
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			return nil, err
		}
		docs = append(docs, j)
	}
}

type object = map[string]interface{}

var workloadGroups = map[string]string{
	"Pod": "v1", "ReplicationController": "v1",
	"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
	"Job": "batch/v1", "CronJob": "batch/v1",
}

// templateMetaParent is the map that holds the pod template's metadata (the object itself for a Pod).
func templateOf(o object) object {
	kind, _ := o["kind"].(string)
	path := []string{"spec", "template"}
	switch kind {
	case "Pod":
		path = nil
	case "CronJob":
		path = []string{"spec", "jobTemplate", "spec", "template"}
	}
	cur := o
	for _, p := range path {
		next, ok := cur[p].(map[string]interface{})
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

func deepCopy(o object) object {
	b, _ := json.Marshal(o)
	var c object
	_ = json.Unmarshal(b, &c)
	return c
}

type variant struct {
	label  string
	object []byte
	isWork bool
}

// variantsOf: the object as written plus, for workloads with a template, the shapes that need parent
// maps added.
func variantsOf(label string, o object) []variant {
	kind, _ := o["kind"].(string)
	apiVersion, _ := o["apiVersion"].(string)
	want, isWorkload := workloadGroups[kind]
	if isWorkload && apiVersion != want {
		// The API server converts to the version the webhook registered (apps/v1, batch/v1).
		if strings.HasPrefix(apiVersion, "extensions/") || strings.HasPrefix(apiVersion, "apps/") || strings.HasPrefix(apiVersion, "batch/") {
			o["apiVersion"] = want
		} else {
			isWorkload = false // a custom resource that reuses the name
		}
	}
	enc := func(v object) []byte { b, _ := json.Marshal(v); return b }
	out := []variant{{label, enc(o), isWorkload}}
	if !isWorkload || templateOf(o) == nil {
		return out
	}
	noAnnotations := deepCopy(o)
	if meta, ok := templateOf(noAnnotations)["metadata"].(map[string]interface{}); ok {
		delete(meta, "annotations")
	}
	emptyAnnotations := deepCopy(o)
	tmpl := templateOf(emptyAnnotations)
	if _, ok := tmpl["metadata"].(map[string]interface{}); !ok {
		tmpl["metadata"] = map[string]interface{}{}
	}
	tmpl["metadata"].(map[string]interface{})["annotations"] = map[string]interface{}{}
	out = append(out,
		variant{label + " [no template annotations]", enc(noAnnotations), true},
		variant{label + " [empty template annotations]", enc(emptyAnnotations), true})
	if kind == "Pod" {
		// A controller-made Pod: generateName only, namespace only in the request.
		pod := deepCopy(noAnnotations)
		meta, _ := pod["metadata"].(map[string]interface{})
		name, _ := meta["name"].(string)
		labels := meta["labels"]
		pod["metadata"] = map[string]interface{}{"generateName": name + "-7d9f8c-"}
		if labels != nil {
			pod["metadata"].(map[string]interface{})["labels"] = labels
		}
		out = append(out, variant{label + " [generateName pod]", enc(pod), true})
	} else {
		noMeta := deepCopy(o)
		delete(templateOf(noMeta), "metadata")
		out = append(out, variant{label + " [no template metadata]", enc(noMeta), true})
	}
	return out
}

func jsonEqual(a, b []byte) bool {
	var x, y interface{}
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func templateAnnotations(doc []byte) interface{} {
	var o object
	_ = json.Unmarshal(doc, &o)
	if t := templateOf(o); t != nil {
		if m, ok := t["metadata"].(map[string]interface{}); ok {
			return m["annotations"]
		}
	}
	return nil
}

func namespaceOf(doc []byte) string {
	var o struct {
		Metadata struct {
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(doc, &o)
	if o.Metadata.Namespace == "" {
		return "default"
	}
	return o.Metadata.Namespace
}

// expectedObjects runs `traceassist instrument` on all variants at once (one YAML stream, one
// document per variant) and returns its output documents as JSON.
func expectedObjects(variants []variant) ([][]byte, error) {
	var stream bytes.Buffer
	for _, v := range variants {
		y, err := yaml.JSONToYAML(v.object)
		if err != nil {
			return nil, err
		}
		stream.WriteString("---\n")
		stream.Write(y)
	}
	tmp, err := os.CreateTemp("", "admissionclient-*.yaml")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(stream.Bytes()); err != nil {
		return nil, err
	}
	tmp.Close()
	args := append([]string{"instrument"}, strings.Fields(*flagCLIArgs)...)
	cmd := exec.Command(*flagTraceassist, append(args, tmp.Name())...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("traceassist instrument: %v: %.500s", err, stderr.String())
	}
	docs, err := splitYAML(out)
	if err != nil {
		return nil, fmt.Errorf("parsing traceassist instrument output: %v", err)
	}
	if len(docs) != len(variants) {
		return nil, fmt.Errorf("traceassist instrument gave %d documents for %d", len(docs), len(variants))
	}
	for i := range docs {
		docs[i] = withoutFileRecord(docs[i])
	}
	return docs, nil
}

// withoutFileRecord drops, from an ownership marker, the item that records what a file held where
// TraceAssist filled an empty `annotations:` (README, "What is written": the one item with a
// colon). The CLI writes it from the file's bytes, which an admission request does not carry (the
// webhook keeps one it finds): both sides are compared without it.
func withoutFileRecord(doc []byte) []byte {
	var o object
	if json.Unmarshal(doc, &o) != nil {
		return doc
	}
	t := templateOf(o)
	if t == nil {
		return doc
	}
	meta, _ := t["metadata"].(map[string]interface{})
	annotations, _ := meta["annotations"].(map[string]interface{})
	marker, ok := annotations["traceassist.io/managed"].(string)
	if !ok || !strings.Contains(marker, ":") {
		return doc
	}
	var items []string
	for _, item := range strings.Split(marker, ",") {
		if !strings.Contains(item, ":") {
			items = append(items, item)
		}
	}
	annotations["traceassist.io/managed"] = strings.Join(items, ",")
	out, err := json.Marshal(o)
	if err != nil {
		return doc
	}
	return out
}

func runConformance(files []string) error {
	if *flagTraceassist == "" {
		return errors.New("conformance needs -traceassist")
	}
	var variants []variant
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		docs, err := splitYAML(data)
		if err != nil {
			// Fixtures include deliberately broken YAML: nothing the API server could send.
			fmt.Printf("conformance: skipping %s: not valid YAML (%v)\n", file, err)
			continue
		}
		base := file[strings.LastIndex(file, "/")+1:]
		for i, doc := range docs {
			var o object
			if err := json.Unmarshal(doc, &o); err != nil || o == nil {
				continue // a scalar or list document: not an object the API server would send
			}
			label := fmt.Sprintf("%s#%d", base, i+1)
			if o["kind"] == "List" {
				items, _ := o["items"].([]interface{})
				for j, item := range items {
					if itemObj, ok := item.(map[string]interface{}); ok {
						variants = append(variants, variantsOf(fmt.Sprintf("%s item %d", label, j+1), itemObj)...)
					}
				}
				continue
			}
			if _, hasKind := o["kind"].(string); !hasKind {
				continue
			}
			variants = append(variants, variantsOf(label, o)...)
		}
	}
	expected, err := expectedObjects(variants)
	if err != nil {
		return err
	}
	c := newClient(true)
	failures, calls, patched, workloads, files0 := 0, 0, 0, 0, len(files)
	fail := func(v variant, what string, err error) {
		failures++
		fmt.Fprintf(os.Stderr, "FAIL %s (%s): %v\n", v.label, what, err)
	}
	for i, v := range variants {
		ns := namespaceOf(v.object)
		if v.isWork {
			workloads++
		}
		type step struct {
			what, apiVersion, op string
			object, old          []byte
			want                 []byte // the object after the patch
		}
		steps := []step{
			{"CREATE v1", "admission.k8s.io/v1", "CREATE", v.object, nil, expected[i]},
			{"UPDATE v1", "admission.k8s.io/v1", "UPDATE", v.object, v.object, expected[i]},
			{"CREATE v1beta1", "admission.k8s.io/v1beta1", "CREATE", v.object, nil, expected[i]},
			{"UPDATE of the instrumented object", "admission.k8s.io/v1", "UPDATE", expected[i], v.object, expected[i]},
			{"DELETE", "admission.k8s.io/v1", "DELETE", nil, v.object, nil},
		}
		for _, s := range steps {
			calls++
			res, err := c.review(s.apiVersion, s.op, s.object, s.old, ns)
			if err != nil {
				fail(v, s.what, err)
				continue
			}
			hasPatch := len(res.response.Patch) > 0
			if hasPatch {
				patched++
			}
			switch {
			case s.op == "DELETE" && hasPatch:
				fail(v, s.what, errors.New("a patch on DELETE"))
			case s.what == "UPDATE of the instrumented object" && hasPatch:
				fail(v, s.what, fmt.Errorf("not idempotent: patch %s", res.response.Patch))
			case s.want != nil && !jsonEqual(withoutFileRecord(res.patched), s.want):
				fail(v, s.what, fmt.Errorf("patched object differs from `traceassist instrument`: template annotations %v, CLI %v",
					templateAnnotations(res.patched), templateAnnotations(s.want)))
			case !v.isWork && hasPatch:
				fail(v, s.what, errors.New("a patch for an object that is not a workload"))
			}
		}
	}
	fmt.Printf("conformance: %d files, %d objects/variants (%d workload), %d reviews, %d patches applied, %d failures\n",
		files0, len(variants), workloads, calls, patched, failures)
	if failures > 0 {
		return fmt.Errorf("%d failures", failures)
	}
	return nil
}

// ---- latency, rotation, readiness ----

// typicalDeployment is a Deployment as the API server sends it on CREATE (defaulted, managedFields).
const typicalDeployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"cart","namespace":"shop",
"labels":{"app":"cart","app.kubernetes.io/part-of":"shop"},"annotations":{"deployment.kubernetes.io/revision":"1"},
"managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1",
"fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{}}}}}}]},
"spec":{"replicas":3,"selector":{"matchLabels":{"app":"cart"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},
"template":{"metadata":{"labels":{"app":"cart"}},"spec":{"containers":[{"name":"app","image":"eclipse-temurin:21-jre",
"command":["java","-jar","/app/cart.jar"],"ports":[{"containerPort":8080,"protocol":"TCP"}],
"env":[{"name":"SPRING_PROFILES_ACTIVE","value":"prod"},{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}],
"resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"250m","memory":"512Mi"}},
"livenessProbe":{"httpGet":{"path":"/actuator/health/liveness","port":8080,"scheme":"HTTP"},"periodSeconds":10},
"readinessProbe":{"httpGet":{"path":"/actuator/health/readiness","port":8080,"scheme":"HTTP"},"periodSeconds":10},
"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}}}}`

func compact(s string) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		fatalf("built-in object: %v", err)
	}
	return b.Bytes()
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func runLatency() error {
	c := newClient(true)
	obj := compact(typicalDeployment)
	durations := make([]time.Duration, 0, *flagN)
	conns, patches := 0, 0
	for i := 0; i < *flagN; i++ {
		start := time.Now()
		res, err := c.review("admission.k8s.io/v1", "CREATE", obj, nil, "shop")
		durations = append(durations, time.Since(start))
		if err != nil {
			return fmt.Errorf("review %d: %v", i+1, err)
		}
		if res.newConn {
			conns++
		}
		if len(res.response.Patch) > 0 {
			patches++
		}
	}
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	p99 := percentile(durations, 0.99)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("latency: %d sequential reviews over %d TLS connection(s): p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (%d patched)\n",
		len(durations), conns, ms(percentile(durations, 0.5)), ms(p99), ms(percentile(durations, 0.999)), ms(durations[len(durations)-1]), patches)
	if conns != 1 {
		return fmt.Errorf("%d connections were opened, want 1 (keep-alive limit too low?)", conns)
	}
	if patches != len(durations) {
		return fmt.Errorf("only %d of %d reviews were patched", patches, len(durations))
	}
	if p99 > *flagP99Max {
		return fmt.Errorf("p99 %.3f ms above %.3f ms", ms(p99), ms(*flagP99Max))
	}
	return nil
}

func runRate() error {
	interval := time.Second / time.Duration(*flagRate)
	total := int(*flagDuration / interval)
	obj := compact(typicalDeployment)
	jobs := make(chan time.Time, *flagConns)
	type outcome struct {
		latency time.Duration
		err     error
	}
	results := make(chan outcome, total)
	for w := 0; w < *flagConns; w++ {
		go func(c *client) {
			for scheduled := range jobs {
				_, err := c.review("admission.k8s.io/v1", "CREATE", obj, nil, "shop")
				results <- outcome{time.Since(scheduled), err}
			}
		}(newClient(true))
	}
	start := time.Now()
	go func() {
		for i := 0; i < total; i++ {
			scheduled := start.Add(time.Duration(i) * interval)
			time.Sleep(time.Until(scheduled))
			jobs <- scheduled
		}
		close(jobs)
	}()
	latencies := make([]time.Duration, 0, total)
	errs := 0
	for i := 0; i < total; i++ {
		r := <-results
		if r.err != nil {
			errs++
			if errs <= 5 {
				fmt.Fprintf(os.Stderr, "rate: %v\n", r.err)
			}
			continue
		}
		latencies = append(latencies, r.latency)
	}
	elapsed := time.Since(start)
	if len(latencies) == 0 {
		return fmt.Errorf("every review failed (%d)", errs)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p99 := percentile(latencies, 0.99)
	fmt.Printf("rate: %d reviews at %.0f/s over %d connections: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms, %d errors\n",
		total, float64(total)/elapsed.Seconds(), *flagConns, ms(percentile(latencies, 0.5)), ms(p99),
		ms(percentile(latencies, 0.999)), ms(latencies[len(latencies)-1]), errs)
	if errs > 0 {
		return fmt.Errorf("%d failed reviews", errs)
	}
	if p99 > *flagP99Max {
		return fmt.Errorf("p99 %.3f ms above %.3f ms", ms(p99), ms(*flagP99Max))
	}
	return nil
}

func runRotate() error {
	pemBytes, err := os.ReadFile(*flagExpectCert)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return fmt.Errorf("%s holds no PEM certificate", *flagExpectCert)
	}
	keepAlive, fresh := newClient(true), newClient(false)
	obj := compact(typicalDeployment)
	deadline := time.Now().Add(*flagTimeout)
	sent, failures, seenAfter, started := 0, 0, -1, false
	for seenAfter < *flagAfter {
		if time.Now().After(deadline) {
			return fmt.Errorf("no fresh connection presented the new certificate within %v (%d reviews, %d failures)", *flagTimeout, sent, failures)
		}
		for _, c := range []*client{keepAlive, fresh} {
			sent++
			res, err := c.review("admission.k8s.io/v1", "CREATE", obj, nil, "shop")
			if err != nil {
				failures++
				fmt.Fprintf(os.Stderr, "rotate: review %d failed: %v\n", sent, err)
				continue
			}
			if !started {
				started = true
				fmt.Println("rotate: sending") // the script waits for this before it swaps the files
			}
			if c == fresh && seenAfter < 0 && bytes.Equal(res.peerCert, block.Bytes) {
				seenAfter = 0
				fmt.Printf("rotate: new certificate seen on a fresh connection after %d reviews\n", sent)
			}
		}
		if seenAfter >= 0 {
			seenAfter++
		}
	}
	fmt.Printf("rotate: %d reviews, %d failures\n", sent, failures)
	if failures > 0 {
		return fmt.Errorf("%d failed reviews during rotation", failures)
	}
	return nil
}

func runWait() error {
	deadline := time.Now().Add(*flagTimeout)
	obj := compact(typicalDeployment)
	for {
		c := newClient(false)
		_, err := c.review("admission.k8s.io/v1", "CREATE", obj, nil, "shop")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %v: %v", *flagTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
