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
finish
