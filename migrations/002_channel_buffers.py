"""Channel buffers: stock held back from one sales channel."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create channel_buffer."""

    @migrator.create_model
    class ChannelBuffer(pw.Model):
        id = pw.AutoField()
        channel = pw.CharField(max_length=16)
        location = pw.ForeignKeyField(column_name="location_id", field="id",
                                      model=migrator.orm["location"], null=True,
                                      on_delete="CASCADE")
        quantity = pw.IntegerField(constraints=[pw.Check("quantity >= 0")])
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "channel_buffer"
            indexes = [(("channel", "location"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop channel_buffer."""
    migrator.remove_model("channel_buffer")
