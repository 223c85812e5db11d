"""The alert rules are valid and behave as their unit tests say (Debian's promtool)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from milequest.config import ROOT

MONITORING = ROOT / "monitoring"
pytestmark = pytest.mark.slow  # promtool comes with `make test` (scripts/need-debian-package.sh)


def promtool(*args: str, cwd: Path = MONITORING) -> subprocess.CompletedProcess:
    executable = shutil.which("promtool")
    assert executable, "promtool is missing: `make test` installs Debian's prometheus package"
    return subprocess.run([executable, *args], cwd=cwd, capture_output=True, text=True)


def test_the_rules_file_is_valid():
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 11 rules found" in result.stdout


def test_every_alert_fires_and_stays_quiet_as_its_unit_tests_say():
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_unit_tests_catch_a_wrong_threshold(tmp_path):
    rules = (MONITORING / "alerts.yml").read_text()
    assert "))) > 0.3" in rules
    (tmp_path / "alerts.yml").write_text(rules.replace("))) > 0.3", "))) > 0.5"))
    shutil.copy(MONITORING / "alerts_test.yml", tmp_path)

    result = promtool("test", "rules", "alerts_test.yml", cwd=tmp_path)

    assert result.returncode != 0
    assert "MileQuestSlowRequests" in result.stdout + result.stderr
