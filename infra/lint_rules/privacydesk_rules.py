"""privacydesk's cfn-lint rules, checked against the template as CloudFormation will deploy it.

Load them with `cfn-lint template.yaml --append-rules infra/lint_rules` (the template first: the
option takes several values). cfn-lint 1.x only merges SAM Globals before its rules run, so these
rules run the SAM transform themselves (samtranslator, offline) and check the resources SAM
generates too: function roles, EventInvokeConfigs, event source mappings.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# Actions that may be granted on `Resource: '*'` because IAM defines no resource type for them.
RESOURCE_STAR_ACTIONS: Mapping[str, str] = {
    "xray:PutTraceSegments": "X-Ray trace upload has no resource type; Tracing: Active needs it.",
    "xray:PutTelemetryRecords": "X-Ray telemetry upload has no resource type; Tracing: Active needs it.",
    "cloudwatch:PutMetricData": "Metrics have no resource type; narrow it with the cloudwatch:namespace key.",
    "ses:GetSendQuota": "The account's sending quota has no resource type; notice senders pace under it.",
}

# AWS managed policies a role may carry, each because SAM attaches it and it cannot be narrowed further.
AWS_MANAGED_POLICIES: Mapping[str, str] = {
    "service-role/AWSLambdaBasicExecutionRole": "SAM adds it to every function role to write its logs.",
    "AWSXrayWriteOnlyAccess": "SAM adds it for Tracing: Active; its X-Ray actions have no resource type.",
    "service-role/AWSLambdaDynamoDBExecutionRole": "SAM adds it for a DynamoDB stream event to read it.",
    "service-role/AWSLambdaSQSQueueExecutionRole": "SAM adds it for an SQS event to receive and delete.",
}

# Service principals that invoke Lambda asynchronously, so failures need an OnFailure destination.
ASYNC_PRINCIPALS = frozenset(
    {"ses.amazonaws.com", "s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com"}
)

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
_LOCAL_ARTIFACT_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}
_POLICY_DOCUMENT_TYPES = (
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
)
_INLINE_POLICY_TYPES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")


# ------------------------------------------------------------------------------------------ transform


class TransformError(Exception):
    """The SAM transform rejected the template."""


_cache: dict[str, Any] = {}


def _translate(template: dict[str, Any], region: str) -> dict[str, Any]:
    """Run the SAM transform offline: local artifacts become placeholder S3 URIs, no AWS lookups."""
    try:
        import boto3  # noqa: PLC0415 - only needed when the template uses SAM
        from samtranslator.model.exceptions import InvalidDocumentException  # noqa: PLC0415
        from samtranslator.parser.parser import Parser  # noqa: PLC0415
        from samtranslator.translator.translator import Translator  # noqa: PLC0415
    except ImportError as error:
        raise TransformError(f"aws-sam-translator is needed to check SAM templates: {error}") from error

    # cfn-lint has already merged Globals into the resources; merging them again would duplicate lists.
    template.pop("Globals", None)
    for resource in template.get("Resources", {}).values():
        key = _LOCAL_ARTIFACT_PROPERTIES.get(resource.get("Type", ""))
        properties = resource.get("Properties", {})
        if key and isinstance(properties.get(key), str) and not properties[key].startswith("s3://"):
            properties[key] = f"s3://local-artifacts/{properties[key]}"

    sam_logger = logging.getLogger("samtranslator")
    level = sam_logger.level
    sam_logger.setLevel(logging.ERROR)
    try:
        translator = Translator(
            managed_policy_map={},
            sam_parser=Parser(),
            boto_session=boto3.session.Session(region_name=region),
        )
        return translator.translate(
            sam_template=template, parameter_values={}, get_managed_policy_map=lambda: {}
        )
    except InvalidDocumentException as error:
        raise TransformError("; ".join(str(cause) for cause in error.causes)) from error
    finally:
        sam_logger.setLevel(level)


def deployed_template(cfn: Any) -> dict[str, Any]:
    """Return the template as CloudFormation deploys it (SAM transformed), cached for one lint run."""
    plain = json.loads(json.dumps(cfn.template, default=str))
    key = json.dumps(plain, sort_keys=True)
    if _cache.get("key") != key:
        transforms = plain.get("Transform", [])
        transforms = transforms if isinstance(transforms, list) else [transforms]
        result: dict[str, Any] | TransformError
        if SAM_TRANSFORM in transforms:
            try:
                region = cfn.regions[0] if getattr(cfn, "regions", None) else "us-east-1"
                result = _translate(copy.deepcopy(plain), region)
            except TransformError as error:
                result = error
        else:
            result = plain
        _cache.update(key=key, result=result)
    cached = _cache["result"]
    if isinstance(cached, TransformError):
        raise cached
    return dict(cached)


def _resources_of(template: Mapping[str, Any], *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (logical id, resource) for every resource of the given types."""
    for logical_id, resource in template.get("Resources", {}).items():
        if isinstance(resource, dict) and resource.get("Type") in types:
            yield logical_id, resource


def _source_path(cfn: Any, logical_id: str, *rest: str | int) -> list[str | int]:
    """Point at the resource in the file: SAM-generated ids start with the id of the SAM resource."""
    original = cfn.template.get("Resources", {})
    if logical_id not in original:
        owners = [candidate for candidate in original if logical_id.startswith(candidate)]
        if owners:
            return ["Resources", max(owners, key=len)]
    return ["Resources", logical_id, *rest]


def _target_id(value: Any) -> str | None:
    """Return the logical id a Ref or Fn::GetAtt points at."""
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            return str(value["Ref"])
        get_att = value.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att:
            return str(get_att[0])
        if isinstance(get_att, str):
            return get_att.split(".", 1)[0]
    return None


class _DeployedTemplateCheck:
    """Mixin for rules that check the transformed template; they stay quiet when it does not transform.

    It is not a CloudFormationLintRule itself, so cfn-lint does not load it as a rule.
    """

    def match(self, cfn: Any) -> list[RuleMatch]:
        """Run the check against the deployed template."""
        try:
            template = deployed_template(cfn)
        except TransformError:
            return []
        return [RuleMatch(path, message) for path, message in self.check(template, cfn)]

    def check(self, template: dict[str, Any], cfn: Any) -> Iterator[tuple[list[str | int], str]]:
        """Yield (path, message) for each problem."""
        raise NotImplementedError


class SamTransformRule(CloudFormationLintRule):
    """The template must survive the SAM transform, or none of the other rules can check it."""

    id = "E9000"
    tags: ClassVar[list[str]] = ["privacydesk"]
    shortdesc = "SAM transform succeeds"
    description = "The SAM transform must succeed offline so the deployed resources can be checked"

    def match(self, cfn: Any) -> list[RuleMatch]:
        """Report a failed transform."""
        try:
            deployed_template(cfn)
        except TransformError as error:
            return [RuleMatch(["Transform"], f"SAM transform failed: {error}")]
        return []


# ------------------------------------------------------------------------------------------ lambda


class LambdaLogGroupRule(_DeployedTemplateCheck, CloudFormationLintRule):
    """Every function logs to a log group of this template that has a retention."""

    id = "E9001"
    tags: ClassVar[list[str]] = ["privacydesk"]
    shortdesc = "Lambda log group with retention"
    description = (
        "Every AWS::Lambda::Function has LoggingConfig.LogGroup referencing a LogGroup with RetentionInDays"
    )

    def check(self, template: dict[str, Any], cfn: Any) -> Iterator[tuple[list[str | int], str]]:
        """Find functions without their own retained log group."""
        log_groups = dict(_resources_of(template, "AWS::Logs::LogGroup"))
        for logical_id, resource in _resources_of(template, "AWS::Lambda::Function"):
            log_group = resource.get("Properties", {}).get("LoggingConfig", {}).get("LogGroup")
            target = _target_id(log_group)
            path = _source_path(cfn, logical_id, "Properties")
            if target not in log_groups:
                yield (
                    path,
                    f"Function {logical_id} must set LoggingConfig.LogGroup to !Ref an AWS::Logs::LogGroup",
                )
            elif "RetentionInDays" not in log_groups[target].get("Properties", {}):
                yield path, f"Log group {target} of function {logical_id} has no RetentionInDays"


class AsyncOnFailureRule(_DeployedTemplateCheck, CloudFormationLintRule):
    """Asynchronously invoked functions send failed events somewhere instead of dropping them."""

    id = "E9002"
    tags: ClassVar[list[str]] = ["privacydesk"]
    shortdesc = "Async Lambda OnFailure destination"
    description = (
        "A function with an EventInvokeConfig, an SES receipt rule action or an async service permission "
        "has an EventInvokeConfig with DestinationConfig.OnFailure"
    )

    def check(self, template: dict[str, Any], cfn: Any) -> Iterator[tuple[list[str | int], str]]:
        """Find async invocations whose failures would be lost."""
        functions = {logical_id for logical_id, _ in _resources_of(template, "AWS::Lambda::Function")}
        covered: set[str] = set()
        for logical_id, resource in _resources_of(template, "AWS::Lambda::EventInvokeConfig"):
            properties = resource.get("Properties", {})
            target = _target_id(properties.get("FunctionName"))
            if properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"):
                if target:
                    covered.add(target)
            else:
                yield (
                    _source_path(cfn, logical_id, "Properties"),
                    f"EventInvokeConfig {logical_id} has no DestinationConfig.OnFailure",
                )

        callers: list[tuple[str, str, str]] = []
        for logical_id, resource in _resources_of(template, "AWS::SES::ReceiptRule"):
            for action in resource.get("Properties", {}).get("Rule", {}).get("Actions", []):
                lambda_action = action.get("LambdaAction") if isinstance(action, dict) else None
                if lambda_action and lambda_action.get("InvocationType", "Event") == "Event":
                    target = _target_id(lambda_action.get("FunctionArn"))
                    if target:
                        callers.append((logical_id, target, "SES receipt rule"))
        for logical_id, resource in _resources_of(template, "AWS::Lambda::Permission"):
            properties = resource.get("Properties", {})
            if properties.get("Principal") in ASYNC_PRINCIPALS:
                target = _target_id(properties.get("FunctionName"))
                if target:
                    callers.append((logical_id, target, str(properties["Principal"])))

        for logical_id, target, caller in callers:
            if target in functions and target not in covered:
                yield (
                    _source_path(cfn, logical_id),
                    f"Function {target} is invoked asynchronously by {caller} {logical_id} "
                    "but has no EventInvokeConfig with an OnFailure destination",
                )


# ------------------------------------------------------------------------------------------ IAM


def policy_statements(template: Mapping[str, Any]) -> Iterator[tuple[str, list[str | int], dict[str, Any]]]:
    """Yield (logical id, path within the resource, statement) for every policy statement in the template."""
    documents: list[tuple[str, list[str | int], Any]] = []
    for logical_id, resource in _resources_of(template, *_POLICY_DOCUMENT_TYPES):
        documents.append(
            (logical_id, ["Properties", "PolicyDocument"], resource["Properties"]["PolicyDocument"])
        )
    for logical_id, resource in _resources_of(template, *_INLINE_POLICY_TYPES):
        for index, policy in enumerate(resource.get("Properties", {}).get("Policies", [])):
            if isinstance(policy, dict):
                path: list[str | int] = ["Properties", "Policies", index, "PolicyDocument"]
                documents.append((logical_id, path, policy.get("PolicyDocument", {})))
    for logical_id, path, document in documents:
        statements = document.get("Statement", []) if isinstance(document, dict) else []
        statements = statements if isinstance(statements, list) else [statements]
        for index, statement in enumerate(statements):
            if isinstance(statement, dict):
                yield logical_id, [*path, "Statement", index], statement


def _strings(value: Any) -> list[str]:
    """Return the literal strings of a string-or-list value (intrinsics are skipped)."""
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, str)]


def _is_allow(statement: Mapping[str, Any]) -> bool:
    """Tell whether a statement grants; a Deny only narrows, so it may name every action."""
    return statement.get("Effect", "Allow") == "Allow"


class IamActionWildcardRule(_DeployedTemplateCheck, CloudFormationLintRule):
    """Allow statements name exact actions."""

    id = "E9003"
    tags: ClassVar[list[str]] = ["privacydesk"]
    shortdesc = "No wildcard IAM actions"
    description = (
        "Allow statements list exact actions: no '*', no 'service:*', no 'service:Get*', no NotAction"
    )

    def check(self, template: dict[str, Any], cfn: Any) -> Iterator[tuple[list[str | int], str]]:
        """Find granted wildcard actions."""
        for logical_id, path, statement in policy_statements(template):
            if not _is_allow(statement):
                continue
            where = _source_path(cfn, logical_id, *path)
            if "NotAction" in statement:
                yield where, f"{logical_id}: an Allow statement must not use NotAction"
            for action in _strings(statement.get("Action", [])):
                if "*" in action or "?" in action:
                    yield where, f"{logical_id}: action '{action}' is a wildcard; list the exact actions"


class IamResourceStarRule(_DeployedTemplateCheck, CloudFormationLintRule):
    """`Resource: '*'` is only for actions that have no resource type."""

    id = "E9004"
    tags: ClassVar[list[str]] = ["privacydesk"]
    shortdesc = "Resource '*' only for allow-listed actions"
    description = "Allow statements on Resource '*' may only hold actions listed in RESOURCE_STAR_ACTIONS"

    def check(self, template: dict[str, Any], cfn: Any) -> Iterator[tuple[list[str | int], str]]:
        """Find actions granted on every resource."""
        for logical_id, path, statement in policy_statements(template):
            if not _is_allow(statement):
                continue
            where = _source_path(cfn, logical_id, *path)
            if "NotResource" in statement:
                yield where, f"{logical_id}: an Allow statement must not use NotResource"
            if "*" not in _strings(statement.get("Resource", [])):
                continue
            for action in _strings(statement.get("Action", [])):
                if action not in RESOURCE_STAR_ACTIONS:
                    yield where, f"{logical_id}: '{action}' on Resource '*' is not in the allow-list"


def managed_policy_name(arn: Any) -> str | None:
    """Return the path and name of an AWS managed policy ARN (also inside Fn::Sub), else None."""
    text = arn.get("Fn::Sub") if isinstance(arn, dict) else arn
    if isinstance(text, str) and ":iam::aws:policy/" in text:
        return text.split(":iam::aws:policy/", 1)[1]
    return None


class ManagedPolicyRule(_DeployedTemplateCheck, CloudFormationLintRule):
    """Roles carry only the AWS managed policies SAM needs, or managed policies this template defines."""

    id = "E9005"
    tags: ClassVar[list[str]] = ["privacydesk"]
    shortdesc = "Only allow-listed managed policies"
    description = (
        "ManagedPolicyArns hold AWS_MANAGED_POLICIES entries or refer to an AWS::IAM::ManagedPolicy here"
    )

    def check(self, template: dict[str, Any], cfn: Any) -> Iterator[tuple[list[str | int], str]]:
        """Find managed policies that grant more than the template shows."""
        defined = {logical_id for logical_id, _ in _resources_of(template, "AWS::IAM::ManagedPolicy")}
        for logical_id, resource in _resources_of(template, *_INLINE_POLICY_TYPES):
            for arn in resource.get("Properties", {}).get("ManagedPolicyArns", []):
                name = managed_policy_name(arn)
                if name in AWS_MANAGED_POLICIES or _target_id(arn) in defined:
                    continue
                yield (
                    _source_path(cfn, logical_id, "Properties", "ManagedPolicyArns"),
                    f"{logical_id}: managed policy {name or arn} is not allow-listed; write exact statements",
                )


# ------------------------------------------------------------------------------------------ storage


class RetainedStorageRule(_DeployedTemplateCheck, CloudFormationLintRule):
    """Tables and buckets hold evidence: they outlive stack deletion and replacement; tables recover."""

    id = "E9006"
    tags: ClassVar[list[str]] = ["privacydesk"]
    shortdesc = "Storage is retained and recoverable"
    description = (
        "Tables and buckets have DeletionPolicy and UpdateReplacePolicy Retain; tables have PITR enabled"
    )

    def check(self, template: dict[str, Any], cfn: Any) -> Iterator[tuple[list[str | int], str]]:
        """Find storage that a stack operation could delete."""
        for logical_id, resource in _resources_of(template, "AWS::DynamoDB::Table", "AWS::S3::Bucket"):
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                if resource.get(policy) != "Retain":
                    yield _source_path(cfn, logical_id), f"{logical_id} must have {policy}: Retain"
            if resource["Type"] == "AWS::DynamoDB::Table":
                pitr = resource.get("Properties", {}).get("PointInTimeRecoverySpecification", {})
                if pitr.get("PointInTimeRecoveryEnabled") is not True:
                    yield (
                        _source_path(cfn, logical_id, "Properties"),
                        f"{logical_id} must enable PointInTimeRecoverySpecification",
                    )
