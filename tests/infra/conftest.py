"""Fixtures for the infrastructure tests: the template, its SAM transform and the custom lint rules."""

from __future__ import annotations

import copy
import importlib.util
import logging
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from privacydesk_local.template_resources import load_template

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
LINT_RULES_DIR = REPO_ROOT / "infra" / "lint_rules"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """The SAM template with short-form intrinsics in long form."""
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def lint_rules() -> ModuleType:
    """The custom cfn-lint rule module, loaded from its file the way cfn-lint loads it."""
    spec = importlib.util.spec_from_file_location(
        "privacydesk_rules", LINT_RULES_DIR / "privacydesk_rules.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def transformed(template: dict[str, Any]) -> dict[str, Any]:
    """The template after the SAM transform, run offline with no managed-policy lookups."""
    from samtranslator.parser.parser import Parser  # noqa: PLC0415
    from samtranslator.translator.translator import Translator  # noqa: PLC0415

    sam_template = copy.deepcopy(template)
    # The transform wants an S3 URI; `sam build` uploads functions/ and puts one there.
    sam_template["Globals"]["Function"]["CodeUri"] = "s3://local-artifacts/functions.zip"
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    translator = Translator(
        managed_policy_map={},
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name=REGION),
    )
    result: dict[str, Any] = translator.translate(
        sam_template=sam_template, parameter_values={}, get_managed_policy_map=lambda: {}
    )
    return result


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so nothing can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
