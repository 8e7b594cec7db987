// Which file an image starts (ProgramCandidates): what --inspect-layers looks for. Each case is a
// config written for it.
#include "image_program.h"

#include <catch2/catch.hpp>

#include "traceassist/instrument/image_facts.h"

using namespace traceassist::instrument;
using Paths = std::vector<std::string>;

namespace {

ImageFacts Facts(Words entrypoint, Words cmd, std::vector<std::string> env = {},
                 std::string working_dir = {}) {
  ImageFacts f;
  f.reference = "registry.example/app:1";
  f.entrypoint = std::move(entrypoint);
  f.cmd = std::move(cmd);
  f.env = std::move(env);
  f.working_dir = std::move(working_dir);
  return f;
}

}  // namespace

TEST_CASE("an absolute entrypoint is its own path, past wrappers", "[image_program]") {
  CHECK(ProgramCandidates(Facts({"/srv/orders"}, {})) == Paths{"/srv/orders"});
  CHECK(ProgramCandidates(Facts({"/sbin/tini", "--"}, {"/app/./bin/../server", "-v"})) ==
        Paths{"/app/server"});
  CHECK(ProgramCandidates(Facts({}, {"/usr/local/bin/api"})) == Paths{"/usr/local/bin/api"});
  // An exec-form utility is still the program started (its binary can be inspected).
  CHECK(ProgramCandidates(Facts({"/bin/sleep", "infinity"}, {})) == Paths{"/bin/sleep"});
  CHECK(ProgramCandidates(Facts({}, {})).empty());
}

TEST_CASE("a relative path is taken from WorkingDir", "[image_program]") {
  CHECK(ProgramCandidates(Facts({"./server"}, {}, {}, "/app")) == Paths{"/app/server"});
  CHECK(ProgramCandidates(Facts({"bin/run"}, {})) == Paths{"/bin/run"});
}

TEST_CASE("a bare name is looked up on the config's PATH, else Docker's", "[image_program]") {
  CHECK(ProgramCandidates(Facts({"node", "server.js"}, {}, {"PATH=/opt/node/bin:/usr/bin"})) ==
        Paths{"/opt/node/bin/node", "/usr/bin/node"});
  const Paths fallback = ProgramCandidates(Facts({"api"}, {}));
  REQUIRE(fallback.size() == 6);
  CHECK(fallback.front() == "/usr/local/sbin/api");
  CHECK(fallback.back() == "/bin/api");
}

TEST_CASE("a shell script's program is found after cd, with $VAR expanded from Env",
          "[image_program]") {
  const ImageFacts f = Facts({"/bin/sh", "-c", "cd /opt/svc && exec $SVC_NAME --port 80"}, {},
                             {"PATH=/usr/local/bin:/usr/bin", "SVC_NAME=catalog"});
  CHECK(ProgramCandidates(f) == Paths{"/usr/local/bin/catalog", "/usr/bin/catalog"});
  // A relative path in the script is taken from the cd, and ${VAR} with braces too.
  CHECK(ProgramCandidates(Facts({"sh", "-ec", "echo starting; cd /srv; ./${APP}"}, {},
                                {"APP=billing"})) == Paths{"/srv/billing"});
  // Only builtins and utilities: nothing is started.
  CHECK(ProgramCandidates(Facts({"/bin/sh", "-c", "sleep 3600"}, {})).empty());
  // A shell with no script starts nothing we can name.
  CHECK(ProgramCandidates(Facts({"/bin/bash"}, {})).empty());
}

TEST_CASE("variables expand as a shell expands them", "[image_program]") {
  const std::vector<std::string> env = {"A=1", "EMPTY=", "PATHX=p"};
  CHECK(ExpandVariables("$A-${A}", env) == "1-1");
  CHECK(ExpandVariables("${MISSING:-10} ${EMPTY:-d} ${EMPTY-d} ${MISSING-d}", env) == "10 d  d");
  CHECK(ExpandVariables("$PATH $PATHX $1 $ {x", env) == " p $1 $ {x");
  CHECK(ExpandVariables("${unterminated", env) == "${unterminated");
}

TEST_CASE("a manifest's command and args replace Entrypoint and Cmd as Kubernetes does",
          "[image_program]") {
  const ImageFacts f = Facts({"/entry"}, {"default"});
  CHECK(EffectiveArgv(f, {}, {}) == Words{"/entry", "default"});
  CHECK(EffectiveArgv(f, {}, {"--flag"}) == Words{"/entry", "--flag"});
  CHECK(EffectiveArgv(f, {"/other"}, {}) == Words{"/other"});
  CHECK(EffectiveArgv(f, {"/other"}, {"x"}) == Words{"/other", "x"});
}
