"""Products: the reviewer's return comment, disclosure details on disseminations, and each
report, entity or job cited at most once per product."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="dissemination",
            name="conditions_acknowledged",
            field=models.BooleanField(
                default=False, verbose_name="handling conditions acknowledged"
            ),
        ),
        migrations.AddField(
            model_name="dissemination",
            name="provider_permission",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="provider's permission reference"
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="returned_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="returned for changes"),
        ),
        migrations.AddField(
            model_name="product",
            name="review_comment",
            field=models.TextField(blank=True, verbose_name="review comment"),
        ),
        migrations.AddConstraint(
            model_name="citation",
            constraint=models.UniqueConstraint(
                fields=("product", "report"), name="analysis_cite_report_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="citation",
            constraint=models.UniqueConstraint(
                fields=("product", "entity"), name="analysis_cite_entity_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="citation",
            constraint=models.UniqueConstraint(
                fields=("product", "job"), name="analysis_cite_job_once"
            ),
        ),
    ]
