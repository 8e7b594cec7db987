# `instrument -i`: atomic in-place rewrites (temp file + rename) keeping permissions; a file that
# fails is named and left untouched.
source "$(dirname "$0")/lib/cli_common.bash"

mkdir -p "$WORK/k8s"
write_java_deployment "$WORK/k8s/app.yaml" app
chmod 640 "$WORK/k8s/app.yaml"
run "$TA" instrument "$WORK/k8s/app.yaml"; cp "$WORK/out" "$WORK/expected.yaml"
inode_before=$(stat -c %i "$WORK/k8s/app.yaml")

run "$TA" instrument -i "$WORK/k8s/app.yaml"
expect_rc 0 "instrument -i"
cmp -s "$WORK/k8s/app.yaml" "$WORK/expected.yaml" && pass "-i writes what stdout mode prints" || fail "-i result differs from stdout mode"
[[ ! -s "$WORK/out" ]] && pass "-i prints no YAML to stdout" || fail "-i printed YAML to stdout"
mode=$(stat -c %a "$WORK/k8s/app.yaml")
[[ "$mode" == 640 ]] && pass "-i keeps the file mode 640" || fail "-i changed the file mode to $mode"
inode_after=$(stat -c %i "$WORK/k8s/app.yaml")
[[ "$inode_before" != "$inode_after" ]] && pass "-i replaced the file by rename" || fail "-i wrote the file in place (same inode)"
leftovers=$(ls -A "$WORK/k8s" | grep -vx app.yaml)
[[ -z "$leftovers" ]] && pass "-i leaves no temporary files" || fail "-i left: $leftovers"

cp "$WORK/k8s/app.yaml" "$WORK/second.before"
run "$TA" instrument -i "$WORK/k8s/app.yaml"
expect_rc 0 "second -i run"
cmp -s "$WORK/k8s/app.yaml" "$WORK/second.before" && pass "second -i run keeps the bytes" || fail "second -i run changed the file"

# One good, one bad file: the bad one is named and untouched, the exit code is 1.
write_java_deployment "$WORK/k8s/good.yaml" good
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec: {template: [\n' >"$WORK/k8s/broken.yaml"
chmod 600 "$WORK/k8s/broken.yaml"
cp "$WORK/k8s/broken.yaml" "$WORK/broken.before"
run "$TA" instrument -i "$WORK/k8s/good.yaml" "$WORK/k8s/broken.yaml"
expect_rc 1 "-i with one invalid file"
expect_grep "$WORK/err" 'broken\.yaml' "the failing file is named"
cmp -s "$WORK/k8s/broken.yaml" "$WORK/broken.before" && pass "the failing file is untouched" || fail "the failing file was modified"
[[ $(stat -c %a "$WORK/k8s/broken.yaml") == 600 ]] && pass "failing file keeps its mode" || fail "failing file mode changed"
grep -q 'inject-java' "$WORK/k8s/good.yaml" && pass "the good file is still rewritten" || fail "the good file was not rewritten"
leftovers=$(ls -A "$WORK/k8s" | grep -vxE 'app.yaml|good.yaml|broken.yaml')
[[ -z "$leftovers" ]] && pass "no temporary files after a failure" || fail "left: $leftovers"

# A directory with -i.
mkdir -p "$WORK/dir/nested"
write_java_deployment "$WORK/dir/nested/svc.yml" svc
run "$TA" instrument -i "$WORK/dir"
expect_rc 0 "-i on a directory"
grep -q 'inject-java' "$WORK/dir/nested/svc.yml" && pass "-i rewrote the nested file" || fail "-i did not rewrite the nested file"

# An unwritable directory: the error names the file and the original survives.
if [[ $(id -u) -ne 0 ]]; then
  mkdir -p "$WORK/ro"; write_java_deployment "$WORK/ro/x.yaml" x; cp "$WORK/ro/x.yaml" "$WORK/ro.before"
  chmod 555 "$WORK/ro"
  run "$TA" instrument -i "$WORK/ro/x.yaml"
  chmod 755 "$WORK/ro"
  expect_rc 1 "-i in a read-only directory"
  expect_grep "$WORK/err" 'x\.yaml' "the unwritable file is named"
  cmp -s "$WORK/ro/x.yaml" "$WORK/ro.before" && pass "the unwritable file is untouched" || fail "unwritable file changed"
else
  echo "note: running as root, the read-only directory check is skipped (root can write anyway)"
fi
finish
