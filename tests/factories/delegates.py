import factory
from django.utils import timezone

from delegates.models import Profile, Registration, TrustedDomain

from .accounts import UserFactory
from .events import EditionFactory


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    title_rank = "DI"
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    job_title = "Detective Inspector"
    organisation = "West Midlands Police"
    organisation_type = Profile.OrganisationType.UK_POLICE
    country = "United Kingdom"


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A confirmed delegate registration; the user gets a profile too."""

    class Meta:
        model = Registration

    edition = factory.SubFactory(EditionFactory)
    user = factory.LazyFunction(lambda: ProfileFactory().user)
    category = Registration.Category.DELEGATE
    status = Registration.Status.CONFIRMED
    number = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda o: f"T{o.number:05d}")
    consent_terms = True
    consented_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)


class TrustedDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrustedDomain
        django_get_or_create = ("edition", "domain")

    edition = factory.SubFactory(EditionFactory)
    domain = "police.uk"
