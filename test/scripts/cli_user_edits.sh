# A value TraceAssist wrote and the user edited by hand is the user's from then on (issue 18 item 7):
# instrument does not overwrite it, uninstrument keeps it and says so; unedited values round-trip.
source "$(dirname "$0")/lib/cli_common.bash"

write_java_deployment "$WORK/app.yaml" cart
cp "$WORK/app.yaml" "$WORK/original.yaml"
run "$TA" instrument -i "$WORK/app.yaml"
expect_rc 0 "instrument -i"
expect_grep "$WORK/app.yaml" "traceassist.io/managed: 'inject-java,container-names,digests=[0-9a-f]{8}\.[0-9a-f]{8}'" \
  "the marker records a digest per value written"

# Unedited: uninstrument gives back the original bytes.
run "$TA" uninstrument "$WORK/app.yaml"
expect_rc 0 "uninstrument of an unedited file"
cmp -s "$WORK/out" "$WORK/original.yaml" && pass "unedited: the original bytes come back" ||
  fail "unedited: uninstrument differs from the original: $(diff "$WORK/original.yaml" "$WORK/out" | head -c 400)"

# The user points the workload at another Instrumentation by hand.
sed -i "s|inject-java: 'true'|inject-java: 'observability/java'|" "$WORK/app.yaml"
cp "$WORK/app.yaml" "$WORK/edited.yaml"
run "$TA" instrument "$WORK/app.yaml"
expect_rc 0 "instrument over the edited value"
cmp -s "$WORK/out" "$WORK/edited.yaml" && pass "instrument leaves the edited template as it is" ||
  fail "instrument changed the edited template: $(diff "$WORK/edited.yaml" "$WORK/out" | head -c 400)"
expect_grep "$WORK/err" 'deployment/cart skipped \(already_configured\)' "the report says the template is skipped"
expect_grep "$WORK/err" 'warning: deployment/cart instrumentation.opentelemetry.io/inject-java was edited by hand' \
  "the report names the edited key"
run "$TA" instrument --check "$WORK/app.yaml"
expect_rc 0 "--check passes: nothing to change"

run "$TA" uninstrument -i -o json "$WORK/app.yaml"
expect_rc 0 "uninstrument -i over the edited value"
expect_grep "$WORK/app.yaml" "^        instrumentation.opentelemetry.io/inject-java: 'observability/java'$" "the edited value is kept"
if grep -Eq 'container-names|traceassist.io/managed' "$WORK/app.yaml"; then
  fail "uninstrument left TraceAssist's own keys: $(grep -E 'container-names|managed' "$WORK/app.yaml")"
else
  pass "uninstrument removed the values TraceAssist still owned and the marker"
fi
jq -e '.objects[0].status == "uninstrumented" and
       (.objects[0].annotations_removed | index("instrumentation.opentelemetry.io/inject-java") | not) and
       any(.warnings[]; .code == "already_configured" and (.message | test("inject-java was edited by hand.*kept")))' \
  "$WORK/err" >/dev/null && pass "the JSON report says the edited value was kept" ||
  fail "JSON report: $(head -c 600 "$WORK/err")"

# From then on the value is plainly the user's: instrument leaves the template alone.
cp "$WORK/app.yaml" "$WORK/kept.yaml"
run "$TA" instrument "$WORK/app.yaml"
expect_rc 0 "instrument after uninstrument"
cmp -s "$WORK/out" "$WORK/kept.yaml" && pass "the user's value is never overwritten" ||
  fail "instrument changed the user's template: $(diff "$WORK/kept.yaml" "$WORK/out" | head -c 400)"
finish
