"""Forms of the knowledge pages: the upload (tenant admin and onboarding wizard) and "try a question"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from knowledge.models import Category, Language


class UploadForm(forms.Form):
    file = forms.FileField(help_text="Markdown, JSON, CSV, PDF or DOCX.")
    category = forms.ChoiceField(
        choices=[("", "— from the file —"), *Category.choices],
        required=False,
        help_text="Required for PDF and DOCX, which carry no category of their own.",
    )
    language = forms.ChoiceField(choices=[("", "— detect —"), *Language.choices], required=False)

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size > settings.KNOWLEDGE_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {settings.KNOWLEDGE_UPLOAD_MAX_BYTES} bytes.")
        return file


class TryForm(forms.Form):
    q = forms.CharField(label="Question", max_length=500)
    on = forms.DateField(label="As of", required=False, help_text="Default: today in the property's timezone.")
