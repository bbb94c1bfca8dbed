from django.db import migrations, models


class Migration(migrations.Migration):
    """The last kernel migration for audit verbs: the column keeps its strings, and the
    verbs are now declared and registered by each context (kernel.audit_actions)."""

    dependencies = [
        ('kernel', '0002_audit_actions_for_sign_in_and_consent'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(max_length=32, verbose_name='action'),
        ),
    ]
