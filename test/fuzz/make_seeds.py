"""Writes seed inputs for the JSON fuzz targets into a directory, built from the repository's
manifest fixtures at run time (nothing is copied into the repository):
  request:   POST /workflow/instrument bodies wrapping every YAML/JSON fixture, with and without options;
  admission: AdmissionReviews (v1 and v1beta1; CREATE, UPDATE, DELETE, dry run) around JSON objects.
Usage: python3 make_seeds.py request|admission OUT_DIR FIXTURE...
"""
import json
import os
import sys

target, out, fixtures = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(out, exist_ok=True)


def write(name, obj):
    with open(os.path.join(out, name), "w") as f:
        json.dump(obj, f)


if target == "request":
    options = [None, {"language": "java", "diff": True}, {"instrumentation": "obs/default", "enable_go": True,
                                                           "container_languages": {"app": "python"}}]
    for i, path in enumerate(fixtures):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        body = {"manifest_content": text, "deployment_name": "web", "client_repo": "org/repo"}
        if options[i % 3]:
            body["options"] = options[i % 3]
        write(f"request-{i}.json", body)
else:
    container = {"name": "app", "image": "eclipse-temurin:21-jre", "env": [{"name": "JAVA_TOOL_OPTIONS", "value": "-X"}]}
    objects = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
         "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-", "annotations": {"a": "b"}},
         "spec": {"containers": [{"name": "py", "image": "python:3.12-alpine"}, {"name": "istio-proxy",
                                                                               "image": "istio/proxyv2"}],
                  "initContainers": [{"name": "init", "image": "busybox"}]}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
         "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
             {"name": "job", "image": "node:20", "command": ["node", "job.js"]}]}}}}}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "go"},
         "spec": {"template": {"metadata": {"annotations": {"traceassist.io/managed": "inject-java",
                                                            "instrumentation.opentelemetry.io/inject-java": "true"}},
                               "spec": {"containers": [{"name": "svc", "image": "golang:1.22",
                                                        "command": ["/app/svc"]}]}}}},
    ]
    for path in fixtures:
        if path.endswith(".json"):
            try:
                with open(path) as f:
                    objects.append(json.load(f))
            except ValueError:
                pass
    n = 0
    for obj in objects:
        for version in ("admission.k8s.io/v1", "admission.k8s.io/v1beta1"):
            for operation, dry in (("CREATE", False), ("UPDATE", False), ("CREATE", True), ("DELETE", False)):
                kind = obj.get("kind", "Pod") if isinstance(obj, dict) else "Pod"
                request = {"uid": f"uid-{n}", "kind": {"group": "apps", "version": "v1", "kind": kind},
                           "resource": {"group": "apps", "version": "v1", "resource": kind.lower() + "s"},
                           "namespace": "shop", "operation": operation, "dryRun": dry,
                           "userInfo": {"username": "fuzz"}, "object": obj}
                if operation == "UPDATE":
                    request["oldObject"] = obj
                write(f"review-{n}.json", {"apiVersion": version, "kind": "AdmissionReview", "request": request})
                n += 1
