"""The territory and the network: regions (the supply areas users, customers and the grid
belong to), substations and their feeders. Customers' supply points and planned outages point
at feeders.

The tables keep the names they had in the apps these models came from (customers, outages).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        db_table = "customers_region"
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Substation(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="substations",
    )
    voltage_kv = models.DecimalField(
        _("voltage (kV)"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        db_table = "outages_substation"
        ordering = ["code"]
        verbose_name = _("substation")
        verbose_name_plural = _("substations")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Feeder(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    substation = models.ForeignKey(
        Substation, verbose_name=_("substation"), on_delete=models.PROTECT, related_name="feeders"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="feeders",
    )

    class Meta:
        db_table = "outages_feeder"
        ordering = ["code"]
        verbose_name = _("feeder")
        verbose_name_plural = _("feeders")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
