"""The admin's autocomplete widgets, safe with any posted value.

Django's autocomplete widgets look the chosen values up to draw them again on a
form with errors, and a value that is no id at all (`source=abc`) made that
lookup raise: a 500 where the form had already said "Select a valid choice".
These draw only the values the related model's key can hold.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


def fits_key(key, value) -> bool:
    """Whether `value` is one the model field `key` can hold (an id, say)."""
    try:
        python = key.to_python(value)
    except ValidationError:
        return False
    # Integers past 64 bits are no id, and SQLite cannot even compare them.
    return not isinstance(python, int) or abs(python) < 2**63


class _ValidValuesMixin:
    def optgroups(self, name, value, attr=None):
        opts = self.field.remote_field.model._meta
        key = opts.get_field(getattr(self.field.remote_field, "field_name", None) or opts.pk.name)
        return super().optgroups(name, [v for v in value if fits_key(key, v)], attr)


class SafeAutocompleteSelect(_ValidValuesMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_ValidValuesMixin, AutocompleteSelectMultiple):
    pass


class IdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses a value that is no id before looking the values up, which on
    SQLite fails outright for an integer past 64 bits."""

    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name or opts.pk.name)
        for pk in value:
            if not fits_key(key, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class SafeAutocompleteMixin:
    """For a ModelAdmin: its `autocomplete_fields` drawn with the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
            kwargs.setdefault("form_class", IdsMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
