"""Register files in the official layouts (DGEFP training organisations, INSEE StockEtablissement), written
by the tests that import them: the writer is clea_intake.samples.registers, shared with the demo and bench/."""

from clea_intake.samples.registers import OF_HEADER, SIRENE_HEADER, of_row, register_csv, sirene_row

__all__ = ["OF_HEADER", "SIRENE_HEADER", "of_row", "register_csv", "sirene_row"]
