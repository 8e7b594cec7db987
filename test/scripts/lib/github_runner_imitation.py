"""A RUNNER IMITATION, not GitHub's runner: runs a composite action.yml the way a GitHub-hosted runner
would, as far as TraceAssist's action needs, so tests can run the real action file here (GitHub's
runner is not in any package registry and `act` needs Docker).

What it does: parses the real action.yml (PyYAML); checks the inputs against it (unknown or missing
required ones fail) and applies defaults; substitutes `${{ ... }}` expressions, and fails on any it
cannot evaluate (only plain references to inputs.*, github.*, runner.*, env.* and
steps.<id>.outputs.* are understood); runs each step's `run:` with `bash --noprofile --norc -eo pipefail`
in the workspace, with the step's env: set; honours GITHUB_OUTPUT (name=value and name<<DELIM),
GITHUB_ENV (for later steps) and GITHUB_STEP_SUMMARY (appended to one file); reads workflow commands
from the step's stdout as the runner does (::warning/::error/::notice with properties,
::add-mask::, ::stop-commands::TOKEN ... ::TOKEN::) and records the annotations, decoded.

Usage: github_runner_imitation.py ACTION_DIR WORKSPACE RESULT_DIR [name=value ...]
Writes RESULT_DIR/{annotations.json, outputs.json, summary.md, log.txt}; exits with the first
failing step's code (or 2 when the action file uses something it cannot imitate).
Standard library plus PyYAML (Debian python3-yaml).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
REFERENCE = re.compile(r"^(inputs|github|runner|env)\.([A-Za-z_][A-Za-z0-9_-]*)$|"
                       r"^steps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)$")
COMMAND = re.compile(r"^::([a-z-]+)(?: ([^:]*))?::(.*)$")


class CannotImitate(Exception):
    pass


def unescape_data(text):
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text):
    return text.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace(
        "%0A", "\n").replace("%25", "%")


def substitute(text, context, where):
    def evaluate(match):
        expression = match.group(1).strip()
        ref = REFERENCE.match(expression)
        if not ref:
            raise CannotImitate(f"{where}: cannot evaluate ${{{{ {expression} }}}}")
        if ref.group(1):
            return str(context[ref.group(1)].get(ref.group(2), ""))
        step = context["steps"].get(ref.group(3))
        if step is None:
            raise CannotImitate(f"{where}: no earlier step has id {ref.group(3)}")
        return str(step.get(ref.group(4), ""))

    return EXPRESSION.sub(evaluate, str(text))


def read_file_commands(path):
    """name=value lines and name<<DELIMITER blocks, as the runner reads GITHUB_OUTPUT/GITHUB_ENV."""
    values = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            while i < len(lines) and lines[i] != delimiter:
                block.append(lines[i])
                i += 1
            if i >= len(lines):
                raise CannotImitate(f"{path}: {name}<<{delimiter} is never closed")
            i += 1
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        else:
            raise CannotImitate(f"{path}: a line that is neither name=value nor name<<DELIM")
    return values


def workflow_commands(stdout, annotations, masks):
    """Reads workflow commands line by line, as the runner does, honouring ::stop-commands::."""
    stop_token = None
    for line in stdout.split("\n"):
        line = line.rstrip("\r")
        if stop_token is not None:
            if line == f"::{stop_token}::":
                stop_token = None
            continue
        m = COMMAND.match(line)
        if not m:
            continue
        command, props, data = m.group(1), m.group(2), m.group(3)
        if command == "stop-commands":
            stop_token = data
        elif command == "add-mask":
            masks.append(data)
        elif command in ("warning", "error", "notice"):
            properties = {}
            for prop in (props or "").split(","):
                if prop:
                    key, _, value = prop.partition("=")
                    properties[key] = unescape_property(value)
            annotations.append({"level": command, **properties, "message": unescape_data(data)})


def main(argv):
    action_dir, workspace, result_dir = argv[1], argv[2], argv[3]
    given = dict(arg.split("=", 1) for arg in argv[4:])
    with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    runs = action.get("runs", {})
    if runs.get("using") != "composite":
        raise CannotImitate("only composite actions are imitated")

    declared = action.get("inputs", {}) or {}
    for name in given:
        if name not in declared:
            raise CannotImitate(f"input {name} is not declared in action.yml")
    inputs = {}
    for name, spec in declared.items():
        if name in given:
            inputs[name] = given[name]
        elif spec.get("required") and "default" not in spec:
            raise CannotImitate(f"input {name} is required")
        else:
            inputs[name] = str(spec.get("default", ""))

    summary = os.path.join(result_dir, "summary.md")
    open(summary, "w").close()
    runner_temp = tempfile.mkdtemp(prefix="runner-temp-", dir=result_dir)
    context = {
        "inputs": inputs,
        "github": {"repository": "octo-org/octo-repo", "workspace": workspace,
                   "action_path": action_dir, "event_name": "pull_request"},
        "runner": {"temp": runner_temp, "os": "Linux"},
        "env": {},
        "steps": {},
    }
    added_env = {}
    annotations, masks, log = [], [], []
    code = 0
    for index, step in enumerate(runs.get("steps", [])):
        where = f"step {index + 1}"
        unknown = set(step) - {"id", "name", "shell", "env", "run"}
        if unknown:
            raise CannotImitate(f"{where}: cannot imitate {sorted(unknown)}")
        if step.get("shell") != "bash":
            raise CannotImitate(f"{where}: only shell: bash is imitated")
        output_file = os.path.join(runner_temp, f"output_{index}")
        env_file = os.path.join(runner_temp, f"env_{index}")
        open(output_file, "w").close()
        open(env_file, "w").close()
        env = dict(os.environ)
        env.update(added_env)
        env.update({
            "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": workspace,
            "GITHUB_REPOSITORY": context["github"]["repository"], "GITHUB_ACTION_PATH": action_dir,
            "GITHUB_OUTPUT": output_file, "GITHUB_ENV": env_file, "GITHUB_STEP_SUMMARY": summary,
            "RUNNER_TEMP": runner_temp, "RUNNER_OS": "Linux",
        })
        for name, value in (step.get("env") or {}).items():
            env[name] = substitute(value, context, f"{where} env {name}")
        script = os.path.join(runner_temp, f"step_{index}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(substitute(step["run"], context, f"{where} run"))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                              cwd=workspace, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace")
        log.append(done.stdout)
        workflow_commands(done.stdout, annotations, masks)
        if "id" in step:
            context["steps"][step["id"]] = read_file_commands(output_file)
        for name, value in read_file_commands(env_file).items():
            added_env[name] = value
            context["env"][name] = value
        if done.returncode != 0:
            code = done.returncode
            break

    outputs = {}
    for name, spec in (action.get("outputs") or {}).items():
        outputs[name] = substitute(spec.get("value", ""), context, f"output {name}")
    text = "".join(log)
    for secret in masks:
        if secret:
            text = text.replace(secret, "***")
    with open(os.path.join(result_dir, "log.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(result_dir, "annotations.json"), "w", encoding="utf-8") as f:
        json.dump(annotations, f, indent=1)
    with open(os.path.join(result_dir, "outputs.json"), "w", encoding="utf-8") as f:
        json.dump(outputs, f, indent=1)
    return code


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except CannotImitate as e:
        print(f"runner imitation: {e}", file=sys.stderr)
        sys.exit(2)
