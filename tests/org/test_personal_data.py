"""Issue 21 item 3 (等保 level 3 personal information, 密评 confidentiality of
storage): people's mobile and ID numbers sit SM4-encrypted in the database,
are shown masked (138****1234), in full only to those who need them with
every look journaled, masked in documents and in the journal; the key comes
from the environment and rotates by a command."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test import Client

from duban.core import crypto
from duban.journal import chain
from duban.journal.models import Event
from duban.org import services
from duban.org.models import Person

pytestmark = pytest.mark.django_db
MOBILE = "13812341234"
ID_NUMBER = "110101199003071234"


def stored(person, column):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM org_person WHERE id = %s", [person.pk])
        return cur.fetchone()[0]


@pytest.fixture
def numbered(county):
    person = Person.objects.get(user=county.edu_user)
    return services.update_person(person, mobile=MOBILE, id_number=ID_NUMBER)


def test_pi_numbers_are_sm4_encrypted_at_rest_and_masked(numbered):
    raw = stored(numbered, "mobile")
    assert raw.startswith("sm4:") and MOBILE not in raw
    assert crypto.decrypt(raw) == MOBILE
    assert MOBILE not in stored(numbered, "id_number")
    person = Person.objects.get(pk=numbered.pk)
    assert person.mobile == MOBILE and person.mobile_masked == "138****1234"
    assert person.id_number_masked == "110***********1234"
    # Two encryptions of one number differ (random nonce); a changed byte is caught.
    assert crypto.encrypt(MOBILE) != crypto.encrypt(MOBILE)
    tampered = raw[:-6] + ("A" if raw[-6] != "A" else "B") + raw[-5:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered)


def test_pi_the_journal_keeps_numbers_masked(numbered):
    text = str(list(Event.objects.values_list("before", "after")))
    assert MOBILE not in text and ID_NUMBER not in text and "138****1234" in text


def test_pi_unit_page_masks_and_reveals_to_those_who_need_it_journaled(county, numbered):
    head = Client()
    head.force_login(county.edu_head)
    page = head.get(f"/org/units/{county.edu.pk}/").content.decode()
    assert "138****1234" in page and MOBILE not in page and "显示" in page
    r = head.post(f"/org/people/{numbered.pk}/reveal/mobile/")
    assert r.status_code == 200 and MOBILE in r.content.decode()
    e = Event.objects.get(action="org.person.unmask")
    assert e.actor == county.edu_head and e.after == {"field": "mobile", "purpose": "view"}
    other = Client()
    other.force_login(county.fin_user)
    page = other.get(f"/org/units/{county.edu.pk}/").content.decode()
    assert "138****1234" in page and MOBILE not in page
    assert other.post(f"/org/people/{numbered.pk}/reveal/mobile/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.reveal(county.fin_user, numbered, "mobile")
    assert Event.objects.filter(action="org.person.unmask").count() == 1


def test_pi_exports_mask_unless_the_exporter_may_see(county, numbered):
    assert services.export_value(county.fin_user, numbered, "mobile") == "138****1234"
    assert services.export_value(county.supervisor, numbered, "mobile") == MOBILE
    assert Event.objects.get(action="org.person.unmask").after["purpose"] == "export"


def test_pi_key_rotation_reencrypts_every_value(settings, numbered, capsys):
    old = settings.DUBAN_SM4_KEYS
    assert crypto.key_id_of(stored(numbered, "mobile")) == old.split(":")[0]
    settings.DUBAN_SM4_KEYS = crypto.new_key_text("k2") + "," + old
    call_command("rotate_sm4_key")
    assert "共重新加密 2 个值" in capsys.readouterr().out
    assert crypto.key_id_of(stored(numbered, "mobile")) == "k2"
    settings.DUBAN_SM4_KEYS = settings.DUBAN_SM4_KEYS.split(",")[0]  # the old key is gone
    assert Person.objects.get(pk=numbered.pk).mobile == MOBILE
    assert Event.objects.filter(action="security.sm4.rotate").exists() and chain.verify().ok


def test_pi_keys_from_the_environment_are_checked():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys("k1:nothex")
    assert crypto.parse_keys("a:" + "00" * 16 + ",b:" + "11" * 16)[1][0] == "b"
