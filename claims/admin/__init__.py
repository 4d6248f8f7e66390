"""The curators' workspace.

Curators (group "Curator") add and edit drafts and submit them for review;
editors (group "Editor") also publish and retract. Status only ever changes
through Claim.submit/publish/retract, called from the actions and buttons
of claimadmin.py after a permission check, so no form field — and no crafted POST — can
set it.

One module per part of the workspace; importing them registers their
ModelAdmins (Django imports claims.admin at start-up).
"""

from django.contrib import admin

from claims.admin import citationadmin, claimadmin, sourceadmin, vocabularyadmin  # noqa: F401

# The home page says what waits for each curator and editor (templatetags/curation.py).
admin.site.index_template = "admin/claims/index.html"
