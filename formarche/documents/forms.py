"""Shape only: the file's checks are in checks.py, run by the service."""

from django import forms

from formarche.documents.models import DocumentType
from formarche.utils.forms import StyledFormMixin


class DocumentUploadForm(StyledFormMixin, forms.Form):
    doc_type = forms.ChoiceField(label="Type de document", choices=[("", "—")] + DocumentType.choices)
    enrolment = forms.ChoiceField(
        label="Stagiaire concerné",
        required=False,
        help_text="Facultatif : laissez vide pour un document de l'action.",
    )
    description = forms.CharField(label="Description", max_length=250, required=False)
    file = forms.FileField(
        label="Fichier",
        help_text="PDF, image PNG ou JPEG, document Word, Excel, PowerPoint ou OpenDocument.",
    )

    def __init__(self, *args, enrolments=(), max_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].choices = [("", "— Document de l'action —")] + [
            (str(e.pk), str(e.trainee)) for e in enrolments
        ]
        if max_label:
            self.fields["file"].help_text += f" Taille maximale : {max_label}."
        self.fields["file"].widget.attrs["accept"] = (
            ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx,.odt,.ods,.odp,.doc,.xls,.ppt"
        )
