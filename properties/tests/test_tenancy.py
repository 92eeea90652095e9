"""Isolation through the ORM and the schema layout itself."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from conversations.models import Guest
from properties.models import Domain, Property
from properties.services import NewProperty, create_property


def test_a_guest_written_in_a_cannot_be_read_from_b(world):
    with schema_context(world.a.schema_name):
        guest = Guest.objects.create(name="Aisyah of Alpha", phone="+60123456789")
    with schema_context(world.b.schema_name):
        assert not Guest.objects.filter(pk=guest.pk).exists()
        assert not [g for g in Guest.objects.all() if g.name == "Aisyah of Alpha"]  # names are encrypted
    with schema_context(world.a.schema_name):
        assert Guest.objects.get(pk=guest.pk).name == "Aisyah of Alpha"


def test_each_property_has_its_own_table(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'conversations_guest' "
            "ORDER BY table_schema"
        )
        schemas = [row[0] for row in cursor.fetchall()]
    assert world.a.schema_name in schemas and world.b.schema_name in schemas
    assert "public" not in schemas


def test_the_vector_extension_lives_in_public(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'vector'"
        )
        assert cursor.fetchone() == ("public",)


@pytest.mark.parametrize("slug", ["alpha", "bravo"])
def test_vector_columns_work_in_properties_created_one_after_the_other(world, slug):
    property_ = Property.objects.get(slug=slug)
    with schema_context(property_.schema_name), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE probe (embedding vector(3))")
        cursor.execute("INSERT INTO probe VALUES ('[1,0,0]'), ('[0,1,0]')")
        cursor.execute("SELECT embedding <=> '[1,0,0]' FROM probe ORDER BY 1")
        assert [round(row[0], 3) for row in cursor.fetchall()] == [0.0, 1.0]


def test_creating_a_property_creates_its_schema_and_domain(world):
    property_ = create_property(NewProperty(name="Charlie Inn", slug="charlie-inn", timezone="Asia/Singapore"))
    assert property_.schema_name == "charlie_inn"
    assert Domain.objects.get(tenant=property_).domain == "charlie-inn.localhost"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'charlie_inn'")
        assert cursor.fetchone() == (1,)
    with schema_context("charlie_inn"):
        assert Guest.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "Bad Slug!", "lowercase"),
        ("timezone", "Mars/Olympus", "not a known IANA timezone"),
        ("country", "UK", "not a two-letter ISO 3166 country code"),  # Britain is GB: "UK" lost every local phone
    ],
)
def test_a_bad_property_is_refused_and_nothing_is_created(world, field, value, message):
    from django.core.exceptions import ValidationError

    spec = {"name": "Bad", "slug": "bad-one", "timezone": "Asia/Kuala_Lumpur", field: value}
    with pytest.raises(ValidationError) as error:
        create_property(NewProperty(**spec))
    assert message in str(error.value)
    assert not Property.objects.filter(name="Bad").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'bad_one'")
        assert cursor.fetchone() is None
