"""Public register files in their official layouts (DGEFP "Liste publique des organismes de formation",
INSEE StockEtablissement), written for the tests, the demo and the import benchmark."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

OF_HEADER = ["numeroDeclarationActivite", "numerosDeclarationActivitePrecedent", "denomination", "siren",
             "siretEtablissementDeclarant", "adressePhysiqueOrganismeFormation.voieAdresse",
             "adressePhysiqueOrganismeFormation.codePostal", "adressePhysiqueOrganismeFormation.ville",
             "adressePhysiqueOrganismeFormation.codeRegion", "certifications.actionsDeFormation",
             "certifications.bilansDeCompetences", "certifications.VAE",
             "certifications.actionsDeFormationParApprentissage", "informationsDeclarees.dateDerniereDeclaration",
             "informationsDeclarees.debutExercice", "informationsDeclarees.finExercice"]
SIRENE_HEADER = ["siren", "nic", "siret", "statutDiffusionEtablissement", "dateCreationEtablissement",
                 "codePostalEtablissement", "libelleCommuneEtablissement", "etatAdministratifEtablissement"]


def of_row(nda: str, siren: str, *, qualiopi: bool = True, region: str = "75", postal: str = "33700",
           siret: str | None = None, name: str = "Formation « Atlantique »; Bordeaux") -> list[str]:
    """One DGEFP row; the declaring establishment is SIREN + 00074 unless `siret` is given."""
    return [nda, "", name, siren, siret or siren + "00074", "12 rue des Vignes", postal,
            "Mérignac", region, "true" if qualiopi else "false", "false", "false", "false", "2025-12-31",
            "2025-01-01", "2025-12-31"]


def sirene_row(siret: str, *, active: bool = True, postal: str = "33700") -> list[str]:
    """One StockEtablissement row: A (active) or F (closed)."""
    return [siret[:9], siret[9:], siret, "O", "2001-01-01", postal, "MERIGNAC", "A" if active else "F"]


def register_csv(header: list[str], rows: Iterable[list[str]], delimiter: str) -> bytes:
    """The whole file as the registers publish it (UTF-8 with a byte-order mark)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_register(path: Path, header: list[str], rows: Iterable[list[str]], delimiter: str) -> int:
    """The same file written row by row to `path` (a 150,000-row list is never held whole); its size."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path.stat().st_size
