"""Normalise the resident ID and bank account numbers stored as typed (full width, spaces, lower-case x).

Each is decrypted, normalised as collective.identifiers.normalise_identifier does today (the rule is
copied here so this migration keeps meaning what it meant), then encrypted again with its keyed
hash, mask and last four characters. Two members of one association whose numbers become the same
are the same person entered twice: the second is left as it was and named in the output, for the
officials to merge; the migration does not choose between them.
"""

import unicodedata

from django.db import migrations

from collective.crypto import decrypt, encrypt, keyed_hash, mask


def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def normalise_rows(apps, schema_editor):
    Member = apps.get_model("collective", "Member")
    Household = apps.get_model("collective", "Household")
    taken = set(Member.objects.exclude(id_number_hash="").values_list("association_id", "id_number_hash"))
    for member in Member.objects.exclude(id_number_encrypted="").only(
        "pk", "association_id", "id_number_encrypted", "id_number_hash"
    ).iterator(chunk_size=2000):
        number = decrypt(member.id_number_encrypted)
        normalised = normalise(number)
        if normalised == number:
            continue
        digest = keyed_hash(normalised)
        if (member.association_id, digest) in taken:
            print(f"\n  member {member.pk}: its ID number, normalised, is another member's of its association; left as is")
            continue
        taken.discard((member.association_id, member.id_number_hash))
        taken.add((member.association_id, digest))
        Member.objects.filter(pk=member.pk).update(
            id_number_encrypted=encrypt(normalised),
            id_number_hash=digest,
            masked_id_number=mask(normalised),
            id_number_last4=normalised[-4:],
        )
    for household in Household.objects.exclude(bank_account_encrypted="").only("pk", "bank_account_encrypted").iterator(
        chunk_size=2000
    ):
        account = decrypt(household.bank_account_encrypted)
        normalised = normalise(account)
        if normalised != account:
            Household.objects.filter(pk=household.pk).update(
                bank_account_encrypted=encrypt(normalised),
                masked_bank_account=mask(normalised, keep_start=4, keep_end=4),
            )


class Migration(migrations.Migration):
    dependencies = [("collective", "0006_household_id_code_index")]

    operations = [migrations.RunPython(normalise_rows, migrations.RunPython.noop, elidable=True)]
