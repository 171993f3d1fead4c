"""Issue #6: an archived action receives no document; a closed one still receives its proofs."""

import pytest
from django.core.files.storage import default_storage

from formarche.documents.checks import DocumentRejected
from formarche.documents.models import Document, DocumentType
from formarche.documents.services import document_upload
from formarche.orders.models import Order, OrderStatus
from tests.factories import EnrolmentFactory, OrderFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _stored_files() -> list[str]:
    def walk(path):
        directories, files = default_storage.listdir(path)
        found = [f"{path}/{name}" for name in files]
        for directory in directories:
            found += walk(f"{path}/{directory}" if path else directory)
        return found

    return walk("")


@pytest.mark.parametrize("with_enrolment", [False, True], ids=["action", "stagiaire"])
@pytest.mark.parametrize("status", [OrderStatus.CLOSED, OrderStatus.ARCHIVED])
def test_upload_on_a_closed_or_archived_action(status, with_enrolment):
    order = OrderFactory()
    enrolment = EnrolmentFactory(order=order) if with_enrolment else None
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    files, history = _stored_files(), Document.history.count()

    def upload():
        return document_upload(
            order=order, enrolment=enrolment, uploaded=PDF, name="preuve.pdf", doc_type=DocumentType.OTHER
        )

    if status == OrderStatus.CLOSED:  # a closed action may still receive proofs
        assert upload().order_id == order.pk
        assert len(_stored_files()) == len(files) + 1
        return
    with pytest.raises(DocumentRejected) as info:
        upload()
    assert info.value.message == "L'action est archivée : aucun document ne peut plus y être déposé."
    assert not Document.objects.filter(order=order).exists()
    assert Document.history.count() == history
    assert _stored_files() == files


def test_refusal_reads_the_status_from_the_database():
    """A stale ``order`` (loaded before the archiving) is refused all the same."""
    order = OrderFactory(status=OrderStatus.CLOSED)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ARCHIVED)
    with pytest.raises(DocumentRejected, match="archivée"):
        document_upload(order=order, uploaded=PDF, name="preuve.pdf", doc_type=DocumentType.OTHER)
    assert not Document.objects.exists()
