"""Create the stateful resources of template.yaml on a local AWS (moto) and resolve function settings."""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import yaml
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ServerSideEncryptionConfigurationTypeDef
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "LocalResources",
    "SqsSource",
    "TemplateError",
    "create_resources",
    "function_environment",
    "function_ids",
    "handler_of",
    "load_template",
    "public_routes",
    "queue_arn",
    "sqs_sources",
]

LOGGER = logging.getLogger(__name__)

Template = Mapping[str, Any]

# moto's default account; any fixed value works as long as ARNs built here agree with each other.
LOCAL_ACCOUNT_ID = "123456789012"
SERVERLESS_FUNCTION = "AWS::Serverless::Function"

_SCALAR_TAGS = ("Ref", "Condition")
_FN_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "ToJsonString",
    "Length",
)
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")
_BUCKET_UNSAFE = re.compile(r"[^a-z0-9.-]+")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class TemplateError(ValueError):
    """The template holds something this loader cannot create or resolve locally."""


@dataclass(frozen=True)
class LocalResources:
    """Physical names of the resources created locally, keyed by the template's logical ids."""

    tables: Mapping[str, str] = field(default_factory=dict)
    buckets: Mapping[str, str] = field(default_factory=dict)
    queues: Mapping[str, str] = field(default_factory=dict)
    streams: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    region: str = "us-east-1"
    account_id: str = LOCAL_ACCOUNT_ID


# ------------------------------------------------------------------------------------------ loading


class _TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that reads CloudFormation short-form tags as their long form."""


def _construct_tag(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    """Return a constructor turning `!Name value` into `{"Fn::Name": value}` (or Ref/Condition)."""

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        elif isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        else:  # pragma: no cover - yaml has no other node kinds
            raise TemplateError(f"unsupported node for !{name}")
        if name in _SCALAR_TAGS:
            return {name: value}
        if name == "GetAtt" and isinstance(value, str):
            logical_id, _, attribute = value.partition(".")
            return {"Fn::GetAtt": [logical_id, attribute]}
        return {f"Fn::{name}": value}

    return construct


for _tag in (*_SCALAR_TAGS, *_FN_TAGS, "GetAtt"):
    _TemplateLoader.add_constructor(f"!{_tag}", _construct_tag(_tag))
# CloudFormation keeps "2010-09-09" a string; so must we.
_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_template(path: str | Path) -> dict[str, Any]:
    """Read a CloudFormation/SAM YAML template with short-form intrinsics turned into long form."""
    with Path(path).open(encoding="utf-8") as stream:
        loaded = yaml.load(stream, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(loaded, dict) or not isinstance(loaded.get("Resources"), dict):
        raise TemplateError(f"{path} is not a template with Resources")
    return loaded


# ------------------------------------------------------------------------------------------ queries


def _resources(template: Template) -> Mapping[str, Mapping[str, Any]]:
    """Return the Resources section."""
    resources: Mapping[str, Mapping[str, Any]] = template["Resources"]
    return resources


def _of_type(template: Template, resource_type: str) -> dict[str, Mapping[str, Any]]:
    """Return logical id -> properties of every resource of one type, in template order."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in _resources(template).items()
        if resource.get("Type") == resource_type
    }


def function_ids(template: Template) -> list[str]:
    """Return the logical ids of the SAM functions, in template order."""
    return list(_of_type(template, SERVERLESS_FUNCTION))


def _function(template: Template, logical_id: str) -> Mapping[str, Any]:
    """Return a SAM function's own properties, or raise TemplateError."""
    resource = _resources(template).get(logical_id)
    if resource is None or resource.get("Type") != SERVERLESS_FUNCTION:
        raise TemplateError(f"{logical_id} is not an {SERVERLESS_FUNCTION}")
    properties: Mapping[str, Any] = resource.get("Properties", {})
    return properties


def _function_globals(template: Template) -> Mapping[str, Any]:
    """Return Globals.Function."""
    function_globals: Mapping[str, Any] = template.get("Globals", {}).get("Function", {})
    return function_globals


def public_routes(template: Template, logical_id: str) -> list[tuple[str, str]]:
    """(method, path) of the function's API events that need no authorisation (Auth: Authorizer: NONE)."""
    events = _function(template, logical_id).get("Events", {})
    return [
        (str(e["Properties"]["Method"]).upper(), str(e["Properties"]["Path"]))
        for e in events.values()
        if e.get("Type") == "Api" and e["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    ]


def stream_filters(template: Template, logical_id: str) -> list[dict[str, Any]]:
    """The FilterCriteria patterns of the function's DynamoDB stream events, parsed (empty: none)."""
    events = _function(template, logical_id).get("Events", {})
    return [
        json.loads(entry["Pattern"])
        for event in events.values()
        if event.get("Type") == "DynamoDB"
        for entry in event["Properties"].get("FilterCriteria", {}).get("Filters", [])
    ]


def handler_of(template: Template, logical_id: str) -> str:
    """Return the Handler of a SAM function (its own, or the global one)."""
    handler = _function(template, logical_id).get("Handler", _function_globals(template).get("Handler"))
    if not isinstance(handler, str):
        raise TemplateError(f"{logical_id} has no Handler")
    return handler


# ------------------------------------------------------------------------------------------ creation


def _physical_name(prefix: str, logical_id: str) -> str:
    """Return a table or queue name for a logical id."""
    return _NAME_UNSAFE.sub("-", f"{prefix}-{logical_id}")[:80]


def _bucket_name(prefix: str, logical_id: str) -> str:
    """Return a valid, lower-case bucket name for a logical id."""
    name = _BUCKET_UNSAFE.sub("-", f"{prefix}-{logical_id}".lower()).strip(".-")[:63].rstrip(".-")
    if len(name) < 3:
        raise TemplateError(f"cannot derive a bucket name from prefix={prefix!r} logical_id={logical_id}")
    return name


def _literal(value: Any, where: str) -> Any:
    """Return a value that must not be an intrinsic function."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
        raise TemplateError(f"{where} uses {next(iter(value))}; only literal values can be created locally")
    return value


def _already_exists(error: ClientError, codes: tuple[str, ...]) -> bool:
    """Tell whether a create call failed only because the resource is there already."""
    return error.response.get("Error", {}).get("Code") in codes


def _create_table(client: DynamoDBClient, name: str, properties: Mapping[str, Any]) -> str | None:
    """Create one table from its template properties; return its stream ARN, if it has a stream."""
    billing_mode = _literal(properties.get("BillingMode", "PROVISIONED"), f"{name}.BillingMode")
    default_throughput = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": _literal(properties["KeySchema"], f"{name}.KeySchema"),
        "AttributeDefinitions": _literal(properties["AttributeDefinitions"], f"{name}.AttributeDefinitions"),
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        request["ProvisionedThroughput"] = properties.get("ProvisionedThroughput", default_throughput)
    for section in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = []
        for index in properties.get(section, []):
            wanted = {key: index[key] for key in ("IndexName", "KeySchema", "Projection") if key in index}
            if section == "GlobalSecondaryIndexes" and billing_mode == "PROVISIONED":
                wanted["ProvisionedThroughput"] = index.get("ProvisionedThroughput", default_throughput)
            indexes.append(wanted)
        if indexes:
            request[section] = indexes
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    if properties.get("SSESpecification", {}).get("SSEEnabled"):
        request["SSESpecification"] = {"Enabled": True}
    try:
        client.create_table(**request)
    except ClientError as error:
        if not _already_exists(error, ("ResourceInUseException",)):
            raise
        LOGGER.info("table exists already", extra={"table": name})
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})

    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        described_ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if described_ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
    pitr = properties.get("PointInTimeRecoverySpecification", {})
    if pitr.get("PointInTimeRecoveryEnabled"):
        try:
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        except ClientError:
            LOGGER.info("point-in-time recovery not available locally", extra={"table": name})
    return client.describe_table(TableName=name)["Table"].get("LatestStreamArn")


def _create_bucket(
    client: S3Client, name: str, properties: Mapping[str, Any], parameters: Callable[[Any], Any]
) -> None:
    """Create one bucket and apply its encryption, versioning, Object Lock and public-access block."""
    region = client.meta.region_name
    request: dict[str, Any] = {"Bucket": name}
    if region not in (None, "us-east-1"):
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if properties.get("ObjectLockEnabled"):
        request["ObjectLockEnabledForBucket"] = True
    try:
        client.create_bucket(**request)
    except ClientError as error:
        if not _already_exists(error, ("BucketAlreadyOwnedByYou",)):
            raise
        LOGGER.info("bucket exists already", extra={"bucket": name})

    extras: list[tuple[str, Callable[[], object]]] = []
    # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
    encryption = [
        {
            "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
            **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {}),
        }
        for rule in properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        if "ServerSideEncryptionByDefault" in rule
    ]
    if encryption:
        extras.append(
            (
                "encryption",
                lambda: client.put_bucket_encryption(
                    Bucket=name,
                    ServerSideEncryptionConfiguration=cast(
                        "ServerSideEncryptionConfigurationTypeDef", {"Rules": encryption}
                    ),
                ),
            )
        )
    versioning = properties.get("VersioningConfiguration", {}).get("Status")
    if versioning:
        extras.append(
            (
                "versioning",
                lambda: client.put_bucket_versioning(
                    Bucket=name, VersioningConfiguration={"Status": versioning}
                ),
            )
        )
    lock_rule = properties.get("ObjectLockConfiguration", {}).get("Rule", {}).get("DefaultRetention")
    if lock_rule:
        retention = {"Mode": parameters(lock_rule["Mode"]), "Days": int(parameters(lock_rule["Days"]))}
        extras.append(
            (
                "object lock",
                lambda: client.put_object_lock_configuration(
                    Bucket=name,
                    ObjectLockConfiguration={
                        "ObjectLockEnabled": "Enabled",
                        "Rule": {"DefaultRetention": retention},  # type: ignore[typeddict-item]
                    },
                ),
            )
        )
    public_access = properties.get("PublicAccessBlockConfiguration")
    if public_access:
        extras.append(
            (
                "public access block",
                lambda: client.put_public_access_block(
                    Bucket=name, PublicAccessBlockConfiguration=public_access
                ),
            )
        )
    for what, apply in extras:
        try:
            apply()
        except ClientError:
            LOGGER.info("bucket setting not available locally", extra={"bucket": name, "setting": what})


_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
)


def _queue_attribute(value: Any) -> str:
    """Render a queue attribute the way the SQS API wants it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _queue_arn(region: str, account_id: str, url: str) -> str:
    """Return the ARN of the queue at a URL (its name is the URL's last segment)."""
    return f"arn:aws:sqs:{region}:{account_id}:{url.rstrip('/').rsplit('/', 1)[-1]}"


def _arn_of(value: Any) -> str | None:
    """Return the logical id in `!GetAtt <id>.Arn` (either long form), or None for any other value."""
    argument = value.get("Fn::GetAtt") if isinstance(value, Mapping) and len(value) == 1 else None
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    if isinstance(argument, list) and len(argument) == 2 and argument[1] == "Arn":
        return str(argument[0])
    return None


def _dead_letter_queue(logical_id: str, properties: Mapping[str, Any]) -> str | None:
    """Return the logical id of the queue a RedrivePolicy sends to, if it has one."""
    policy = properties.get("RedrivePolicy")
    if policy is None:
        return None
    target = _arn_of(policy.get("deadLetterTargetArn") if isinstance(policy, Mapping) else None)
    if target is None:
        raise TemplateError(f"{logical_id}.RedrivePolicy needs deadLetterTargetArn: !GetAtt <queue>.Arn")
    return target


def _create_queue(
    client: SQSClient, name: str, properties: Mapping[str, Any], dead_letter_arn: str | None
) -> str:
    """Create one queue from its template properties and return its URL."""
    attributes = {
        key: _queue_attribute(_literal(properties[key], f"{name}.{key}"))
        for key in _QUEUE_ATTRIBUTES
        if key in properties
    }
    if dead_letter_arn is not None:
        max_receives = _literal(properties["RedrivePolicy"]["maxReceiveCount"], f"{name}.maxReceiveCount")
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": int(max_receives)}
        )
    if attributes.get("FifoQueue") == "true":
        name = f"{name[:75]}.fifo"
    return client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]


def _create_queues(client: SQSClient, prefix: str, template: Template) -> dict[str, str]:
    """Create the template's queues, each dead-letter queue before the queues that redrive to it."""
    pending = _of_type(template, "AWS::SQS::Queue")
    targets = {logical_id: _dead_letter_queue(logical_id, props) for logical_id, props in pending.items()}
    region = client.meta.region_name or "us-east-1"
    queues: dict[str, str] = {}
    while pending:
        # SQS refuses a RedrivePolicy whose dead-letter queue does not exist yet.
        ready = [logical_id for logical_id in pending if targets[logical_id] in (None, *queues)]
        if not ready:
            raise TemplateError(f"dead-letter queues missing or in a cycle: {sorted(pending)}")
        for logical_id in ready:
            target = targets[logical_id]
            dead_letter_arn = None if target is None else _queue_arn(region, LOCAL_ACCOUNT_ID, queues[target])
            name = _physical_name(prefix, logical_id)
            queues[logical_id] = _create_queue(client, name, pending.pop(logical_id), dead_letter_arn)
    # Template order, as for every other kind of resource.
    return {logical_id: queues[logical_id] for logical_id in _of_type(template, "AWS::SQS::Queue")}


def _create_secret(client: Any, name: str) -> str:
    """Create a secret with a random value (or find it); return its ARN, which is what Ref gives."""
    try:
        return str(client.create_secret(Name=name, SecretString=secrets.token_urlsafe(48))["ARN"])
    except ClientError as error:
        if not _already_exists(error, ("ResourceExistsException",)):
            raise
        return str(client.describe_secret(SecretId=name)["ARN"])


def create_resources(
    template: Template,
    prefix: str,
    *,
    session: boto3.session.Session | None = None,
    endpoint_url: str | None = None,
    dynamodb: DynamoDBClient | None = None,
    s3: S3Client | None = None,
    sqs: SQSClient | None = None,
    secretsmanager: Any = None,
    parameters: Mapping[str, str] | None = None,
) -> LocalResources:
    """Create the template's tables, buckets, queues and secrets; clients come from the caller or its session.

    Secrets get a fresh random value, as CloudFormation's GenerateSecretString would give them.
    """
    if session is None and None in (dynamodb, s3, sqs):
        raise ValueError("pass a boto3 session, or all three clients, so the caller chooses the endpoint")
    if dynamodb is None:
        assert session is not None  # noqa: S101 - narrowed by the check above
        dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    if s3 is None:
        assert session is not None  # noqa: S101
        s3 = session.client("s3", endpoint_url=endpoint_url)
    if sqs is None:
        assert session is not None  # noqa: S101
        sqs = session.client("sqs", endpoint_url=endpoint_url)

    tables: dict[str, str] = {}
    streams: dict[str, str] = {}
    for logical_id, properties in _of_type(template, "AWS::DynamoDB::Table").items():
        tables[logical_id] = _physical_name(prefix, logical_id)
        stream_arn = _create_table(dynamodb, tables[logical_id], properties)
        if stream_arn:
            streams[logical_id] = stream_arn

    def parameter(value: Any) -> Any:
        if isinstance(value, Mapping) and set(value) == {"Ref"}:
            name = value["Ref"]
            given = (parameters or {}).get(name)
            return given if given is not None else template.get("Parameters", {})[name]["Default"]
        return value

    buckets: dict[str, str] = {}
    for logical_id, properties in _of_type(template, "AWS::S3::Bucket").items():
        buckets[logical_id] = _bucket_name(prefix, logical_id)
        _create_bucket(s3, buckets[logical_id], properties, parameter)

    queues = _create_queues(sqs, prefix, template)

    secrets: dict[str, str] = {}
    secret_specs = _of_type(template, "AWS::SecretsManager::Secret")
    if secret_specs:
        manager = secretsmanager or (
            session.client("secretsmanager", endpoint_url=endpoint_url) if session else None
        )
        if manager is None:
            raise ValueError("the template has secrets: pass a session or a secretsmanager client")
        for logical_id in secret_specs:
            secrets[logical_id] = _create_secret(manager, _physical_name(prefix, logical_id))

    return LocalResources(
        tables=MappingProxyType(tables),
        buckets=MappingProxyType(buckets),
        queues=MappingProxyType(queues),
        streams=MappingProxyType(streams),
        secrets=MappingProxyType(secrets),
        region=dynamodb.meta.region_name or "us-east-1",
    )


# ------------------------------------------------------------------------------------------ resolving


@dataclass(frozen=True)
class _Resolver:
    """Resolves intrinsic functions against local resources and parameter values."""

    template: Template
    resources: LocalResources
    parameters: Mapping[str, str]

    def pseudo(self, name: str) -> str:
        """Return a pseudo parameter's local value."""
        values = {
            "AWS::Region": self.resources.region,
            "AWS::AccountId": self.resources.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "privacydesk-local",
            "AWS::StackId": f"arn:aws:cloudformation:{self.resources.region}:{self.resources.account_id}"
            ":stack/privacydesk-local/local",
        }
        if name not in values:
            raise TemplateError(f"pseudo parameter {name} has no local value")
        return self.parameters.get(name, values[name])

    def ref(self, name: str) -> str:
        """Return what Ref gives for a parameter, pseudo parameter or resource."""
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        parameter = self.template.get("Parameters", {}).get(name)
        if parameter is not None:
            if "Default" not in parameter:
                raise TemplateError(f"parameter {name} has no Default and no value was given")
            return _scalar(parameter["Default"])
        if name in self.resources.tables:
            return self.resources.tables[name]
        if name in self.resources.buckets:
            return self.resources.buckets[name]
        if name in self.resources.queues:
            return self.resources.queues[name]
        if name in self.resources.secrets:
            return self.resources.secrets[name]
        if name in _resources(self.template):
            return name
        raise TemplateError(f"Ref to unknown name {name}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        """Return what Fn::GetAtt gives for the local resources; other resources get a stable local name."""
        region, account = self.resources.region, self.resources.account_id
        if logical_id in self.resources.tables:
            table = self.resources.tables[logical_id]
            if attribute == "StreamArn" and logical_id in self.resources.streams:
                return self.resources.streams[logical_id]
            if attribute == "Arn":
                return f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        if logical_id in self.resources.buckets:
            bucket = self.resources.buckets[logical_id]
            attributes = {"Arn": f"arn:aws:s3:::{bucket}", "DomainName": f"{bucket}.s3.amazonaws.com"}
            if attribute in attributes:
                return attributes[attribute]
        if logical_id in self.resources.queues:
            url = self.resources.queues[logical_id]
            queue = url.rstrip("/").rsplit("/", 1)[-1]
            attributes = {
                "Arn": _queue_arn(region, account, url),
                "QueueName": queue,
                "QueueUrl": url,
            }
            if attribute in attributes:
                return attributes[attribute]
        if logical_id not in _resources(self.template):
            raise TemplateError(f"Fn::GetAtt to unknown resource {logical_id}")
        return f"{logical_id}.{attribute}"

    def sub(self, text: str, variables: Mapping[str, Any]) -> str:
        """Return Fn::Sub's result, with ${!Literal} kept as ${Literal}."""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return self.resolve(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, _, attribute = name.partition(".")
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")

    def condition(self, name: str) -> bool:
        """Evaluate a named condition."""
        definition = self.template.get("Conditions", {}).get(name)
        if definition is None:
            raise TemplateError(f"unknown condition {name}")
        return self.truth(definition)

    def truth(self, value: Any) -> bool:
        """Evaluate a condition function."""
        ((function, argument),) = value.items()
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            return self.resolve(argument[0]) == self.resolve(argument[1])
        if function == "Fn::And":
            return all(self.truth(item) for item in argument)
        if function == "Fn::Or":
            return any(self.truth(item) for item in argument)
        if function == "Fn::Not":
            return not self.truth(argument[0])
        raise TemplateError(f"{function} is not a condition function")

    def resolve_list(self, value: Any) -> list[str]:
        """Resolve something that must become a list of strings."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict) and "Fn::Split" in value:
            delimiter, source = value["Fn::Split"]
            return self.resolve(source).split(delimiter)
        raise TemplateError(f"expected a list, got {value!r}")

    def branch(self, value: Any) -> Any:
        """The branch an Fn::If takes (nested ones too); any other value as it is."""
        while isinstance(value, dict) and set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            value = when_true if self.condition(name) else when_false
        return value

    def resolve(self, value: Any) -> str:
        """Resolve a value to the string the function would see in its environment."""
        if not isinstance(value, dict):
            return _scalar(value)
        if len(value) != 1:
            raise TemplateError(f"expected a value or one intrinsic function, got {value!r}")
        ((function, argument),) = value.items()
        if function == "Ref":
            return self.ref(argument)
        if function == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self.get_att(logical_id, attribute)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            return self.sub(text, variables)
        if function == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(self.resolve_list(items))
        if function == "Fn::Select":
            index, items = argument
            return self.resolve_list(items)[int(self.resolve(index))]
        if function == "Fn::If":
            return self.resolve(self.branch(value))
        if function == "Fn::FindInMap":
            mapping, key, entry = (self.resolve(item) for item in argument)
            return _scalar(self.template["Mappings"][mapping][key][entry])
        raise TemplateError(f"{function} cannot be resolved locally")


def _scalar(value: Any) -> str:
    """Render a YAML scalar as CloudFormation would put it in an environment variable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"expected a scalar, got {value!r}")


def _is_no_value(value: Any) -> bool:
    """Tell whether a value is Ref AWS::NoValue, which removes the variable."""
    return isinstance(value, dict) and value.get("Ref") == "AWS::NoValue"


def function_environment(
    template: Template,
    function_logical_id: str,
    resources: LocalResources,
    parameters: Mapping[str, str],
) -> dict[str, str]:
    """Return a function's environment (Globals then its own) resolved to local physical values."""
    own = _function(template, function_logical_id).get("Environment", {}).get("Variables", {})
    shared = _function_globals(template).get("Environment", {}).get("Variables", {})
    resolver = _Resolver(template=template, resources=resources, parameters=parameters)
    chosen = {name: resolver.branch(value) for name, value in {**shared, **own}.items()}
    return {name: resolver.resolve(value) for name, value in chosen.items() if not _is_no_value(value)}


# ------------------------------------------------------------------------------------------ SQS triggers

# The SQS event properties the local poller plays; any other would change delivery, so it is refused.
_SQS_EVENT_PROPERTIES = frozenset({"Queue", "BatchSize", "FunctionResponseTypes", "ScalingConfig"})


@dataclass(frozen=True)
class SqsSource:
    """One SQS event source mapping of a function: its queue's logical id and how it delivers."""

    queue: str
    batch_size: int = 10
    report_failures: bool = False
    # ScalingConfig.MaximumConcurrency; None when the template sets no limit.
    max_concurrency: int | None = None


def sqs_sources(
    template: Template, function: str, parameters: Mapping[str, str] | None = None
) -> list[SqsSource]:
    """The function's SQS events (Type: SQS, Queue: !GetAtt <queue>.Arn), in template order.

    MaximumConcurrency may be a literal or a !Ref to a template parameter (given, else its default).
    """
    sources = []
    for name, event in _function(template, function).get("Events", {}).items():
        if event.get("Type") != "SQS":
            continue
        properties = event["Properties"]
        where = f"{function}.Events.{name}"
        unsupported = set(properties) - _SQS_EVENT_PROPERTIES
        if unsupported:
            raise TemplateError(f"{where}: {sorted(unsupported)} not played by the local SQS poller")
        queue = _arn_of(properties["Queue"])
        if queue is None:
            raise TemplateError(f"{where}.Queue must be !GetAtt <queue>.Arn")
        response_types = _literal(
            properties.get("FunctionResponseTypes", []), f"{where}.FunctionResponseTypes"
        )
        concurrency = _parameter(
            template, properties.get("ScalingConfig", {}).get("MaximumConcurrency"), parameters
        )
        sources.append(
            SqsSource(
                queue=queue,
                batch_size=int(_literal(properties.get("BatchSize", 10), f"{where}.BatchSize")),
                report_failures="ReportBatchItemFailures" in response_types,
                max_concurrency=None
                if concurrency is None
                else int(_literal(concurrency, f"{where}.MaximumConcurrency")),
            )
        )
    return sources


def _parameter(template: Template, value: Any, given: Mapping[str, str] | None) -> Any:
    """A !Ref to a template parameter replaced by its given value or its default; anything else as is."""
    if not (isinstance(value, dict) and set(value) == {"Ref"}):
        return value
    name = value["Ref"]
    declared = template.get("Parameters", {}).get(name)
    if declared is None:
        return value
    return (given or {}).get(name, declared.get("Default", value))


def queue_arn(resources: LocalResources, logical_id: str) -> str:
    """The ARN of a queue created by create_resources, as !GetAtt <queue>.Arn gives it."""
    return _queue_arn(resources.region, resources.account_id, resources.queues[logical_id])
