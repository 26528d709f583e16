"""Photo facts on the row: when it was taken, its clock's offset, the camera.

Nullable columns, no data migration: the files stored so far had their Exif
stripped at upload (STRIP_METADATA), so there is nothing left to read the
facts from. Existing images say "not known" (null) — also those stored with
STRIP_METADATA off, whose files would still have it, rather than open every
stored file (possibly on S3) inside a migration.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('images', '0008_displayed_dimensions_and_placeholders'),
    ]

    operations = [
        migrations.AddField(
            model_name='image',
            name='camera',
            field=models.CharField(blank=True, editable=False, max_length=100, null=True),
        ),
        migrations.AddField(
            model_name='image',
            name='taken_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='image',
            name='taken_at_offset',
            field=models.SmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name='image',
            constraint=models.CheckConstraint(condition=models.Q(('taken_at_offset__isnull', True), models.Q(('taken_at_offset__gte', -840), ('taken_at_offset__lte', 840)), _connector='OR'), name='image_taken_at_offset_in_range'),
        ),
    ]
