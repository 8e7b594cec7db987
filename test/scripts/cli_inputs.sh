# Input handling: stdin as '-' and with no argument, directories (recursive *.yaml/*.yml/*.json only),
# several inputs joined into one multi-document stream.
source "$(dirname "$0")/lib/cli_common.bash"

write_java_deployment "$WORK/one.yaml" one
write_java_deployment "$WORK/two.yaml" two

run "$TA" instrument "$WORK/one.yaml"; cp "$WORK/out" "$WORK/one.out"
expect_rc 0 "instrument a file"
run "$TA" instrument - <"$WORK/one.yaml"
expect_rc 0 "instrument stdin given as -"
cmp -s "$WORK/out" "$WORK/one.out" && pass "stdin '-' gives the same bytes as the file" || fail "stdin '-' output differs"
run "$TA" instrument <"$WORK/one.yaml"
expect_rc 0 "instrument stdin with no argument"
cmp -s "$WORK/out" "$WORK/one.out" && pass "stdin (no argument) gives the same bytes as the file" || fail "stdin (no argument) output differs"

# Several files: one stream holding both results, in argument order.
run "$TA" instrument "$WORK/one.yaml" "$WORK/two.yaml"
expect_rc 0 "instrument two files"
cp "$WORK/out" "$WORK/joined.yaml"
run "$TA" detect --format json "$WORK/joined.yaml"
expect_rc 0 "the joined output parses"
names=$(jq -r '[.objects[].name] | join(",")' "$WORK/out")
[[ "$names" == "one,two" ]] && pass "joined stream holds one then two" || fail "joined stream objects: $names"
count=$(grep -c 'instrumentation.opentelemetry.io/inject-java' "$WORK/joined.yaml")
[[ "$count" == 2 ]] && pass "both documents instrumented in the joined stream" || fail "inject-java count $count"
# A file without a final newline must not glue onto the next document.
printf '%s' "$(cat "$WORK/one.yaml")" >"$WORK/nonl.yaml"
run "$TA" instrument "$WORK/nonl.yaml" "$WORK/two.yaml"
expect_rc 0 "instrument a file without final newline followed by another"
cp "$WORK/out" "$WORK/joined2.yaml"
run "$TA" detect --format json - <"$WORK/joined2.yaml"
names=$(jq -r '[.objects[].name] | join(",")' "$WORK/out")
[[ "$names" == "one,two" ]] && pass "no-final-newline file joins cleanly" || fail "objects after join: $names"

# Directories: recursive, only *.yaml, *.yml, *.json.
mkdir -p "$WORK/tree/a/b" "$WORK/tree/c"
write_java_deployment "$WORK/tree/top.yaml" top
write_java_deployment "$WORK/tree/a/b/deep.yml" deep
cat >"$WORK/tree/c/api.json" <<'JSON'
{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "jsonapp"},
 "spec": {"template": {"spec": {"containers": [{"name": "jsonapp", "image": "node:20"}]}}}}
JSON
write_java_deployment "$WORK/tree/c/notes.txt" ignored-txt
write_java_deployment "$WORK/tree/a/README.md" ignored-md
run "$TA" detect --format json "$WORK/tree"
expect_rc 0 "detect over a directory"
names=$(jq -r '[.objects[].name] | sort | join(",")' "$WORK/out")
[[ "$names" == "deep,jsonapp,top" ]] && pass "directory walk finds .yaml/.yml/.json recursively and nothing else" || fail "directory objects: $names"
run "$TA" instrument "$WORK/tree"
expect_rc 0 "instrument a directory to stdout"
count=$(grep -c 'instrumentation.opentelemetry.io/inject-' "$WORK/out")
[[ "$count" == 3 ]] && pass "directory output instruments all three" || fail "inject count $count in directory output"
grep -q ignored "$WORK/out" && fail "ignored files appear in the output" || pass "non-manifest files are not read"
run "$TA" instrument --check "$WORK/tree"
expect_rc 3 "--check over a directory"

# A stream large enough to be cut into pieces rewritten on several threads (>= 64 KiB): every
# document instrumented, only lines added, and an error's document and line counted from the start.
for i in $(seq 1 600); do
  write_java_deployment "$WORK/doc.yaml" "svc-$i"
  echo "---"
  cat "$WORK/doc.yaml"
done >"$WORK/stream.yaml"
run "$TA" instrument "$WORK/stream.yaml"
expect_rc 0 "instrument a $(($(wc -c <"$WORK/stream.yaml") / 1024)) KiB stream"
count=$(grep -c 'instrumentation.opentelemetry.io/inject-java' "$WORK/out")
[[ "$count" == 600 ]] && pass "all 600 documents of the large stream instrumented" || fail "inject-java count $count of 600"
removed=$(diff "$WORK/stream.yaml" "$WORK/out" | grep -c '^<' || true)
[[ "$removed" == 0 ]] && pass "the large stream's diff only adds lines" || fail "$removed lines removed or changed"
awk '/name: svc-577$/ && !done { print "  bad: [unclosed"; done = 1 } { print }' "$WORK/stream.yaml" >"$WORK/stream-bad.yaml"
line=$(grep -n 'bad: \[unclosed' "$WORK/stream-bad.yaml" | cut -d: -f1)
run "$TA" instrument "$WORK/stream-bad.yaml"
expect_rc 1 "a large stream with an error in document 577"
expect_grep "$WORK/err" '[Dd]ocument 577\b' "the error names document 577"
expect_grep "$WORK/err" "[Ll]ine $((line + 1))\\b|[Ll]ine $line\\b" "the error names line $line (or the next), counted from the stream's start"

finish
