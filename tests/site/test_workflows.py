"""Offline checks of the GitHub Actions workflows, issue forms and Dependabot config.

The linters are check-jsonschema (its vendored SchemaStore schemas, so no
network) and ``zizmor --offline``, both installed in the virtual environment
next to the running Python. Each check also runs once on a broken copy, so a
check that can no longer fail shows up as a failing test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
CI = WORKFLOWS / "ci.yml"
PAGES = WORKFLOWS / "pages.yml"
ISSUE_FORMS = [GITHUB / "ISSUE_TEMPLATE" / "report-mistake.yml", GITHUB / "ISSUE_TEMPLATE" / "suggest-pitfall.yml"]
ISSUE_CONFIG = GITHUB / "ISSUE_TEMPLATE" / "config.yml"
DEPENDABOT = GITHUB / "dependabot.yml"
BIN = Path(sys.executable).parent

# Matches `uses: owner/repo[/path]@ref  # comment`. Local actions (./) and docker:// have no ref to pin.
USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*))?$")
SHA = re.compile(r"[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"v\d+(\.\d+){0,2}")
WRITE_SCOPES = {"pages", "id-token"}


def run_tool(name: str, *args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run a console script from the virtual environment and return its result."""
    executable = BIN / name
    if not executable.exists():
        pytest.fail(f"{executable} is missing; `make env` installs it from requirements/ci.txt.")
    return subprocess.run(
        [str(executable), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def load_workflow(path: Path) -> dict:
    """Parse a workflow, restoring the `on` key that YAML 1.1 reads as True."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def unpinned_uses(text: str) -> list[str]:
    """Return the `uses:` lines whose ref is not a 40-hex SHA with a version comment."""
    problems = []
    for line in text.splitlines():
        match = USES.match(line)
        if match is None:
            if re.match(r"^\s*(?:-\s*)?uses:", line) and not re.search(r"uses:\s*(\./|docker://)", line):
                problems.append(line.strip())
            continue
        comment = match["comment"] or ""
        if not SHA.fullmatch(match["ref"]) or not VERSION_COMMENT.match(comment):
            problems.append(line.strip())
    return problems


def write_permissions(workflow: dict) -> dict[str, set[str]]:
    """Map "top-level" and each job id to the permission scopes it grants `write`."""
    def writes(permissions) -> set[str]:
        if permissions == "write-all":
            return {"write-all"}
        if not isinstance(permissions, dict):
            return set()
        return {scope for scope, level in permissions.items() if level == "write"}

    granted = {"top-level": writes(workflow.get("permissions"))}
    for job_id, job in workflow["jobs"].items():
        granted[job_id] = writes(job.get("permissions"))
    return granted


def steps_using(workflow: dict, action: str) -> list[dict]:
    """Return every step, in any job, whose `uses` names `action`."""
    return [
        step
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").split("@")[0] == action
    ]


# --- linters -----------------------------------------------------------------


def test_workflows_present():
    assert CI.is_file()
    assert PAGES.is_file()


def test_workflows_match_schema():
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_issue_forms_match_schema():
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-issue-forms", *ISSUE_FORMS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_issue_config_matches_schema():
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-issue-config", ISSUE_CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_matches_schema():
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.dependabot", DEPENDABOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_updates_actions():
    config = yaml.safe_load(DEPENDABOT.read_text(encoding="utf-8"))
    ecosystems = {update["package-ecosystem"] for update in config["updates"]}
    assert "github-actions" in ecosystems


def test_schema_rejects_broken_workflow(tmp_path):
    broken = load_workflow(CI)
    del broken["jobs"]["test"]["runs-on"]
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", path)
    assert result.returncode != 0, result.stdout


def test_schema_rejects_broken_issue_form(tmp_path):
    form = yaml.safe_load(ISSUE_FORMS[0].read_text(encoding="utf-8"))
    del form["description"]
    path = tmp_path / "form.yml"
    path.write_text(yaml.safe_dump(form), encoding="utf-8")
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-issue-forms", path)
    assert result.returncode != 0, result.stdout


def test_zizmor_offline_no_findings():
    result = run_tool("zizmor", "--offline", WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout, result.stdout


def test_zizmor_flags_unpinned_action(tmp_path):
    text = CI.read_text(encoding="utf-8")
    pinned = re.search(r"actions/checkout@[0-9a-f]{40} # v\S+", text)
    assert pinned is not None
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(text.replace(pinned[0], "actions/checkout@v4"), encoding="utf-8")
    result = run_tool("zizmor", "--offline", workflows, cwd=tmp_path)
    assert result.returncode != 0, result.stdout
    assert "unpinned-uses" in result.stdout


# --- pins --------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda path: path.name)
def test_actions_pinned_by_sha(path):
    text = path.read_text(encoding="utf-8")
    assert "uses:" in text
    assert unpinned_uses(text) == []


def test_pin_check_flags_tag_and_short_sha():
    assert unpinned_uses("      - uses: actions/checkout@v4\n") == ["- uses: actions/checkout@v4"]
    assert unpinned_uses("      - uses: actions/checkout@11bd719 # v4.2.2\n") != []


def test_pin_check_needs_version_comment():
    line = "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n"
    assert unpinned_uses(line) != []
    assert unpinned_uses(line.rstrip() + " # v4.2.2\n") == []


def test_pin_check_skips_local_action():
    assert unpinned_uses("      - uses: ./.github/actions/setup\n") == []


def test_same_action_same_sha():
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = USES.match(line)
            if match:
                repository = "/".join(match["action"].split("/")[:2])
                pins.setdefault(repository, set()).add(match["ref"])
    assert pins, "no `uses:` lines found"
    assert {action: refs for action, refs in pins.items() if len(refs) > 1} == {}


# --- permissions and job settings ---------------------------------------------


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda path: path.name)
def test_top_level_permissions_declared(path):
    workflow = load_workflow(path)
    assert "permissions" in workflow
    assert write_permissions(workflow)["top-level"] == set()


def test_only_deploy_job_writes():
    granted = {
        (path.name, job): scopes
        for path in WORKFLOWS.glob("*.yml")
        for job, scopes in write_permissions(load_workflow(path)).items()
        if scopes
    }
    assert granted == {("pages.yml", "deploy"): WRITE_SCOPES}


def test_permission_check_flags_write_all():
    workflow = {"permissions": "write-all", "jobs": {"build": {"permissions": {"contents": "write"}}}}
    assert write_permissions(workflow) == {"top-level": {"write-all"}, "build": {"contents"}}


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda path: path.name)
def test_every_job_has_timeout(path):
    jobs = load_workflow(path)["jobs"]
    assert {job_id for job_id, job in jobs.items() if "timeout-minutes" not in job} == set()


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda path: path.name)
def test_checkout_without_credentials(path):
    checkouts = steps_using(load_workflow(path), "actions/checkout")
    assert checkouts
    assert all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


# --- what each workflow does --------------------------------------------------


def test_pages_uploads_and_deploys():
    workflow = load_workflow(PAGES)
    uploads = steps_using(workflow, "actions/upload-pages-artifact")
    deploys = steps_using(workflow, "actions/deploy-pages")
    assert len(uploads) == 1
    assert uploads[0]["with"]["path"].rstrip("/") == "site"
    assert len(deploys) == 1
    assert deploys[0] in workflow["jobs"]["deploy"]["steps"]
    assert workflow["jobs"]["deploy"]["needs"] == "build"


def test_pages_triggers_and_concurrency():
    workflow = load_workflow(PAGES)
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["concurrency"]["group"]
    assert workflow["jobs"]["deploy"]["environment"]["name"] == "github-pages"


def test_pages_builds_with_make():
    runs = [step.get("run", "") for step in load_workflow(PAGES)["jobs"]["build"]["steps"]]
    assert "make env" in runs
    assert "make build" in runs


def test_ci_triggers():
    workflow = load_workflow(CI)
    assert "push" in workflow["on"]
    assert "pull_request" in workflow["on"]


def test_ci_runs_make_test():
    job = load_workflow(CI)["jobs"]["test"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert job["runs-on"].startswith("ubuntu")
    assert "make env" in runs
    assert "make test" in runs
    assert any("apt-get install" in run and "chromium" in run and "poppler-utils" in run for run in runs)


def test_ci_uses_cpu_torch_index():
    job = load_workflow(CI)["jobs"]["test"]
    assert job["env"]["PIP_EXTRA_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"


def test_ci_caches_pip():
    (setup,) = steps_using(load_workflow(CI), "actions/setup-python")
    assert str(setup["with"]["python-version"]) == "3.11"
    assert setup["with"]["cache"] == "pip"
    paths = setup["with"]["cache-dependency-path"].split()
    assert paths == ["requirements/*.txt", "pyproject.toml"]


def test_ci_caches_medmnist_by_version():
    workflow = load_workflow(CI)
    (cache,) = steps_using(workflow, "actions/cache")
    assert cache["with"]["path"] == "~/.medmnist"
    assert "steps.medmnist.outputs.version" in cache["with"]["key"]
    (version_step,) = [step for step in workflow["jobs"]["test"]["steps"] if step.get("id") == "medmnist"]
    assert "medmnist==" in version_step["run"]
    assert "requirements/ci.txt" in version_step["run"]


def test_medmnist_pin_readable():
    # The cache key step reads this line with sed; without it CI stops at that step.
    pins = re.findall(r"^medmnist==(\S+)$", (ROOT / "requirements" / "ci.txt").read_text(), flags=re.M)
    assert len(pins) == 1
