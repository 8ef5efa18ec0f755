"""template.yaml: it lints clean with our rules, the rules bite, it transforms, and it builds locally."""

from __future__ import annotations

import copy
import importlib
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from cfnlint.api import ManualArgs, lint
from moto import mock_aws

from privacydesk_local.stack import FUNCTIONS, LOCAL_PARAMETERS
from privacydesk_local.template_resources import (
    LocalResources,
    create_resources,
    function_environment,
    function_ids,
    handler_of,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
LINT_RULES_DIR = REPO_ROOT / "infra" / "lint_rules"
REGION = "us-east-1"
# Values a deployer would give (the local stack's); every other parameter has a Default.
PARAMETERS = LOCAL_PARAMETERS


# ------------------------------------------------------------------------------------------ cfn-lint


def test_template_lints_clean_with_custom_rules() -> None:
    # GIVEN the template and our rules WHEN cfn-lint runs as a developer runs it
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--format", "parseable", str(TEMPLATE_PATH), "-a", str(LINT_RULES_DIR)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    # THEN there are no errors, warnings or informational findings
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_custom_rules_are_loaded_by_cfn_lint() -> None:
    # GIVEN cfn-lint asked to list its rules with ours appended
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    listed = subprocess.run(
        [str(cfn_lint), "-a", str(LINT_RULES_DIR), "-l"], capture_output=True, text=True, check=True
    ).stdout
    # THEN every rule of ours is there
    for rule_id in ("E9000", "E9001", "E9002", "E9003", "E9004", "E9005", "E9006"):
        assert f"{rule_id}:" in listed


def _custom_findings(template: dict[str, Any]) -> dict[str, list[str]]:
    """Lint a template in-process and return our rules' messages by rule id."""
    matches = lint(
        json.dumps(template), config=ManualArgs(append_rules=[str(LINT_RULES_DIR)], regions=[REGION])
    )
    findings: dict[str, list[str]] = {}
    for match in matches:
        if match.rule.id.startswith("E9"):
            findings.setdefault(match.rule.id, []).append(match.message)
    return findings


BASIC_EXECUTION = "service-role/AWSLambdaBasicExecutionRole"


def _good_template() -> dict[str, Any]:
    """A small CloudFormation template that satisfies every custom rule."""
    sub = "Fn::Sub"
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.13",
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["FnRole", "Arn"]},
                    "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
                    "LoggingConfig": {"LogGroup": {"Ref": "FnLogs"}},
                },
            },
            "FnLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
            "FnInvokeConfig": {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "Qualifier": "$LATEST",
                    "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
                },
            },
            "FnRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "ManagedPolicyArns": [
                        {sub: f"arn:${{AWS::Partition}}:iam::aws:policy/{BASIC_EXECUTION}"}
                    ],
                    "Policies": [
                        {
                            "PolicyName": "exact",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"},
                                    {
                                        "Effect": "Allow",
                                        "Action": "sqs:SendMessage",
                                        "Resource": {"Fn::GetAtt": ["Dlq", "Arn"]},
                                    },
                                ],
                            },
                        }
                    ],
                },
            },
            "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": True}},
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                },
            },
        },
    }


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline statements of the small template's role."""
    statements: list[dict[str, Any]] = template["Resources"]["FnRole"]["Properties"]["Policies"][0][
        "PolicyDocument"
    ]["Statement"]
    return statements


def test_good_small_template_passes_every_custom_rule() -> None:
    # GIVEN a template that follows the conventions WHEN linted THEN no custom rule fires
    assert _custom_findings(_good_template()) == {}


def _without_log_group(template: dict[str, Any]) -> None:
    del template["Resources"]["Fn"]["Properties"]["LoggingConfig"]


def _log_group_without_retention(template: dict[str, Any]) -> None:
    del template["Resources"]["FnLogs"]["Properties"]["RetentionInDays"]


def _invoke_config_without_on_failure(template: dict[str, Any]) -> None:
    del template["Resources"]["FnInvokeConfig"]["Properties"]["DestinationConfig"]


def _ses_target_without_invoke_config(template: dict[str, Any]) -> None:
    del template["Resources"]["FnInvokeConfig"]
    template["Resources"]["RuleSet"] = {"Type": "AWS::SES::ReceiptRuleSet", "Properties": {}}
    template["Resources"]["Rule"] = {
        "Type": "AWS::SES::ReceiptRule",
        "Properties": {
            "RuleSetName": {"Ref": "RuleSet"},
            "Rule": {
                "Enabled": True,
                "Recipients": ["privacy@example.com"],
                "Actions": [
                    {
                        "LambdaAction": {
                            "FunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]},
                            "InvocationType": "Event",
                        }
                    }
                ],
            },
        },
    }


def _wildcard_action(template: dict[str, Any]) -> None:
    _statements(template)[1]["Action"] = "sqs:*"


def _star_action(template: dict[str, Any]) -> None:
    _statements(template)[1]["Action"] = "*"


def _star_resource_not_allow_listed(template: dict[str, Any]) -> None:
    _statements(template)[0]["Action"] = ["xray:PutTraceSegments", "s3:GetObject"]


def _broad_managed_policy(template: dict[str, Any]) -> None:
    template["Resources"]["FnRole"]["Properties"]["ManagedPolicyArns"].append(
        "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
    )


def _wildcard_in_bucket_policy(template: dict[str, Any]) -> None:
    template["Resources"]["Bucket"] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
    }
    template["Resources"]["BucketPolicy"] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "Bucket"},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": "s3:Put*",
                        "Resource": {"Fn::Sub": "${Bucket.Arn}/*"},
                    }
                ],
            },
        },
    }


def _table_deletable(template: dict[str, Any]) -> None:
    del template["Resources"]["Table"]["DeletionPolicy"]


def _table_without_pitr(template: dict[str, Any]) -> None:
    del template["Resources"]["Table"]["Properties"]["PointInTimeRecoverySpecification"]


@pytest.mark.parametrize(
    ("break_it", "rule_id"),
    [
        (_without_log_group, "E9001"),
        (_log_group_without_retention, "E9001"),
        (_invoke_config_without_on_failure, "E9002"),
        (_ses_target_without_invoke_config, "E9002"),
        (_wildcard_action, "E9003"),
        (_star_action, "E9003"),
        (_wildcard_in_bucket_policy, "E9003"),
        (_star_resource_not_allow_listed, "E9004"),
        (_broad_managed_policy, "E9005"),
        (_table_deletable, "E9006"),
        (_table_without_pitr, "E9006"),
    ],
)
def test_custom_rule_catches_bad_template(break_it: Any, rule_id: str) -> None:
    # GIVEN a template broken in one way
    template = _good_template()
    break_it(template)
    # WHEN linted THEN exactly the rule for that convention fires
    findings = _custom_findings(template)
    assert set(findings) == {rule_id}, findings


def test_rules_check_what_sam_generates() -> None:
    # GIVEN a SAM function whose inline policy grants a wildcard and that SES invokes without OnFailure
    template: dict[str, Any] = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.13",
                    "Handler": "index.handler",
                    "CodeUri": "functions/",
                    "Policies": [
                        {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}
                    ],
                },
            },
            "SesPermission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Ref": "Fn"},
                    "Principal": "ses.amazonaws.com",
                    "SourceAccount": {"Ref": "AWS::AccountId"},
                },
            },
        },
    }
    # WHEN linted
    findings = _custom_findings(template)
    # THEN the rules saw the role and the function SAM generated
    assert {"E9001", "E9002", "E9003", "E9004"} <= set(findings), findings
    assert any("FnRole" in message for message in findings["E9003"])


def test_broken_sam_template_is_reported_not_skipped() -> None:
    # GIVEN a SAM function the transform rejects (an Events entry of an unknown type)
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.13",
                    "Handler": "index.handler",
                    "CodeUri": "functions/",
                    "Events": {"Nope": {"Type": "NotAnEvent", "Properties": {}}},
                },
            }
        },
    }
    # WHEN linted THEN the transform failure is a finding of its own
    assert "E9000" in _custom_findings(template)


# ------------------------------------------------------------------------------------------ SAM transform


def test_sam_transform_produces_the_three_functions(transformed: dict[str, Any]) -> None:
    # GIVEN the transformed template THEN each SAM function is a Lambda function with its own log group
    resources = transformed["Resources"]
    for logical_id in FUNCTIONS:
        assert resources[logical_id]["Type"] == "AWS::Lambda::Function"
        properties = resources[logical_id]["Properties"]
        assert properties["Runtime"] == "python3.13"
        assert properties["Architectures"] == ["arm64"]
        assert properties["LoggingConfig"]["LogFormat"] == "JSON"
        log_group = properties["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert resources["InboundEmailFunctionEventInvokeConfig"]["Properties"]["DestinationConfig"]["OnFailure"]


def test_sender_stream_only_sees_new_outbox_items(transformed: dict[str, Any]) -> None:
    # GIVEN the sender's event source mapping
    mapping = next(
        resource["Properties"]
        for resource in transformed["Resources"].values()
        if resource["Type"] == "AWS::Lambda::EventSourceMapping"
    )
    # THEN it filters to inserted outbox items and reports partial failures to a queue
    pattern = json.loads(mapping["FilterCriteria"]["Filters"][0]["Pattern"])
    assert pattern == {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["outbox"]}}}}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["SenderFailureQueue", "Arn"]
    }


def _iam_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every policy statement of the transformed template, with the resource holding it."""
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        documents = [properties["PolicyDocument"]] if "PolicyDocument" in properties else []
        if resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            documents += [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        for document in documents:
            statements = document["Statement"]
            for statement in statements if isinstance(statements, list) else [statements]:
                yield logical_id, statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_transformed_iam_grants_exact_actions(transformed: dict[str, Any], lint_rules: ModuleType) -> None:
    # GIVEN every statement, including those of the roles SAM generates
    statements = list(_iam_statements(transformed))
    assert any(logical_id == "SenderFunctionRole" for logical_id, _ in statements)
    for logical_id, statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = [action for action in _as_list(statement.get("Action", [])) if isinstance(action, str)]
        # THEN no granted action is a wildcard
        assert "NotAction" not in statement, logical_id
        assert not [action for action in actions if "*" in action], (logical_id, actions)
        # AND Resource '*' only carries allow-listed actions
        if "*" in _as_list(statement.get("Resource", [])):
            assert set(actions) <= set(lint_rules.RESOURCE_STAR_ACTIONS), (logical_id, actions)


def test_transformed_roles_carry_only_allow_listed_managed_policies(
    transformed: dict[str, Any], lint_rules: ModuleType
) -> None:
    # GIVEN the function roles SAM generates THEN each AWS managed policy on them is allow-listed
    for logical_id, resource in transformed["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for arn in resource["Properties"].get("ManagedPolicyArns", []):
            assert lint_rules.managed_policy_name(arn) in lint_rules.AWS_MANAGED_POLICIES, (logical_id, arn)


def test_allow_lists_give_a_reason_for_every_entry(lint_rules: ModuleType) -> None:
    for allow_list in (lint_rules.RESOURCE_STAR_ACTIONS, lint_rules.AWS_MANAGED_POLICIES):
        for entry, reason in allow_list.items():
            assert reason.strip(), entry
            assert "*" not in entry


# ------------------------------------------------------------------------------------------ handlers


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_every_handler_imports(
    template: dict[str, Any], logical_id: str, monkeypatch: pytest.MonkeyPatch, aws_credentials: None
) -> None:
    # GIVEN the function's environment as Lambda would set it
    resources = LocalResources(
        tables={"CasesTable": "cases", "IdempotencyTable": "idempotency"},
        buckets={"MailBucket": "mail"},
        queues={
            "InboundFailureQueue": "http://localhost/q/inbound",
            "SenderFailureQueue": "http://localhost/q/s",
        },
    )
    for name, value in function_environment(template, logical_id, resources, PARAMETERS).items():
        monkeypatch.setenv(name, value)
    # WHEN its handler's module is imported THEN the named entry point is callable
    module_name, _, attribute = handler_of(template, logical_id).rpartition(".")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute))


def test_template_names_exactly_the_three_functions(template: dict[str, Any]) -> None:
    assert function_ids(template) == list(FUNCTIONS)


# ------------------------------------------------------------------------------------------ local resources


@pytest.fixture
def local_resources(template: dict[str, Any], aws_credentials: None) -> Iterator[LocalResources]:
    """The template's tables, buckets and queues created on moto."""
    with mock_aws():
        yield create_resources(template, "test", session=boto3.session.Session(region_name=REGION))


def test_tables_buckets_and_queues_are_created_from_the_template(local_resources: LocalResources) -> None:
    # GIVEN resources created from the template on moto
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    # THEN the cases table has both indexes and a stream
    cases = dynamodb.describe_table(TableName=local_resources.tables["CasesTable"])["Table"]
    assert {index["IndexName"] for index in cases["GlobalSecondaryIndexes"]} == {"gsi1", "gsi2", "gsi3"}
    assert cases["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert local_resources.streams["CasesTable"] == cases["LatestStreamArn"]
    # AND the idempotency table expires items
    ttl = dynamodb.describe_time_to_live(TableName=local_resources.tables["IdempotencyTable"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiration"
    # AND the mail bucket is versioned, with a valid lower-case name
    bucket = local_resources.buckets["MailBucket"]
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # AND the evidence bucket locks every object version by default (WORM)
    lock = s3.get_object_lock_configuration(Bucket=local_resources.buckets["EvidenceBucket"])
    assert lock["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    assert lock["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    # AND the failure queues, the notice queues and their dead-letter queues keep messages for 14 days
    assert set(local_resources.queues) == {
        "InboundFailureQueue",
        "SenderFailureQueue",
        "HousekeepingFailureQueue",
        "SesEventsFailureQueue",
        "ConsentSyncFailureQueue",
        "NoticeQueue",
        "NoticeDeadLetterQueue",
        "NoticePlanQueue",
        "NoticePlanDeadLetterQueue",
    }
    for url in local_resources.queues.values():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])
        assert attributes["Attributes"]["MessageRetentionPeriod"] == "1209600"


def test_creating_twice_reuses_the_resources(
    template: dict[str, Any], local_resources: LocalResources
) -> None:
    # GIVEN resources already created WHEN created again with the same prefix THEN the names are the same
    again = create_resources(template, "test", session=boto3.session.Session(region_name=REGION))
    assert again == local_resources


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_function_environment_resolves_to_strings(
    template: dict[str, Any], local_resources: LocalResources, logical_id: str
) -> None:
    # WHEN a function's environment is resolved against the local resources
    environment = function_environment(template, logical_id, local_resources, PARAMETERS)
    # THEN every variable is a concrete string pointing at the local resources
    assert all(isinstance(value, str) and value for value in environment.values()), environment
    assert environment["CASES_TABLE"] == local_resources.tables["CasesTable"]
    assert environment["IDEMPOTENCY_TABLE"] == local_resources.tables["IdempotencyTable"]
    assert environment["MAIL_BUCKET"] == local_resources.buckets["MailBucket"]
    assert environment["INBOUND_FAILURE_QUEUE_URL"] == local_resources.queues["InboundFailureQueue"]
    assert environment["SENDER_ADDRESS"] == "privacy@example.com"
    assert environment["MAIL_PREFIX"] == "inbound/"
    assert environment["MAX_MAIL_BYTES"] == "10485760"
    assert environment["DEFAULT_REGIME"] == "gdpr"
    assert environment["ORG_TIMEZONE"] == "UTC"
    assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
    # The functions that send mail (the senders, and the housekeeping sweep) send through the set.
    if logical_id in {"SenderFunction", "NoticeSenderFunction", "HousekeepingFunction"}:
        assert environment["SES_CONFIGURATION_SET"] == "ConfigurationSet"
    else:
        assert "SES_CONFIGURATION_SET" not in environment


def test_given_parameters_override_defaults(
    template: dict[str, Any], local_resources: LocalResources
) -> None:
    parameters = {**PARAMETERS, "DefaultRegime": "ccpa", "LogLevel": "DEBUG"}
    environment = function_environment(template, "ApiFunction", local_resources, parameters)
    assert (environment["DEFAULT_REGIME"], environment["POWERTOOLS_LOG_LEVEL"]) == ("ccpa", "DEBUG")


# ------------------------------------------------------------------------------------------ packaging


def test_samconfig_overrides_name_template_parameters(template: dict[str, Any]) -> None:
    # GIVEN the default deploy configuration
    config = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    overrides = config["default"]["deploy"]["parameters"]["parameter_overrides"]
    names = set(re.findall(r"(\w+)=", " ".join(overrides) if isinstance(overrides, list) else overrides))
    # THEN it names only real parameters, and gives every one without a default
    parameters = template["Parameters"]
    assert names <= set(parameters)
    assert {name for name, spec in parameters.items() if "Default" not in spec} <= names


def test_lambda_requirements_match_the_project_dependencies() -> None:
    # GIVEN pyproject's runtime dependencies and what sam build installs
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = (REPO_ROOT / "functions" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    # THEN they are the same, except boto3, which the Lambda runtime provides
    expected = {dependency for dependency in project["dependencies"] if not dependency.startswith("boto3")}
    assert requirements == expected


def test_template_copy_is_not_mutated_by_resolving(template: dict[str, Any]) -> None:
    before = copy.deepcopy(template)
    function_environment(template, "SenderFunction", LocalResources(), PARAMETERS)
    assert template == before
