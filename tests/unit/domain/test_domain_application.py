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
