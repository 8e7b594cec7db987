# Hostile and broken input: a clear error naming file, document, line and column, exit 1, no crash,
# no partial output, and quick.
source "$(dirname "$0")/lib/cli_common.bash"

# check_error NAME FILE [LINE]: exit 1 within 10 s, stderr names the file, a document, a line, a column.
check_error() {
  local name=$1 file=$2 line=${3:-}
  local start=$SECONDS
  run timeout 10 "$TA" instrument "$file"
  expect_rc 1 "$name"
  expect_grep "$WORK/err" "$(basename "$file" | sed 's/\./\\./g')" "$name: error names the file"
  expect_grep "$WORK/err" '[Dd]ocument [0-9]+' "$name: error names the document"
  if [[ -n "$line" ]]; then
    expect_grep "$WORK/err" "[Ll]ine $line\\b" "$name: error names line $line"
  else
    expect_grep "$WORK/err" '[Ll]ine [0-9]+' "$name: error names a line"
  fi
  expect_grep "$WORK/err" '[Cc]olumn [0-9]+' "$name: error names a column"
  [[ ! -s "$WORK/out" ]] && pass "$name: no partial output" || fail "$name: wrote $(wc -c <"$WORK/out") bytes to stdout"
  (( SECONDS - start <= 5 )) || fail "$name: took $((SECONDS - start)) s"
}

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [a, b\n' >"$WORK/unclosed.yaml"
check_error "unclosed flow sequence" "$WORK/unclosed.yaml"

printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n\tname: tabs\n' >"$WORK/tabs.yaml"
check_error "tab indentation" "$WORK/tabs.yaml" 4

cat >"$WORK/helm.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
spec:
  template:
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
YAML
check_error "Helm template" "$WORK/helm.yaml" 4
grep -qi 'helm\|template' "$WORK/err" && pass "Helm error mentions templates" || fail "Helm error does not say it is a template: $(cat "$WORK/err")"

printf 'apiVersion: apps/v1\nkind: Deployment\n{{- if .Values.enabled }}\nmetadata:\n  name: x\n{{- end }}\n' >"$WORK/helm-control.yaml"
check_error "Helm control structure" "$WORK/helm-control.yaml" 3

write_java_deployment "$WORK/full.yaml" cut
printf -- '---\n' >"$WORK/truncated.yaml"
cat "$WORK/full.yaml" >>"$WORK/truncated.yaml"
printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cut2\nspec:\n  template:\n    spec:\n      containers:\n        - name: x\n          image: "eclipse-temurin:21-j' >>"$WORK/truncated.yaml"
check_error "truncated second document (inside a quoted scalar)" "$WORK/truncated.yaml" 28
expect_grep "$WORK/err" '[Dd]ocument 2' "truncated: error is in document 2"
# yaml-cpp 0.7 accepts an unterminated quoted scalar when a newline follows it; the file is still cut.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "unterminated\n' >"$WORK/truncated-nl.yaml"
check_error "truncated file ending inside a quoted scalar plus newline" "$WORK/truncated-nl.yaml" 4
printf 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: node:20}, {name: b,' >"$WORK/truncated-flow.yaml"
check_error "truncated inside a flow sequence" "$WORK/truncated-flow.yaml"

head -c 3000 /dev/urandom >"$WORK/binary.yaml"
printf '\x00\x01\x02\xff\xfe' >>"$WORK/binary.yaml"
run timeout 10 "$TA" instrument "$WORK/binary.yaml"
expect_rc 1 "binary data"
expect_grep "$WORK/err" 'binary\.yaml' "binary data: error names the file"

head -c 10000 /dev/zero | tr '\0' '[' >"$WORK/deep.yaml"
check_error "10,000 nested [" "$WORK/deep.yaml" 1
{ printf 'a:\n'; for i in $(seq 1 1000); do printf '%*s- \n' $((i * 2)) ''; done; } >"$WORK/deep-block.yaml"
run timeout 10 "$TA" instrument "$WORK/deep-block.yaml"
[[ "$RC" == 0 || "$RC" == 1 ]] && pass "deep block nesting: exit $RC, no crash" || fail "deep block nesting: exit $RC"
head -c 100000 /dev/zero | tr '\0' '{' >"$WORK/deep-map.yaml"
run timeout 10 "$TA" instrument "$WORK/deep-map.yaml"
expect_rc 1 "100,000 nested {"

# Alias bombs: aliases are never expanded, so either a clear error or the bytes untouched, quickly.
laughs() {  # laughs KIND-HEADER: 9 levels of 9 aliases (9^9 nodes if expanded)
  printf '%s\n' "$1"
  printf '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
  local prev=a
  for level in b c d e f g h i; do
    printf '  %s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' $level $level $prev $prev $prev $prev $prev $prev $prev $prev $prev
    prev=$level
  done
}
laughs $'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:' >"$WORK/laughs.yaml"
{ laughs $'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: lol\nx-bomb:'
  printf 'spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: node:20\n          args: *i\n          env: [{name: A, value: *i}]\n'
} >"$WORK/laughs-workload.yaml"
for bomb in laughs laughs-workload; do
  start=$SECONDS
  run timeout 10 "$TA" instrument "$WORK/$bomb.yaml"
  if [[ "$RC" == 1 ]]; then
    expect_grep "$WORK/err" "$bomb\\.yaml.*[Ll]ine [0-9]+" "$bomb: rejected naming file and line"
  elif [[ "$RC" == 0 ]]; then
    pass "$bomb: accepted without expanding the aliases"
  else
    fail "$bomb: exit $RC (crash or timeout)"
  fi
  (( SECONDS - start <= 5 )) || fail "$bomb: took $((SECONDS - start)) s"
done
cmp -s <("$TA" instrument "$WORK/laughs.yaml" 2>/dev/null || cat "$WORK/laughs.yaml") "$WORK/laughs.yaml" \
  && pass "alias bomb in a ConfigMap: bytes untouched (or rejected)" || fail "alias bomb in a ConfigMap: output differs from the input"

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loop\ndata: &d {self: *d}\n' >"$WORK/self-alias.yaml"
run timeout 10 "$TA" instrument "$WORK/self-alias.yaml"
[[ "$RC" == 0 || "$RC" == 1 ]] && pass "self-referencing alias: exit $RC, no crash or hang" || fail "self-referencing alias: exit $RC"

printf 'kind: Deployment\nmetadata: {name: x}\nspec: *undefined\n' >"$WORK/undefined-alias.yaml"
check_error "undefined alias" "$WORK/undefined-alias.yaml" 3

# Errors from stdin name it as such.
run "$TA" instrument - <"$WORK/unclosed.yaml"
expect_rc 1 "invalid YAML on stdin"
expect_grep "$WORK/err" '[Ll]ine [0-9]+' "stdin error names a line"
finish
