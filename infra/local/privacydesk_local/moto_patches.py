"""A lighter DynamoDB transaction for the local stack's moto (never used in AWS).

moto backs a TransactWriteItems up by deep-copying the whole table once per item of the transaction,
stream included: every record ever written, with its old and new images. The copies grow with the
table's history, and a stack that took a few thousand writes (the API's fuzz tests) spent seconds per
write and tens of GB of memory. Here a transaction backs each table up once, copies only the items it
updates (the others are kept by reference: puts and deletes replace item objects, never change one), and
leaves the stream out: a rolled-back transaction only has the records it appended cut off again.
"""

import copy
import json
import threading
from typing import Any, cast

_PATCHED = "_privacydesk_light_transactions"
# The backups of the transaction running on this thread: one copy per table, whatever its item count.
_backups = threading.local()


def light_transactions() -> None:
    """Patch moto's DynamoDB (once per process): one backup per table per transaction, stream shared."""
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415 - moto is the local stack's only
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    if getattr(DynamoDBBackend, _PATCHED, False):
        return
    original = DynamoDBBackend.transact_write_items

    def table_copy(self: Table, memo: dict[int, Any]) -> Table:
        made: dict[int, Table] | None = getattr(_backups, "tables", None)
        if made is not None and id(self) in made:
            return made[id(self)]
        clone = cast(Table, Table.__new__(Table))
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            if name == "stream_shard":
                setattr(clone, name, value)
            elif made is not None and name == "items":
                setattr(clone, name, _items_backup(self, value))
            else:
                setattr(clone, name, copy.deepcopy(value, memo))
        if made is not None:
            made[id(self)] = clone
        return clone

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        shards = {name: table.stream_shard for name, table in self.tables.items() if table.stream_shard}
        lengths = {name: len(shard.items) for name, shard in shards.items()}
        _backups.tables = {}
        _backups.updated = [op for item in transact_items for kind, op in item.items() if kind == "Update"]
        try:
            original(self, transact_items)
        except Exception:
            # moto put its backups back: give them the live stream, without what the failed writes added.
            for name, shard in shards.items():
                del shard.items[lengths[name] :]
                shard.table = self.tables[name]
            raise
        finally:
            _backups.tables = None

    Table.__deepcopy__ = table_copy  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    setattr(DynamoDBBackend, _PATCHED, True)


def _items_backup(table: Any, items: Any) -> Any:
    """The table's items as the transaction found them: puts and deletes replace or remove item objects,
    so copying the containers keeps the old ones; an update changes its item in place, so that one is
    copied itself."""
    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415

    rows = {h: dict(r) if isinstance(r, dict) else r for h, r in items.items()}
    for op in _backups.updated:
        if op.get("TableName") != table.name:
            continue
        key = op["Key"]
        hash_key = DynamoType(key[table.hash_key_attr])
        if table.range_key_attr is None:
            if hash_key in rows:
                rows[hash_key] = copy.deepcopy(rows[hash_key])
        elif hash_key in rows and (range_key := DynamoType(key[table.range_key_attr])) in rows[hash_key]:
            rows[hash_key][range_key] = copy.deepcopy(rows[hash_key][range_key])
    return items.__class__(items.default_factory, rows)


def listed_modules_once() -> None:
    """Patch moto's server to list its own service modules once, not on every request.

    Dispatching each request, moto's server asks whether the host names one of its modules by listing its
    package folder and testing every entry with isdir: a few hundred system calls per request, which the
    local stack's pollers and senders make by the thousand.
    """
    from moto import backends  # noqa: PLC0415

    if getattr(backends, _PATCHED, False):
        return
    modules = frozenset(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    setattr(backends, _PATCHED, True)


def cheap_retention_check() -> None:
    """Patch moto's SQS to read a queue's retention period directly when receiving.

    moto checks each message it hands out against the queue's retention period by asking for the queue's
    attributes, which recounts every message of the queue: receiving from a queue of n messages costs n²,
    and the notice queue holds thousands.
    """
    from moto.core.utils import unix_time  # noqa: PLC0415
    from moto.sqs.models import Message, SQSBackend  # noqa: PLC0415

    if getattr(SQSBackend, _PATCHED, False):
        return

    def retained(self: SQSBackend, queue_name: str, message: Message) -> bool:
        period = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
        return bool(period + message.sent_timestamp / 1000 > unix_time())  # type: ignore[operator]

    SQSBackend.is_message_valid_based_on_retention_period = retained  # type: ignore[method-assign]
    setattr(SQSBackend, _PATCHED, True)


# What SES would echo back in each sent message's events: its EmailTags, by SES message id. moto keeps no
# tags on sent mail; the local stack's mail drop takes them from here when it plays the events.
SENT_TAGS: dict[str, dict[str, list[str]]] = {}


def remembered_tags() -> None:
    """Patch moto's SES v2 SendEmail to remember each message's EmailTags in SENT_TAGS."""
    from moto.sesv2.responses import SESV2Response  # noqa: PLC0415

    if getattr(SESV2Response, _PATCHED, False):
        return
    original = SESV2Response.send_email

    def send_email(self: SESV2Response) -> str:
        answer = original(self)
        tags = json.loads(self.body).get("EmailTags") or []
        if tags:
            SENT_TAGS[json.loads(answer)["MessageId"]] = {t["Name"]: [t["Value"]] for t in tags}
        return answer

    SESV2Response.send_email = send_email  # type: ignore[method-assign]
    setattr(SESV2Response, _PATCHED, True)
