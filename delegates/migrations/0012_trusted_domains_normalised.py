"""Trusted domains in the form they are matched in (lower case, no leading "@" or
dots): trust is now matched in SQL against that form (``selectors.trust_domains``)."""

from django.db import migrations


def normalise(apps, schema_editor):
    TrustedDomain = apps.get_model("delegates", "TrustedDomain")
    kept = set()
    for row in TrustedDomain.objects.order_by("pk"):
        domain = (row.domain or "").strip().lower().lstrip("@").strip(".")
        if (row.edition_id, domain) in kept:
            row.delete()  # the same entry twice, once normalised
            continue
        kept.add((row.edition_id, domain))
        if domain != row.domain:
            row.domain = domain
            row.save(update_fields=["domain"])


class Migration(migrations.Migration):
    dependencies = [("delegates", "0011_substitutions")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
