"""Register files in the official layouts (DGEFP training organisations, INSEE StockEtablissement), written
by the tests that import them."""

from __future__ import annotations

import csv
import io

OF_HEADER = ["numeroDeclarationActivite", "numerosDeclarationActivitePrecedent", "denomination", "siren",
             "siretEtablissementDeclarant", "adressePhysiqueOrganismeFormation.voieAdresse",
             "adressePhysiqueOrganismeFormation.codePostal", "adressePhysiqueOrganismeFormation.ville",
             "adressePhysiqueOrganismeFormation.codeRegion", "certifications.actionsDeFormation",
             "certifications.bilansDeCompetences", "certifications.VAE",
             "certifications.actionsDeFormationParApprentissage", "informationsDeclarees.dateDerniereDeclaration",
             "informationsDeclarees.debutExercice", "informationsDeclarees.finExercice"]
SIRENE_HEADER = ["siren", "nic", "siret", "statutDiffusionEtablissement", "dateCreationEtablissement",
                 "codePostalEtablissement", "libelleCommuneEtablissement", "etatAdministratifEtablissement"]


def of_row(nda: str, siren: str, *, qualiopi: bool = True, region: str = "75", postal: str = "33700") -> list[str]:
    return [nda, "", "Formation « Atlantique »; Bordeaux", siren, siren + "00074", "12 rue des Vignes", postal,
            "Mérignac", region, "true" if qualiopi else "false", "false", "false", "false", "2025-12-31",
            "2025-01-01", "2025-12-31"]


def register_csv(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
