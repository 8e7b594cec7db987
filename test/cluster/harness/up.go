package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Controllers the cluster tests need. serviceaccount and serviceaccount-token: the ServiceAccount
// admission plugin refuses Pods in a namespace without its default ServiceAccount; namespace and
// garbage-collector: namespace deletion and helm uninstall clean up what owners leave behind.
var controllers = []string{
	"deployment-controller", "replicaset-controller", "statefulset-controller",
	"daemonset-controller", "job-controller", "cronjob-controller", "serviceaccount-controller",
	"serviceaccount-token-controller", "namespace-controller", "garbage-collector-controller",
}

type child struct {
	name string
	cmd  *exec.Cmd
	done chan error
}

// runUp starts etcd, kube-apiserver and kube-controller-manager as children of this process (each
// is this binary started with another command), writes DIR/kubeconfig, installs the CRDs of
// --crds, writes DIR/ready and waits: SIGINT or SIGTERM stops the children; a child that dies
// stops the rest and makes the exit code 1.
func runUp(args []string) int {
	flags := flag.NewFlagSet("up", flag.ContinueOnError)
	dir := flags.String("dir", "", "state directory: keys, kubeconfig, logs, etcd data (required)")
	crds := flags.String("crds", "", "a directory of CustomResourceDefinition manifests to install")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "up: --dir is required")
		return 2
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		fmt.Fprintf(os.Stderr, "up: %v\n", err)
		return 1
	}
	os.Remove(filepath.Join(*dir, "ready"))
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "up: %v\n", err)
		return 1
	}
	var children []*child
	stopAll := func() {
		for i := len(children) - 1; i >= 0; i-- {
			c := children[i]
			c.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-c.done:
			case <-time.After(15 * time.Second):
				c.cmd.Process.Kill()
				<-c.done
			}
		}
	}
	start := func(name string, args ...string) (*child, error) {
		logFile, err := os.Create(filepath.Join(*dir, name+".log"))
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(self, append([]string{name}, args...)...)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		// Children die with this process even if it is killed with SIGKILL.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			logFile.Close()
			return nil, err
		}
		c := &child{name: name, cmd: cmd, done: make(chan error, 1)}
		go func() { c.done <- cmd.Wait(); logFile.Close() }()
		children = append(children, c)
		return c, nil
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "up: "+format+"\n", a...)
		stopAll()
		return 1
	}

	st, err := writeClusterFiles(*dir)
	if err != nil {
		return fail("%v", err)
	}
	ports, err := freePorts(5)
	if err != nil {
		return fail("%v", err)
	}
	// Tracing on, every request sampled, spans exported to a loopback port nothing listens on: the API
	// server then sends a W3C traceparent to webhooks, as a traced cluster does (scenarios/telemetry.sh).
	tracing := fmt.Sprintf("apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\n"+
		"endpoint: 127.0.0.1:%d\nsamplingRatePerMillion: 1000000\n", ports[4])
	if err := os.WriteFile(st.path("tracing.yaml"), []byte(tracing), 0o600); err != nil {
		return fail("%v", err)
	}
	etcdPort, apiPort := ports[0], ports[2]
	if _, err := start("etcd", "--data-dir", filepath.Join(*dir, "etcd"),
		"--port", fmt.Sprint(etcdPort), "--peer-port", fmt.Sprint(ports[1])); err != nil {
		return fail("etcd: %v", err)
	}
	if _, err := start("kube-apiserver",
		"--etcd-servers", fmt.Sprintf("http://127.0.0.1:%d", etcdPort),
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(apiPort),
		"--tls-cert-file", st.path("apiserver.crt"), "--tls-private-key-file", st.path("apiserver.key"),
		"--client-ca-file", st.path("ca.crt"),
		"--token-auth-file", st.path("tokens.csv"),
		"--authorization-mode", "Node,RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", st.path("sa.pub"),
		"--service-account-signing-key-file", st.path("sa.key"),
		"--service-cluster-ip-range", "10.0.0.0/24",
		// Webhooks by Service reach an endpoint of the Service's EndpointSlices, not its ClusterIP
		// (there is no Service network here): scenarios/namespace_overlay.sh.
		"--enable-aggregator-routing=true",
		"--allow-privileged", "--profiling=false",
		"--tracing-config-file", st.path("tracing.yaml"),
		"--v", "1"); err != nil {
		return fail("kube-apiserver: %v", err)
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	if err := writeKubeconfig(st.path("kubeconfig"), server, st.path("ca.crt"), st.token); err != nil {
		return fail("%v", err)
	}
	if err := waitReady(server+"/readyz", st, children, 180*time.Second); err != nil {
		return fail("kube-apiserver not ready: %v (see %s)", err, st.path("kube-apiserver.log"))
	}
	if _, err := start("kube-controller-manager",
		"--kubeconfig", st.path("kubeconfig"),
		"--authentication-kubeconfig", st.path("kubeconfig"),
		"--authorization-kubeconfig", st.path("kubeconfig"),
		"--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(ports[3]),
		"--controllers", strings.Join(controllers, ","),
		"--service-account-private-key-file", st.path("sa.key"),
		"--root-ca-file", st.path("ca.crt"),
		"--leader-elect=false", "--profiling=false",
		// Tests watch what controllers create: resync and GC quickly.
		"--concurrent-gc-syncs", "5", "--v", "1"); err != nil {
		return fail("kube-controller-manager: %v", err)
	}
	kubectl := func(args ...string) error {
		cmd := exec.Command(self, append([]string{"kubectl", "--kubeconfig", st.path("kubeconfig")}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	// The serviceaccount controller creates "default" in every namespace: proof the controllers run.
	deadline := time.Now().Add(120 * time.Second)
	for kubectl("get", "serviceaccount", "default", "-n", "default") != nil {
		if time.Now().After(deadline) {
			return fail("kube-controller-manager: no default ServiceAccount after 120 s (see %s)",
				st.path("kube-controller-manager.log"))
		}
		if err := exited(children); err != nil {
			return fail("%v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if *crds != "" {
		if err := kubectl("apply", "--server-side", "-f", *crds); err != nil {
			return fail("installing CRDs: %v", err)
		}
		if err := kubectl("wait", "--for", "condition=established", "--timeout", "60s", "crd", "--all"); err != nil {
			return fail("CRDs: %v", err)
		}
	}
	if err := os.WriteFile(st.path("ready"), []byte(server+"\n"), 0o600); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(os.Stderr, "up: cluster ready at %s\nexport KUBECONFIG=%s\n", server, st.path("kubeconfig"))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			os.Remove(st.path("ready"))
			stopAll()
			return 0
		case <-ticker.C:
			if err := exited(children); err != nil {
				os.Remove(st.path("ready"))
				return fail("%v", err)
			}
		}
	}
}

func exited(children []*child) error {
	for _, c := range children {
		select {
		case err := <-c.done:
			c.done <- err
			return fmt.Errorf("%s exited: %v (see its log)", c.name, err)
		default:
		}
	}
	return nil
}

type stateDir struct {
	dir   string
	token string
}

func (s stateDir) path(name string) string { return filepath.Join(s.dir, name) }

// writeClusterFiles makes a CA, the API server's serving certificate (127.0.0.1, localhost, and
// the in-cluster names), the service-account signing key and an admin token (system:masters).
func writeClusterFiles(dir string) (stateDir, error) {
	st := stateDir{dir: dir}
	tokenBytes := make([]byte, 24)
	if _, err := rand.Read(tokenBytes); err != nil {
		return st, err
	}
	st.token = hex.EncodeToString(tokenBytes)
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return st, err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "traceassist-test-cluster-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return st, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	serverKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return st, err
	}
	serverTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, serverTemplate, caCert, &serverKey.PublicKey, caKey)
	if err != nil {
		return st, err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return st, err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return st, err
	}
	files := map[string][]byte{
		"ca.crt":        pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		"apiserver.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverDER}),
		"apiserver.key": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(serverKey)}),
		"sa.key":        pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}),
		"sa.pub":        pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}),
		"tokens.csv":    []byte(st.token + ",admin,admin,system:masters\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(st.path(name), data, 0o600); err != nil {
			return st, err
		}
	}
	return st, nil
}

func writeKubeconfig(path, server, caFile, token string) error {
	return os.WriteFile(path, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: harness
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: harness
  context:
    cluster: harness
    user: admin
current-context: harness
`, server, caFile, token)), 0o600)
}

func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitReady(url string, st stateDir, children []*child, timeout time.Duration) error {
	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(st.path("ca.crt"))
	if err != nil {
		return err
	}
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error = errors.New("no answer")
	for ctx.Err() == nil {
		if err := exited(children); err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+st.token)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
		} else {
			last = err
		}
		time.Sleep(250 * time.Millisecond)
	}
	return last
}
