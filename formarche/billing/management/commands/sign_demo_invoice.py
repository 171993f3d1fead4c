"""``formarche manage sign_demo_invoice <pdf> <sortie>``: sign a PDF with the demo signer.

For the demonstration only: the signer and its CA are the throw-away ones of ``var/demo-pki/``
(created by ``formarche demo``), trusted by ``config/settings/dev.py`` alone.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from formarche.billing.demo_pki import demo_pki_dir, load_pki, sign_pdf


class Command(BaseCommand):
    help = (
        "Signe un PDF (une facture téléchargée) avec le signataire de démonstration de var/demo-pki/, "
        "pour essayer le dépôt d'une facture signée. Réservé à la démonstration."
    )

    def add_arguments(self, parser):
        parser.add_argument("pdf", help="la facture à signer (PDF)")
        parser.add_argument(
            "sortie",
            help="le fichier signé à écrire, nommé selon la règle (ex. 23Q00030612_1_ORGANISME_CRE FINAL.pdf)",
        )

    def handle(self, *args, **options):
        directory = demo_pki_dir()
        if directory is None:
            raise CommandError(
                "Aucune PKI de démonstration n'est configurée (FORMARCHE_DEMO_PKI_DIR) : "
                "cette commande ne sert qu'avec les réglages de développement."
            )
        try:
            pki = load_pki(directory)
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(
                f"PKI de démonstration absente ou illisible dans {directory} : lancez d'abord « formarche demo »."
            ) from exc
        source, target = Path(options["pdf"]), Path(options["sortie"])
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {source} : {exc.strerror}.") from exc
        if not data.startswith(b"%PDF-"):
            raise CommandError(f"{source} n'est pas un PDF.")
        try:
            signed = sign_pdf(data, pki)
        except Exception as exc:  # pyHanko's errors on a malformed PDF
            raise CommandError(f"Le PDF n'a pas pu être signé : {exc}") from exc
        target.write_bytes(signed)
        self.stdout.write(f"Facture signée écrite dans {target} (signataire : {DEMO_NAME}).")


DEMO_NAME = "signataire de démonstration"
