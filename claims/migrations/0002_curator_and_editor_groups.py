"""The two groups the workflow depends on: Curator and Editor.

Curators add and edit drafts and submit them for review; editors can also
publish and retract. Permissions are created here first, because post_migrate
(which normally creates them) has not run yet on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = ["source", "author", "company", "topic", "claim", "citation", "claimrelation"]
CURATOR = [f"{action}_{model}" for model in EDITABLE for action in ("view", "add", "change")]
CURATOR += ["view_historicalclaim", "view_historicalcitation", "submit_claim"]
EDITOR = CURATOR + [f"delete_{model}" for model in EDITABLE] + ["publish_claim", "retract_claim"]


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Curator", CURATOR), ("Editor", EDITOR)):
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for group {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Curator", "Editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
