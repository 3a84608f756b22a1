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
# Every column of StockEtablissement, as wide as the stock's rows are (the benchmark's realistic file).
SIRENE_STOCK_HEADER = [
    "siren", "nic", "siret", "statutDiffusionEtablissement", "dateCreationEtablissement",
    "trancheEffectifsEtablissement", "anneeEffectifsEtablissement", "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement", "etablissementSiege", "nombrePeriodesEtablissement",
    "complementAdresseEtablissement", "numeroVoieEtablissement", "indiceRepetitionEtablissement",
    "typeVoieEtablissement", "libelleVoieEtablissement", "codePostalEtablissement", "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement", "distributionSpecialeEtablissement", "codeCommuneEtablissement",
    "codeCedexEtablissement", "libelleCedexEtablissement", "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement", "complementAdresse2Etablissement", "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement", "typeVoie2Etablissement", "libelleVoie2Etablissement",
    "codePostal2Etablissement", "libelleCommune2Etablissement", "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement", "codeCommune2Etablissement", "codeCedex2Etablissement",
    "libelleCedex2Etablissement", "codePaysEtranger2Etablissement", "libellePaysEtranger2Etablissement",
    "dateDebut", "etatAdministratifEtablissement", "enseigne1Etablissement", "enseigne2Etablissement",
    "enseigne3Etablissement", "denominationUsuelleEtablissement", "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement", "caractereEmployeurEtablissement"]


def of_row(nda: str, siren: str, *, qualiopi: bool = True, region: str = "75", postal: str = "33700",
           siret: str | None = None, name: str = "Formation « Atlantique »; Bordeaux") -> list[str]:
    """One DGEFP row; the declaring establishment is SIREN + 00074 unless `siret` is given."""
    return [nda, "", name, siren, siret or siren + "00074", "12 rue des Vignes", postal,
            "Mérignac", region, "true" if qualiopi else "false", "false", "false", "false", "2025-12-31",
            "2025-01-01", "2025-12-31"]


def sirene_row(siret: str, *, active: bool = True, postal: str = "33700") -> list[str]:
    """One StockEtablissement row: A (active) or F (closed)."""
    return [siret[:9], siret[9:], siret, "O", "2001-01-01", postal, "MERIGNAC", "A" if active else "F"]


def sirene_stock_row(siret: str, *, active: bool = True, postal: str = "33700", commune: str = "MERIGNAC") -> list[str]:
    """One StockEtablissement row with every column filled as the stock fills them (an address, dates, codes)."""
    values = dict(zip(SIRENE_HEADER, sirene_row(siret, active=active, postal=postal), strict=True))
    values.update({"libelleCommuneEtablissement": commune, "trancheEffectifsEtablissement": "03",
                   "anneeEffectifsEtablissement": "2023", "dateDernierTraitementEtablissement": "2025-03-27T10:39:46",
                   "etablissementSiege": "true", "nombrePeriodesEtablissement": "2", "numeroVoieEtablissement": "12",
                   "typeVoieEtablissement": "RUE", "libelleVoieEtablissement": "DES VIGNES",
                   "codeCommuneEtablissement": postal[:2] + "063", "dateDebut": "2019-06-01",
                   "activitePrincipaleEtablissement": "85.59A", "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
                   "caractereEmployeurEtablissement": "O"})
    return [values.get(column, "") for column in SIRENE_STOCK_HEADER]


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
