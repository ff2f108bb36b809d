"""Photos of returned items (issue #8): one row per stored JPEG of a return line."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create return_photo."""

    @migrator.create_model
    class ReturnPhoto(pw.Model):
        id = pw.AutoField()
        return_line = pw.ForeignKeyField(column_name="return_line_id", field="id",
                                         model=migrator.orm["return_line"],
                                         on_delete="CASCADE")
        stored_name = pw.CharField(max_length=64, unique=True)
        content_type = pw.CharField(max_length=40, default="image/jpeg")
        size = pw.IntegerField()
        width = pw.IntegerField()
        height = pw.IntegerField()
        uploaded_at = pw.DateTimeField()
        uploaded_by = pw.CharField(max_length=160, default="")

        class Meta:
            table_name = "return_photo"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop return_photo (its files stay in UPLOAD_DIR)."""
    migrator.remove_model("return_photo")
