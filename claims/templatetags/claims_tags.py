"""Template tags for the public pages: links into the claim list, counts, author lists."""

from django import template

from claims.models import Author
from claims.parameters import claim_list_url as _claim_list_url

register = template.Library()


@register.simple_tag
def claim_list_url(**filters):
    """{% claim_list_url company=company.slug kind="event" %}: the claim list with those filters."""
    return _claim_list_url(**{name: value if isinstance(value, list) else [value] for name, value in filters.items()})


@register.simple_tag
def count_label(count, capped, singular, plural):
    """'1 claim', '1,234 claims', '10,000+ claims'."""
    return f"{count:,}{'+' if capped else ''} {singular if count == 1 and not capped else plural}"


@register.filter
def author_list(authors):
    """'Sacks, Samm', 'Sacks, Samm and Li, Wei (ed.)': names in byline order, roles other than author noted."""
    names = [
        str(author) if author.role == Author.Role.AUTHOR else f"{author} ({author.get_role_display()})"
        for author in authors
    ]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return "".join(names)
