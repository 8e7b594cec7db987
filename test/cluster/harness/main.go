// Command harness is one multi-call binary holding the real Kubernetes programs the cluster tests
// need, each pinned by this module's go.mod: embedded etcd, kube-apiserver, kube-controller-manager
// and kubectl. It dispatches on the name it was started as (a symlink called kubectl) or on its
// first argument (harness kubectl get pods). "harness up" starts a whole cluster; see README.md.
//
// Helm 3's command lives in a main package that cannot be imported, so helm is built as its own
// binary from helm.sh/helm/v3/cmd/helm by build.sh.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata" // CronJob time zones, as the upstream mains import it

	// Pins the cert-manager module, whose deploy/crds the cluster installs (cert-manager never runs).
	_ "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage: harness COMMAND [ARGS]
  up [--dir DIR]             start etcd, kube-apiserver and kube-controller-manager; write DIR/kubeconfig
  etcd --data-dir DIR --port N   embedded etcd on 127.0.0.1
  kube-apiserver ARGS        the real kube-apiserver (v1.36)
  kube-controller-manager ARGS   the real kube-controller-manager
  kubectl ARGS               the real kubectl (also when started through a symlink named kubectl)
  yaml2json                  a YAML stream on stdin as a JSON array of its documents
  create-load --namespace NS [--count N]   N paused Deployments through client-go, one at a time
`)
}

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if name == "harness" || name == "cluster-harness" {
		if len(args) == 0 {
			usage()
			os.Exit(2)
		}
		name, args = args[0], args[1:]
		// The upstream commands read os.Args themselves (kubectl looks at it for -v and plugins).
		os.Args = append([]string{name}, args...)
	}
	switch name {
	case "kubectl":
		// As k8s.io/kubernetes/cmd/kubectl does.
		logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) // nolint:errcheck
		command := kubectlcmd.NewDefaultKubectlCommand()
		if err := cli.RunNoErrOutput(command); err != nil {
			kubectlutil.CheckErr(err)
		}
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "etcd":
		os.Exit(runEtcd(args))
	case "up":
		os.Exit(runUp(args))
	case "yaml2json":
		os.Exit(runYAMLToJSON())
	case "create-load":
		os.Exit(runCreateLoad(args))
	case "-h", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "harness: unknown command %q\n", name)
		usage()
		os.Exit(2)
	}
}
