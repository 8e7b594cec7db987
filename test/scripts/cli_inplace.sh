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

# One good, one bad file: all or nothing. The bad one is named, neither file is touched, exit 1.
write_java_deployment "$WORK/k8s/good.yaml" good
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec: {template: [\n' >"$WORK/k8s/broken.yaml"
chmod 600 "$WORK/k8s/broken.yaml"
cp "$WORK/k8s/broken.yaml" "$WORK/broken.before"
run "$TA" instrument -i "$WORK/k8s/good.yaml" "$WORK/k8s/broken.yaml"
expect_rc 1 "-i with one invalid file"
expect_grep "$WORK/err" 'broken\.yaml' "the failing file is named"
cmp -s "$WORK/k8s/broken.yaml" "$WORK/broken.before" && pass "the failing file is untouched" || fail "the failing file was modified"
[[ $(stat -c %a "$WORK/k8s/broken.yaml") == 600 ]] && pass "failing file keeps its mode" || fail "failing file mode changed"
grep -q 'inject-java' "$WORK/k8s/good.yaml" && fail "the good file was rewritten although another input failed" || pass "the good file is untouched too (all or nothing)"
# The same on stdout: nothing is printed when one input is bad, whatever its position.
run "$TA" instrument "$WORK/k8s/good.yaml" "$WORK/k8s/broken.yaml"
expect_rc 1 "stdout mode with one invalid file"
[[ ! -s "$WORK/out" ]] && pass "nothing on stdout when one input is bad" || fail "stdout holds $(wc -c <"$WORK/out") bytes although an input was bad"
expect_grep "$WORK/err" 'broken\.yaml' "the bad input is named (stdout mode)"
run "$TA" instrument --diff "$WORK/k8s/broken.yaml" "$WORK/k8s/good.yaml"
expect_rc 1 "--diff with one invalid file first"
[[ ! -s "$WORK/out" ]] && pass "no diff printed when one input is bad" || fail "a diff was printed although an input was bad"
run "$TA" instrument -i "$WORK/k8s/good.yaml" "$WORK/k8s/missing.yaml"
expect_rc 1 "-i with one missing file"
grep -q 'inject-java' "$WORK/k8s/good.yaml" && fail "the good file was rewritten although another input is missing" || pass "a missing input also stops every write"
run "$TA" instrument -i "$WORK/k8s/good.yaml"
grep -q 'inject-java' "$WORK/k8s/good.yaml" && pass "the good file alone is rewritten" || fail "the good file alone was not rewritten"
leftovers=$(ls -A "$WORK/k8s" | grep -vxE 'app.yaml|good.yaml|broken.yaml')
[[ -z "$leftovers" ]] && pass "no temporary files after a failure" || fail "left: $leftovers"

# Through a symbolic link: the target is rewritten, the link stays a link; owner, group and mode kept.
mkdir -p "$WORK/real" "$WORK/links"
write_java_deployment "$WORK/real/target.yaml" target
chmod 604 "$WORK/real/target.yaml"
ln -s ../real/target.yaml "$WORK/links/app.yaml"
if [[ $(id -u) -eq 0 ]]; then chown 1234:2345 "$WORK/real/target.yaml"; fi
owner_before=$(stat -c %u:%g "$WORK/real/target.yaml")
run "$TA" instrument -i "$WORK/links/app.yaml"
expect_rc 0 "-i through a symbolic link"
[[ -L "$WORK/links/app.yaml" ]] && pass "the link is still a link" || fail "the link was replaced by a regular file"
grep -q 'inject-java' "$WORK/real/target.yaml" && pass "the link's target was rewritten" || fail "the link's target was not rewritten"
[[ $(stat -c %a "$WORK/real/target.yaml") == 604 ]] && pass "the target keeps mode 604" || fail "target mode now $(stat -c %a "$WORK/real/target.yaml")"
[[ $(stat -c %u:%g "$WORK/real/target.yaml") == "$owner_before" ]] && pass "the target keeps owner and group $owner_before" || fail "target owner now $(stat -c %u:%g "$WORK/real/target.yaml"), was $owner_before"
if [[ $(id -u) -eq 0 ]]; then
  write_java_deployment "$WORK/owned.yaml" owned
  chown 4321:5432 "$WORK/owned.yaml"
  run "$TA" instrument -i "$WORK/owned.yaml"
  [[ $(stat -c %u:%g "$WORK/owned.yaml") == 4321:5432 ]] && pass "-i keeps another user's owner and group" || fail "-i changed owner to $(stat -c %u:%g "$WORK/owned.yaml")"
else
  echo "note: not root, the check that another user's file keeps its owner is skipped"
fi
leftovers=$(ls -A "$WORK/real" "$WORK/links" | grep -c traceassist-)
[[ $leftovers == 0 ]] && pass "no temporary files beside the link or the target" || fail "$leftovers temporary files left"

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
