package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// runYAMLToJSON reads a YAML stream on stdin and prints its non-empty documents as one JSON array,
// so that test scripts can compare manifests with jq. Returns the exit code.
func runYAMLToJSON() int {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	docs := []json.RawMessage{}
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "yaml2json: %v\n", err)
			return 1
		}
		converted, err := yaml.YAMLToJSON(doc)
		if err != nil {
			fmt.Fprintf(os.Stderr, "yaml2json: %v\n", err)
			return 1
		}
		if string(converted) != "null" {
			docs = append(docs, converted)
		}
	}
	out, _ := json.Marshal(docs)
	fmt.Println(string(out))
	return 0
}

// runCreateLoad creates --count paused Deployments with no replicas (so no controller adds
// ReplicaSets or Pods: every admission call is one of ours) one after another through client-go,
// and prints the client-side latency quantiles. Returns the exit code.
func runCreateLoad(args []string) int {
	flags := flag.NewFlagSet("create-load", flag.ContinueOnError)
	kubeconfig := flags.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig")
	namespace := flags.String("namespace", "", "namespace (must exist)")
	count := flags.Int("count", 1000, "objects to create")
	prefix := flags.String("prefix", "load", "object name prefix")
	image := flags.String("image", "node:20-slim", "container image")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "create-load: %v\n", err)
		return 1
	}
	// One client, no client-side throttling: the API server and the webhook set the pace.
	config.QPS, config.Burst = -1, 0
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "create-load: %v\n", err)
		return 1
	}
	zero := int32(0)
	latencies := make([]time.Duration, 0, *count)
	start := time.Now()
	for i := 0; i < *count; i++ {
		labels := map[string]string{"app": fmt.Sprintf("%s-%d", *prefix, i)}
		deployment := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", *prefix, i)},
			Spec: appsv1.DeploymentSpec{
				Replicas: &zero, Paused: true,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name: "web", Image: *image, Command: []string{"node", "server.js"}}}},
				},
			},
		}
		t := time.Now()
		_, err := client.AppsV1().Deployments(*namespace).Create(context.Background(), deployment, metav1.CreateOptions{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "create-load: create %d: %v\n", i, err)
			return 1
		}
		latencies = append(latencies, time.Since(t))
	}
	total := time.Since(start)
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	q := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	fmt.Printf("create-load: %d creates in %.1f s; client latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		*count, total.Seconds(), ms(q(0.5)), ms(q(0.99)), ms(latencies[len(latencies)-1]))
	return 0
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
