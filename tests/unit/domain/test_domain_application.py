"""application.json at the edge: the DESIGN example parses; each bad field is named, in French and English."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from clea_intake.domain.application import case_id_of, parse_application
from clea_intake.domain.errors import InvalidApplication


def _problems(data) -> list[dict]:
    raw = data if isinstance(data, bytes | str) else json.dumps(data)
    with pytest.raises(InvalidApplication) as caught:
        parse_application(raw)
    problems = caught.value.problems
    for problem in problems:
        # Every problem speaks both languages and says which field
        assert problem["field"] and problem["message_fr"] and problem["message_en"] and problem["code"]
    return problems


def _only(problems: list[dict], field: str) -> dict:
    matching = [p for p in problems if p["field"] == field]
    assert matching, f"no problem names {field}: {problems}"
    return matching[0]


def test_parse_application_design_example_gives_typed_application(app_data):
    # Given the DESIGN §4 example / When parsed
    app = parse_application(json.dumps(app_data()))
    # Then every field is typed
    assert app.case_id == "NA-CLEA-2026-000123"
    assert app.evaluation_start == date(2026, 4, 13)
    assert app.year == 2026
    assert app.applicant.address.postal_code == "33000"
    assert app.evaluator.siret == "73282932000074"
    assert app.quote.amount_eur == Decimal("450.0")
    assert app.submitted_at.utcoffset().total_seconds() == 3600


def test_parse_application_bytes_with_accents_parse(app_data):
    raw = json.dumps(app_data(), ensure_ascii=False).encode("utf-8")
    assert parse_application(raw).applicant.given_names == "Léa Marie"


def test_parse_application_siret_failing_luhn_names_evaluator_siret(app_data):
    problem = _only(_problems(app_data(evaluator__siret="73282932000075")), "evaluator.siret")
    assert "SIRET" in problem["message_fr"]
    assert "SIRET" in problem["message_en"]


def test_parse_application_siret_with_spaces_is_compacted(app_data):
    app = parse_application(json.dumps(app_data(evaluator__siret="732 829 320 00074")))
    assert app.evaluator.siret == "73282932000074"


def test_parse_application_missing_field_names_it(app_data):
    data = app_data()
    del data["applicant"]["birth_date"]
    problem = _only(_problems(data), "applicant.birth_date")
    assert problem["code"] == "missing"
    assert problem["message_fr"] == "ce champ est obligatoire"


@pytest.mark.parametrize("field, value", [
    ("certification", "clea_management"),
    ("evaluation", "intermediate"),
    ("applicant__situation", "retired"),
    ("accompanied_by", "mission_locale"),
])
def test_parse_application_value_outside_enum_names_the_field(app_data, field, value):
    problem = _only(_problems(app_data(**{field: value})), field.replace("__", "."))
    assert problem["code"] == "literal_error"
    assert "autorisées" in problem["message_fr"]


def test_parse_application_end_before_start_names_evaluation_end(app_data):
    problem = _only(_problems(app_data(evaluation_end="2026-04-12")), "evaluation_end")
    assert problem["message_fr"] == "la fin de l'évaluation précède son début"


def test_parse_application_detainee_without_facility_names_detention_facility(app_data):
    # Given a detainee whose facility is left empty
    data = app_data(applicant__situation="detainee", applicant__detention_facility=None, accompanied_by="spip")
    # Then the problem names the facility field itself, not the whole applicant
    problem = _only(_problems(data), "applicant.detention_facility")
    assert "pénitentiaire" in problem["message_fr"]
    assert "detention_facility" in problem["message_en"]


def test_parse_application_detainee_with_facility_parses(app_data):
    app = parse_application(json.dumps(app_data(
        applicant__situation="detainee", accompanied_by="spip",
        applicant__detention_facility="Centre pénitentiaire de Bordeaux-Gradignan")))
    assert app.applicant.detention_facility.startswith("Centre")


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe\x00", "", "[1, 2]", "null"])
def test_parse_application_not_a_json_object_is_a_file_problem(raw):
    [problem] = _problems(raw)
    assert problem["field"] == "(fichier)"
    assert problem["code"] == "invalid_json"
    assert "JSON" in problem["message_fr"]


def test_parse_application_several_bad_fields_are_all_reported(app_data):
    data = app_data(applicant__email="not-an-email", applicant__address__postal_code="3300",
                    quote__hours=0, submitted_at="2026-03-02T10:00:00")
    fields = {p["field"] for p in _problems(data)}
    assert {"applicant.email", "applicant.address.postal_code", "quote.hours", "submitted_at"} <= fields


def test_parse_application_naive_submitted_at_asks_for_time_zone(app_data):
    problem = _only(_problems(app_data(submitted_at="2026-03-02T10:00:00")), "submitted_at")
    assert "fuseau" in problem["message_fr"]


def test_parse_application_bad_email_says_so_in_french(app_data):
    problem = _only(_problems(app_data(applicant__email="lea.martin@")), "applicant.email")
    assert "électronique" in problem["message_fr"]


def test_parse_application_bad_case_id_names_it(app_data):
    _only(_problems(app_data(case_id="NA-CLEA-26-123")), "case_id")


def test_case_id_of_invalid_form_still_gives_a_well_formed_id(app_data):
    assert case_id_of(app_data(evaluator__siret="1")) == "NA-CLEA-2026-000123"
    assert case_id_of({"case_id": "../etc"}) is None
    assert case_id_of([1]) is None


# -- forms built to break the intake: each is a named problem, never a crash ---------------------


def test_parse_application_evaluation_start_outside_every_policy_names_evaluation_start(app_data):
    # Given an evaluation in 2031, a year no policy file of the scheme covers
    problems = _problems(app_data(evaluation_start="2031-03-02", evaluation_end="2031-03-13"))
    # Then the form is refused on that field, not with a PolicyNotFound later
    assert _only(problems, "evaluation_start")["code"] == "no_policy"


def test_parse_application_evaluation_end_in_year_9999_names_evaluation_end(app_data):
    # Given an evaluation that would end on 9999-12-31 (its claim deadline is beyond the calendar)
    problems = _problems(app_data(evaluation_end="9999-12-31"))
    # Then the end date is refused as too far from the start
    assert _only(problems, "evaluation_end")["code"] == "evaluation_too_long"


@pytest.mark.parametrize("birth", ["1850-01-01", "2026-05-01"])
def test_parse_application_implausible_birth_date_names_birth_date(app_data, birth):
    # Given a birth date before 1900, or after the evaluation starts
    problems = _problems(app_data(applicant__birth_date=birth))
    # Then the birth date is named
    assert _only(problems, "applicant.birth_date")["code"] == "implausible_date"


def test_parse_application_deeply_nested_json_is_refused_before_parsing(app_data):
    # Given a form whose applicant holds 100,000 nested lists (json.loads would raise RecursionError)
    raw = json.dumps(app_data())[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    # Then the form is refused for its nesting
    assert _only(_problems(raw[:60_000]), "(fichier)")["code"] in {"form_too_deep", "invalid_json"}
    assert _only(_problems(json.dumps(app_data())[:-1] + ', "x": ' + "[" * 50 + "]" * 50 + "}"),
                 "(fichier)")["code"] == "form_too_deep"


def test_parse_application_brackets_inside_strings_do_not_count_as_nesting(app_data):
    # Given a form whose address line holds brackets and an escaped quote
    app = parse_application(json.dumps(app_data(applicant__address__line1='12 rue [[[{{{ "des" Vignes')))
    # Then it parses: only structure counts
    assert app.applicant.address.line1.startswith("12 rue")


def test_parse_application_larger_than_the_policy_limit_is_refused_before_parsing(app_data):
    # Given a form padded to 100 KB
    raw = json.dumps(app_data(applicant__phone=None) | {"padding": "x" * 100_000})
    # Then its size is the problem
    assert _only(_problems(raw), "(fichier)")["code"] == "form_too_large"


@pytest.mark.parametrize(("field", "value", "named"), [
    ("case_id", "NA-CLEA-٢٠٢٦-000123", "case_id"),
    ("case_id", "NA-CLEA-2026-００0123", "case_id"),
    ("applicant__address__postal_code", "３３０００", "applicant.address.postal_code"),
    ("evaluator__nda", "٧٥٣٣١٢٣٤٥٣٣", "evaluator.nda"),
    ("evaluator__siret", "٧٣٢٨٢٩٣٢٠٠٠٠٧٤", "evaluator.siret"),
    ("quote__hours", "١٠", "quote.hours"),
])
def test_parse_application_digits_of_another_script_are_refused(app_data, field, value, named):
    # Given an identifier or a number written with Arabic-Indic or full-width digits
    problems = _problems(app_data(**{field: value}))
    # Then the field is named: a look-alike of a real value is never accepted
    assert _only(problems, named)


@pytest.mark.parametrize(("field", "value", "named"), [
    ("quote__hours", "1e-999999", "quote.hours"),
    ("quote__hours", 7.125, "quote.hours"),
    ("quote__amount_eur", "450.001", "quote.amount_eur"),
])
def test_parse_application_numbers_beyond_two_decimals_are_refused(app_data, field, value, named):
    # Given hours or a price with more than two decimals (1e-999999 is above 0: found by mutating forms)
    problems = _problems(app_data(**{field: value}))
    # Then the field is named
    assert _only(problems, named)


def test_parse_application_hours_and_price_to_two_decimals_are_read(app_data):
    # Given seven and a half hours at 437.50 euros
    app = parse_application(json.dumps(app_data(quote__hours="7.50", quote__amount_eur=437.5)).encode())
    # Then both are read
    assert (app.quote.hours, app.quote.amount_eur) == (Decimal("7.50"), Decimal("437.5"))


def test_parse_application_bytes_that_are_not_utf8_are_refused(app_data):
    # Given a form encoded in Latin-1
    raw = json.dumps(app_data(), ensure_ascii=False).encode("latin-1")
    # Then the file is named
    assert _only(_problems(raw), "(fichier)")["code"] == "invalid_json"


def test_a_form_address_is_normalised_and_a_stored_one_is_not_checked_again(app_data, monkeypatch):
    # A form's address goes through email-validator (its domain lower-cased, as pydantic's EmailStr does)
    app = parse_application(json.dumps(app_data(applicant__email="Lea.Martin@Example.FR")))
    assert app.applicant.email == "Lea.Martin@example.fr"
    # An item read back from the table was checked when written: under the STORED context the library is not
    # called (its patterns cost ~50 ms at each cold start of the functions that only read cases).
    from pydantic import ValidationError, networks

    from clea_intake.domain.application import STORED, Application

    def refuse(value):
        raise AssertionError(f"email-validator called again on {value}")

    monkeypatch.setattr(networks, "validate_email", refuse)
    again = Application.model_validate_json(app.model_dump_json(), context=STORED)
    assert again == app
    with pytest.raises(ValidationError, match="called again"):  # pydantic wraps a validator's AssertionError
        Application.model_validate_json(app.model_dump_json())


def test_a_form_siret_is_checked_and_a_stored_one_is_not_checked_again(app_data, monkeypatch):
    # A form's SIRET goes through python-stdnum (Luhn): a wrong check digit is named
    problems = _problems(app_data(evaluator__siret="12345678901235"))
    assert _only(problems, "evaluator.siret")
    app = parse_application(json.dumps(app_data()))
    # Under the STORED context stdnum is not called (it imports pydoc: ~30 ms of each cold start)
    from pydantic import ValidationError
    from stdnum.fr import siret

    from clea_intake.domain.application import STORED, Application

    def refuse(value):
        raise AssertionError(f"stdnum called again on {value}")

    monkeypatch.setattr(siret, "compact", refuse)
    assert Application.model_validate_json(app.model_dump_json(), context=STORED) == app
    with pytest.raises(ValidationError, match="called again"):
        Application.model_validate_json(app.model_dump_json())


def test_a_stored_evaluator_record_keeps_its_iban_unchecked_and_a_new_one_is_checked(monkeypatch):
    from datetime import UTC, datetime

    from pydantic import ValidationError
    from stdnum import iban

    from clea_intake.domain.application import STORED
    from clea_intake.domain.evaluator import EvaluatorRecord

    at = datetime(2026, 3, 1, tzinfo=UTC)
    record = EvaluatorRecord(siret="73282932000074", iban="FR76 3000 6000 0112 3456 7890 189", updated_at=at,
                             updated_by="test")
    assert record.iban == "FR7630006000011234567890189"
    with pytest.raises(ValidationError, match="IBAN"):
        EvaluatorRecord(siret="73282932000074", iban="FR7630006000011234567890180", updated_at=at, updated_by="t")

    def refuse(value):
        raise AssertionError(f"stdnum called again on {value}")

    monkeypatch.setattr(iban, "is_valid", refuse)
    assert EvaluatorRecord.model_validate_json(record.model_dump_json(), context=STORED) == record
