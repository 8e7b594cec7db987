// In-process handler time per AdmissionReview (no network): the figure bench/webhook-load reports
// next to the wrk runs. Hidden ([.bench]): not part of ctest; run as
//   build/test/test_webhook "[.bench]"
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "traceassist/webhook/admission.h"

namespace {

// A Deployment as the API server sends it on CREATE: defaulted fields and managedFields included.
constexpr const char* kTypicalReview =
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
"request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","kind":{"group":"apps","version":"v1","kind":"Deployment"},
"resource":{"group":"apps","version":"v1","resource":"deployments"},"namespace":"shop","operation":"CREATE",
"userInfo":{"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]},"dryRun":false,
"object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"cart","namespace":"shop",
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
"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}}}}}})";

}  // namespace

TEST_CASE("handler time per review", "[.bench]") {
  const std::string body = kTypicalReview;
  const traceassist::webhook::AdmissionPolicy policy;
  REQUIRE(traceassist::webhook::HandleAdmission(body, policy).outcome == "patched");
  for (int i = 0; i < 2000; ++i) traceassist::webhook::HandleAdmission(body, policy);  // warm-up

  constexpr int kRuns = 20000;
  std::vector<double> micros;
  micros.reserve(kRuns);
  for (int i = 0; i < kRuns; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto out = traceassist::webhook::HandleAdmission(body, policy);
    const auto end = std::chrono::steady_clock::now();
    REQUIRE(out.http_status == 200);
    micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<std::size_t>(q * (micros.size() - 1))]; };
  std::printf(
      "handler: %d reviews of a %zu-byte Deployment, median %.1f us, p99 %.1f us, max %.1f us\n",
      kRuns, body.size(), at(0.5), at(0.99), micros.back());
  CHECK(at(0.5) <= 100.0);
}
