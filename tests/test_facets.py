"""Privacy facets: real records of the shared corpus, real PIAs, hand-written sentences for each
normalisation and each negation, and the mixed collection of government PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest

import privsearch
from privsearch.models import Page, Record, Section, facet_lists
from privsearch.structure import facets
from privsearch.structure.facets import find_facets, load_taxonomies

from .conftest import DHS, GOVERNMENT_PDFS, require_shared


def document(text: str, title: str = "", summary: str = "", doc_type: str = "PIA") -> Record:
    return Record(id="t", title=title, summary=summary, doc_type=doc_type, pages=(Page(1, text),))


def values(record: Record, facet: str, sections: tuple[Section, ...] = ()) -> list[str]:
    return facet_lists(find_facets(record, sections)).get(facet, [])


def with_sections(parts: list[tuple[str, str]]) -> tuple[Record, tuple[Section, ...]]:
    """A one-page record made of (section key, text) parts, each part a section."""
    text, sections = "", []
    for key, part in parts:
        sections.append(Section(key=key, title=part.split("\n")[0], page=1, offset=len(text)))
        text += part + "\n\n"
    return document(text, doc_type="SORN"), tuple(sections)


# --- the shared corpus --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> dict[str, Record]:
    require_shared()
    return {record.id: record for record in privsearch.read_records([DHS])}


def test_a_cbp_pia_about_facial_recognition(corpus: dict[str, Record]) -> None:
    found = facet_lists(find_facets(corpus["DHS/CBP/PIA-056"], ()))  # Traveler Verification
    assert "facial recognition" in found["technology"]
    # "authorized to collect biometric entry and exit information"; the opening pages name the
    # technology, not the facial images it collects: a technology is no category of PII
    assert "biometrics" in found["pii"]
    assert "face" not in found["pii"]
    assert "exemption" not in found


def test_sorns_claiming_exemptions(corpus: dict[str, Record]) -> None:
    # "Portions of this system are exempt under 5 U.S.C. 552a(j)(2), (k)(1), (k)(2) and (k)(5)"
    assert values(corpus["DHS/TSA-011"], "exemption") == ["(j)(2)", "(k)(1)", "(k)(2)", "(k)(5)"]
    assert values(corpus["DHS/TSA-013"], "exemption") == ["(k)(1)", "(k)(2)", "(k)(6)"]
    ebr = corpus["reginfo-rin-1601-aa86-external-biometric-records"]
    assert values(ebr, "exemption") == ["(j)(2)", "(k)(2)", "(k)(5)"]
    assert "5 U.S.C. § 552a" in values(ebr, "authority")


def test_section_1367_without_its_title_is_not_a_citation(corpus: dict[str, Record]) -> None:
    # the review of incidents affecting individuals "Protected by Section 1367" names no title
    record = next(r for r in corpus.values() if r.title.endswith("Protected by Section 1367"))
    assert "Section 1367" in record.body
    assert values(record, "authority") == []


def test_public_law_in_a_uscis_pia(corpus: dict[str, Record]) -> None:
    # "Section 451(b) of the Homeland Security Act of 2002, Public Law 107-296"
    assert values(corpus["DHS/USCIS/PIA-027(c)"], "authority") == ["Pub. L. 107-296"]


def test_every_value_is_one_of_the_vocabulary(corpus: dict[str, Record]) -> None:
    pii = {line.value for line in facets.default_taxonomies().pii.lines}
    technology = {line.value for line in facets.default_taxonomies().technology.lines}
    seen = {facet: set() for facet in facets.FACETS}
    for record in corpus.values():
        pairs = find_facets(record, ())
        assert len(pairs) == len(set(pairs))  # a document gets a value once
        for facet, value in pairs:
            seen[facet].add(value)
    assert seen["pii"] <= pii and seen["technology"] <= technology
    assert all(
        v == "permanent" or v == "under 1 year" or v.endswith("years") for v in seen["retention"]
    )
    assert seen["exemption"] <= {"(j)(2)"} | {f"(k)({n})" for n in range(1, 8)}
    assert len(seen["pii"]) >= 10 and len(seen["authority"]) >= 10  # and they are found


# --- pii ------------------------------------------------------------------------------------------


def test_pii_from_what_the_summary_says_is_collected() -> None:
    text = (
        "Abstract\nThe system collects names, dates of birth, A-Numbers and fingerprints of "
        "applicants, and maintains their travel history."
    )
    assert values(document(text), "pii") == [
        "name",
        "date of birth",
        "A-Number",
        "fingerprints",
        "biometrics",
        "travel information",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "The system does not collect Social Security numbers.",
        "No Social Security numbers are collected or maintained.",
        "DHS will never store SSNs in this system.",
        "The program collects neither SSNs nor passport numbers.",
    ],
)
def test_a_denied_collection_is_no_pii(sentence: str) -> None:
    assert values(document("Abstract\n" + sentence), "pii") == []


def test_a_denial_only_takes_its_own_clause() -> None:
    text = "The system collects names and addresses; it does not collect Social Security numbers."
    assert values(document(text), "pii") == ["name", "contact information"]
    text = "Records include, but are not limited to, names and dates of birth."
    assert values(document(text), "pii") == ["name", "date of birth"]
    text = "Records include, but are not\nlimited to, names and dates of birth."  # a line break
    assert values(document(text), "pii") == ["name", "date of birth"]
    text = "The pilot collects photographs of travelers without their names."  # "without": kept
    assert values(document(text), "pii") == ["photographs"]


def test_names_of_laws_and_mere_mentions_are_no_pii() -> None:
    text = (
        "The system maintains records pursuant to the Health Information Technology for "
        "Economic and Clinical Health Act. Medical information is an important subject."
    )
    assert values(document(text), "pii") == []


def test_routine_uses_are_not_what_a_sorn_collects() -> None:
    record, sections = with_sections(
        [
            ("summary", "SUMMARY: DHS proposes a system that collects Social Security numbers."),
            ("categories_of_records", "CATEGORIES OF RECORDS IN THE SYSTEM: Name; date of birth."),
            (
                "routine_uses",
                "ROUTINE USES: To the Department of Justice, to verify a passport number.",
            ),
        ]
    )
    # with the categories of records present, neither the summary nor the routine uses count
    assert values(record, "pii", sections) == ["name", "date of birth"]
    # without sections: the collecting sentence of the summary and what follows the heading
    assert values(record, "pii") == ["Social Security number", "name", "date of birth"]


def test_lpr_is_a_license_plate_only_beside_plates_or_vehicles() -> None:
    plates = "The system collects LPR reads: images of the vehicle and its plate."
    assert values(document(plates), "pii") == ["license plates", "vehicle information"]
    residents = "The system collects the names of LPRs and their immigration status."
    assert values(document(residents), "pii") == ["name", "immigration status"]


def test_pii_phrases_broken_across_lines() -> None:
    text = "The system collects Social\nSecurity numbers and dates of\nbirth."
    assert values(document(text), "pii") == ["Social Security number", "date of birth"]
    # an optional space ("birth ?dates?") may be there, broken, or not at all
    for written in ("birthdates", "birth dates", "birth\ndates"):
        assert values(document(f"The system collects {written}."), "pii") == ["date of birth"]
    assert values(document("The system stores usernames."), "pii") == ["user credentials"]


def test_a_categories_of_records_heading_broken_across_lines() -> None:
    text = (
        "SUMMARY: DHS proposes a system.\n\nCATEGORIES OF\nRECORDS IN THE SYSTEM:\n"
        "Criminal history."
    )
    assert values(document(text, doc_type="SORN"), "pii") == ["criminal history"]


def test_a_document_that_does_not_speak_of_privacy_has_no_pii() -> None:
    opinion = (
        "The court uses the record, such as the names of the parties and their children's names."
    )
    assert values(document(opinion, doc_type="Other"), "pii") == []
    assert values(document(opinion, doc_type="PIA"), "pii") == ["name", "family members"]


# Real sentences of tuning documents, one rule each.


def test_a_capitalised_cue_is_part_of_a_name_not_a_statement_of_collection() -> None:
    # DHS/ALL/PIA-014(b): "Verification" of a name is no cue, and the IAFIS name holds no PII
    text = (
        "Abstract\nThe Department of Homeland Security (DHS) is updating the Personal Identity "
        "Verification (PIV) Privacy Impact Assessment (PIA) Update, issued on June 18, 2009, to "
        "reflect changes in Departmental requirements and enhanced interoperability with US-VISIT "
        "Automated Biometric Identification System (IDENT) and the Federal Bureau of "
        "Investigation (FBI) Criminal Justice Information Services (CJIS) Integrated Automated "
        "Fingerprint Identification System (IAFIS)."
    )
    assert values(document(text), "pii") == []
    # the same list in running prose, after a lowercase cue, is collected
    assert values(document("The system collects fingerprints."), "pii") == [
        "fingerprints",
        "biometrics",
    ]


def test_a_pii_word_inside_a_capitalised_name_is_no_pii() -> None:
    # DHS/TSA/PIA-046(c)
    text = (
        "In previous proofs of concept, TSA used a Credential Authentication Technology (CAT) "
        "device equipped with a camera to validate that the identity document presented by the "
        "passenger was authentic and to compare the passenger's live facial image against the "
        "image from the passenger's identity document."
    )
    assert values(document(text), "pii") == ["face", "biometrics"]


def test_a_technology_is_no_category_of_pii() -> None:
    # DHS/ICE/PIA-054: facial recognition is the technology; no facial image is said collected
    text = (
        "HSI is conducting this Privacy Impact Assessment (PIA) because the use of these facial "
        "recognition services (FRS) requires the collection, maintenance, and use of personally "
        "identifiable information (PII)."
    )
    assert values(document(text), "pii") == []
    assert values(document(text), "technology") == ["facial recognition"]


def test_employment_eligibility_is_work_authorization_not_employment_information() -> None:
    # the E-Verify PIA's Abstract
    text = (
        "The Verification Division of the U.S. Citizenship and Immigration Services (USCIS) "
        "provides a service that allows employers to verify the employment eligibility of their "
        "newly hired employees through an electronic verification program called E-Verify."
    )
    assert values(document(text), "pii") == []
    assert values(document("The system maintains employment history."), "pii") == [
        "employment information"
    ]


def test_health_history_is_medical_information() -> None:
    # the PRISM-ID PIA update's Overview
    text = (
        "Information may include criminal history, health history, employment history, military "
        "service history, education history, immigration status, and other personal information "
        "provided by the subject or others familiar with the subject."
    )
    assert values(document(text), "pii") == [
        "criminal history",
        "medical information",
        "employment information",
        "education",
        "immigration status",
    ]


def test_categories_of_records_in_running_prose_is_no_heading() -> None:
    # DHS/USCIS-018: the words start no answer; the routine uses' "criminal background checks"
    # are not what the system holds
    prose = (
        "SUMMARY: DHS proposes to consolidate two legacy systems.\n\nCategories of individuals, "
        "categories of records, and the routine uses of these legacy systems of records notices "
        "have been consolidated and updated to better reflect the Department's biometric and "
        "biographic criminal background checks."
    )
    assert values(document(prose, doc_type="SORN"), "pii") == []
    heading = (
        "SUMMARY: DHS proposes a system.\n\nCATEGORIES OF RECORDS IN THE SYSTEM:\nCriminal history."
    )
    assert values(document(heading, doc_type="SORN"), "pii") == ["criminal history"]


def test_biometric_as_one_of_several_adjectives_of_records() -> None:
    # DHS/USCIS-018 and DHS/CBP/PIA-056
    text = (
        "This system of records notice (SORN) allows the DHS U.S. Citizenship and Immigration "
        "Services (USCIS) to collect and maintain biographic, biometric, and background check "
        "records on applicants, petitioners, sponsors, beneficiaries, or other individuals."
    )
    assert values(document(text), "pii") == ["biometrics"]
    text = "CBP is also authorized to collect biometric entry and exit information."
    assert "biometrics" in values(document(text), "pii")
    assert values(document("The program collects biometric samples."), "pii") == ["biometrics"]


def test_immigration_requests_are_immigration_status() -> None:
    # DHS/USCIS-007
    text = (
        "This system of records describes DHS/USCIS collection, maintenance, processing, and "
        "adjudication of naturalization, lawful permanent residence, and other immigrant and "
        "nonimmigrant immigration-related requests submitted to USCIS."
    )
    assert values(document(text, doc_type="SORN"), "pii") == ["immigration status"]


def test_a_credential_to_authenticate_is_a_user_credential() -> None:
    # DHS/ALL-037
    text = (
        "The information in this system of records includes data collected by programs and "
        "applications for use when the Department of Homeland Security or a trusted third-party "
        "performs some or all of the functions required to enroll, issue, and maintain a "
        "credential on DHS's behalf that can be used by an individual to electronically "
        "authenticate his or her identity to DHS systems."
    )
    assert values(document(text, doc_type="SORN"), "pii") == ["user credentials"]
    badge = "The system maintains the credential number printed on each employee's badge."
    assert values(document(badge), "pii") == []


# Real sentences of other records of the shared corpus (in no labelled sample).


def test_what_the_reader_must_provide_is_not_what_the_system_collects() -> None:
    # a 2008 ICE SORN's record access procedures
    request = (
        "You must first verify your identity, meaning that you must provide your full name, "
        "current address and date and place of birth."
    )
    assert values(document(request, doc_type="SORN"), "pii") == []
    system = "The system maintains the full name and place of birth of each detainee."
    assert values(document(system, doc_type="SORN"), "pii") == ["name", "place of birth"]


def test_rather_than_denies_what_follows() -> None:
    # DHS/TSA/PIA-032
    text = (
        "AIT identifies potential threat objects on the body using Automatic Target Recognition "
        "(ATR) software to display the location of the object on a generic figure as opposed to "
        "displaying the image of the individual."
    )
    assert values(document(text), "pii") == []
    assert values(document("The system stores names rather than photographs."), "pii") == ["name"]


def test_a_name_broken_across_lines_is_still_a_name() -> None:
    # the PIA for the Immigration Benefits Background Check Systems
    text = (
        "USCIS maintains five information technology electronic systems: the Fingerprint\n"
        "Masthead Notification System (FMNS), the Customer Profile Management System."
    )
    assert values(document(text), "pii") == []


def test_the_name_of_a_system_of_records_is_no_name() -> None:
    # DHS/ICE-011
    text = (
        "DHS/ICE is updating this system of records to: Change the system of records name to "
        "DHS/ICE-011 Criminal Arrest Records and Immigration Enforcement Records (CARIER)."
    )
    assert "name" not in values(document(text, doc_type="SORN"), "pii")
    # DHS/ICE-007
    text = (
        "With the publication of this updated system of records, several changes are being "
        "made: (1) The name is being changed; (2) new categories of individuals have been added."
    )
    assert "name" not in values(document(text, doc_type="SORN"), "pii")


def test_whom_to_ask_for_records_is_not_what_the_system_collects() -> None:
    # a 2008 ICE SORN's record access procedures
    text = (
        "An individual who wishes to contest its content may submit a request in writing to the "
        "component's FOIA Officer, whose contact information can be found at "
        "https://www.dhs.gov/foia under contacts."
    )
    assert values(document(text, doc_type="SORN"), "pii") == []


def test_courts_martial_case_files_are_criminal_history() -> None:
    # the Coast Guard Courts Martial Case Files SORN of the second tuning sample
    text = (
        "This system of records allows the Department of Homeland Security/United States Coast "
        "Guard (USCG) to collect and maintain records regarding military justice administration "
        "and documentation of DHS/USCG court martial."
    )
    assert values(document(text, doc_type="SORN"), "pii") == ["criminal history"]


def test_a_pias_title_page_is_not_read_as_its_opening_when_the_abstract_is_known() -> None:
    # the title page of DHS/CBP/PIA-049(a), then an ESTA Overview sentence (second tuning
    # sample): no sentence end between them, so without sections they are read as one
    title_page = (
        "Privacy Impact Assessment for the CBP License\nPlate Reader Technology\n"
        "DHS Reference No. DHS/CBP/PIA-049(a)\nJuly 6, 2020\nPrivacy Impact Assessment Update "
        "DHS/CBP/PIA-049(a) CBP LPR Technology Page 1\n"
    )
    abstract = (
        "Abstract\nVisa Waiver Program travelers submit ESTA applications to CBP to include "
        "name, country of birth and citizenship, date of birth, sex."
    )
    record = Record(id="t", title="", doc_type="PIA", pages=(Page(1, title_page + abstract),))
    sections = (Section(key="abstract", title="Abstract", page=1, offset=len(title_page)),)
    expected = ["name", "place of birth", "citizenship", "date of birth", "sex"]
    assert values(record, "pii", sections) == expected
    assert values(record, "pii") == ["license plates", "vehicle information", *expected]


def test_date_and_place_of_birth_arrivals_and_departures_classes_of_admission() -> None:
    # a USCIS Alien File SORN, DHS/CBP/PIA-056 and the SEVIS II PIA
    text = (
        "This system of records contains personally identifiable information such as the "
        "individual's name, Alien Registration Number, receipt file number, date and place of "
        "birth, date and port of entry."
    )
    assert values(document(text, doc_type="SORN"), "pii") == [
        "name",
        "A-Number",
        "date of birth",
        "place of birth",
    ]
    text = (
        "The 1996 Illegal Immigration Reform and Immigrant Responsibility Act authorized the "
        "U.S. Government to use an automated system to record arrivals and departures of "
        "non-U.S. citizens at all air, sea, and land ports of entry."
    )
    assert values(document(text), "pii") == ["travel information"]
    text = "SEVIS II maintains records of students in the U.S. on F, M, or J classes of admission."
    assert values(document(text), "pii") == ["immigration status"]


def test_rules_on_the_tuning_records(corpus: dict[str, Record]) -> None:
    assert values(corpus["DHS/ALL/PIA-014(b)"], "pii") == []
    assert "face" not in values(corpus["DHS/ICE/PIA-054"], "pii")
    assert values(corpus["privacy-impact-assessment-for-the-e-verify-program"], "pii") == []
    assert "medical information" in values(
        corpus["privacy-impact-assessment-update-for-the-prism-id"], "pii"
    )
    uscis_018 = values(corpus["DHS/USCIS-018"], "pii")
    assert "biometrics" in uscis_018 and "criminal history" not in uscis_018
    assert "immigration status" in values(corpus["DHS/USCIS-007"], "pii")
    assert values(corpus["DHS/ALL-037"], "pii") == ["user credentials"]
    assert "user credentials" not in values(corpus["DHS/TSA/PIA-046(c)"], "pii")
    assert values(corpus["DHS/CBP/PIA-053"], "technology") == ["mobile device forensics"]
    assert "42 U.S.C. § 4001" in values(corpus["DHS/FEMA/PIA-011"], "authority")


# --- technology --------------------------------------------------------------------------------


def test_technology_named_in_the_title_or_opening() -> None:
    record = document("Abstract\nThis PIA covers a pilot.", title="ICE Use of Facial Recognition")
    assert values(record, "technology") == ["facial recognition"]
    record = document("Abstract\nCBP deploys license plate readers at checkpoints.")
    assert values(record, "technology") == ["license plate readers"]


def test_an_acronym_counts_only_in_its_meaning() -> None:
    warning = "Abstract\nHomeport includes a subsystem called the Alert Warning System (AWS)."
    assert values(document(warning), "technology") == []
    hosted = "Abstract\nThe application is hosted on AWS GovCloud."
    assert values(document(hosted), "technology") == ["cloud services"]


def test_technology_mentioned_in_passing_or_denied_is_not_one() -> None:
    opening = "Abstract\nThe system manages grant applications. " + "It is reliable. " * 250
    once = opening + "Another agency once tested drones."
    assert values(document(once), "technology") == []
    thrice = opening + "The program flies drones. Drones fly at night. Each drone has a camera."
    assert values(document(thrice), "technology") == ["unmanned aircraft"]
    assert (
        values(document("Abstract\nThe system does not use facial recognition."), "technology")
        == []
    )


# --- retention ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Records are retained for seventy-five (75) years.", ["75 years"]),
        ("Files are kept for 75 yrs.", ["75 years"]),
        ("Data is deleted after six months.", ["under 1 year"]),
        ("Logs are retained for 90 days and then destroyed.", ["under 1 year"]),
        ("Records are retained for 18 months.", ["1.5 years"]),
        ("Records are retained for 3 years after the end of the fiscal year.", ["3 years"]),
        ("Case files are retained permanently.", ["permanent"]),
        ("Records are scheduled as permanent.", ["permanent"]),
        ("Records are retained for one year.", ["1 years"]),  # as the vocabulary writes it
        ("Comments must be received within 30 days.", []),
        ("The retention schedule applies to lawful permanent residents.", []),
    ],
)
def test_retention_periods(sentence: str, expected: list[str]) -> None:
    assert (
        values(document("Abstract\nThis PIA covers a system. " + sentence), "retention") == expected
    )


def test_retention_from_the_retention_section_only_when_there_is_one() -> None:
    record, sections = with_sections(
        [
            ("summary", "SUMMARY: The old system retained records for 10 years."),
            ("retention", "RETENTION AND DISPOSAL: Records are destroyed after 7 years."),
        ]
    )
    assert values(record, "retention", sections) == ["7 years"]
    assert values(record, "retention") == ["10 years", "7 years"]


# --- authority ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 U.S.C. 1103, 1225", ["8 U.S.C. § 1103", "8 U.S.C. § 1225"]),
        (
            "8 U.S.C. §§ 1103, 1225, and 1324",
            ["8 U.S.C. § 1103", "8 U.S.C. § 1225", "8 U.S.C. § 1324"],
        ),
        ("8 U.S.C. § 1367(a)(2)", ["8 U.S.C. § 1367"]),
        ("6 U.S.C. 101 et seq.", ["6 U.S.C. § 101"]),
        ("5 U.S.C. 552a(j)(2)", ["5 U.S.C. § 552a"]),
        ("5 U.S.C. 301; 8 U.S.C. 1103", ["5 U.S.C. § 301", "8 U.S.C. § 1103"]),
        ("16 U.S.C. 477-482", ["16 U.S.C. § 477"]),
        ("42 U.S.C. §§ 4001-\n4129", ["42 U.S.C. § 4001"]),  # DHS/FEMA/PIA-011, at a line end
        ("42 U.S.C. 2000ee-\n1", ["42 U.S.C. § 2000ee-1"]),
        ("42 U.S.C. 2000ee-1", ["42 U.S.C. § 2000ee-1"]),
        ("Sections 1367 and 1101 of title 8", ["8 U.S.C. § 1367", "8 U.S.C. § 1101"]),
        ("6 CFR part 5", ["6 C.F.R. Part 5"]),
        ("6 C.F.R. 5.21", ["6 C.F.R. § 5.21"]),
        ("Executive Order 12333", ["E.O. 12333"]),
        ("EO 13526", ["E.O. 13526"]),
        ("E.O. 9397", ["E.O. 9397"]),
        ("Public Law 107-296", ["Pub. L. 107-296"]),
        ("Executive\nOrder 13411", ["E.O. 13411"]),  # a line break inside the name
        ("Public\nLaw 107-296", ["Pub. L. 107-296"]),
        ("Sections 1367 and 1101 of\ntitle 8", ["8 U.S.C. § 1367", "8 U.S.C. § 1101"]),
        ("P.L. 110-53", ["Pub. L. 110-53"]),
        ("Pub. L. No. 107–347", ["Pub. L. 107-347"]),
        ("the Homeland Security Act of 2002", []),
        ("75 FR 69603", []),
        ("U.S. Customs and Border Protection", []),
    ],
)
def test_citations(text: str, expected: list[str]) -> None:
    assert values(document(f"The authority is {text}, as amended."), "authority") == expected


def test_a_long_list_of_sections() -> None:
    # every number of a long list, and quickly: with every separator optional, the list could
    # be split in exponentially many ways (21 CFR Part 1308 once took 70 s)
    numbers = ", ".join(str(n) for n in range(801, 841))
    runs = " ".join(f"1308.{n}" for n in range(11, 60))
    found = values(document(f"21 U.S.C. {numbers} {runs}"), "authority")
    assert found == [f"21 U.S.C. § {n}" for n in range(801, 841)]


# --- exemptions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Secretary has exempted this system pursuant to 5 U.S.C. 552a(j)(2) and (k)(2).",
            ["(j)(2)", "(k)(2)"],
        ),
        (
            "This system is exempt under 5 U.S.C. 552a(k)(1), (k)(2), and (k)(5).",
            ["(k)(1)", "(k)(2)", "(k)(5)"],
        ),
        (
            "DHS exempts the system under subsections (j)(2) and (k)(2) of the Privacy Act.",
            ["(j)(2)", "(k)(2)"],
        ),
        ("No exemptions are claimed under 5 U.S.C. 552a(k)(2) for this system.", []),
        ("DHS will not claim any exemption under 5 U.S.C. 552a(k)(3).", []),
        ("Records are protected under 8 U.S.C. 1367(b)(2) and exempt from disclosure.", []),
        ("The system is exempt under 5 U.S.C. 552(b)(7)(C) of FOIA.", []),
    ],
)
def test_exemptions(text: str, expected: list[str]) -> None:
    assert values(document(text, doc_type="SORN"), "exemption") == expected


def test_exemptions_section_none() -> None:
    record, sections = with_sections(
        [
            ("summary", "SUMMARY: Another system is exempt under 5 U.S.C. 552a(k)(2)."),
            ("exemptions", "EXEMPTIONS PROMULGATED FOR THE SYSTEM: None."),
        ]
    )
    assert values(record, "exemption", sections) == []
    assert values(record, "exemption") == ["(k)(2)"]


# --- taxonomies --------------------------------------------------------------------------------


def test_a_users_own_taxonomy_file(tmp_path: Path) -> None:
    own = tmp_path / "pii.tsv"
    own.write_text(
        "# mine\nvessel information\tvessel (?:names?|registrations?)\n", encoding="utf-8"
    )
    record = document("The system collects vessel names and dates of birth.")
    found = find_facets(record, (), load_taxonomies(pii=own))
    assert [v for f, v in found if f == "pii"] == ["vessel information", "date of birth"]
    assert "vessel information" not in values(record, "pii")  # the shipped list alone


def test_a_users_taxonomy_file_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "technology.tsv"
    own.write_text("quantum sensing\tquantum sens(?:ors?|ing)\n", encoding="utf-8")
    monkeypatch.setenv("PRIVSEARCH_TECHNOLOGY_FILE", str(own))
    facets.default_taxonomies.cache_clear()
    try:
        record = document("Abstract\nThe program tests quantum sensors at the border.")
        assert values(record, "technology") == ["quantum sensing"]
    finally:
        monkeypatch.delenv("PRIVSEARCH_TECHNOLOGY_FILE")
        facets.default_taxonomies.cache_clear()
    assert values(record, "technology") == []


def test_a_capturing_group_is_refused(tmp_path: Path) -> None:
    own = tmp_path / "pii.tsv"
    own.write_text("boats\t(boat|ship)s?\n", encoding="utf-8")
    with pytest.raises(ValueError, match="capturing group"):
        load_taxonomies(pii=own)


# --- real PIAs and the mixed collection -----------------------------------------------------------


def read_pdf(name: str) -> Record:
    require_shared()
    (record,) = privsearch.read_records([GOVERNMENT_PDFS / name])
    return record


def test_usda_epermits_pia() -> None:
    found = facet_lists(find_facets(read_pdf("usda-fs-epermits-pia-fy18.pdf"), ()))
    # "1.1 What information is collected ...? Permit applicant contact information, ..."
    assert found["pii"] == ["contact information"]
    assert found["technology"] == ["cloud services"]  # hosted on FedRAMP Cloud.gov
    # "a minimum of 30 days online and a minimum of three (3) years offline"
    assert found["retention"] == ["under 1 year", "3 years"]
    assert {"16 U.S.C. § 477", "16 U.S.C. § 551", "16 U.S.C. § 1131"} <= set(found["authority"])
    assert "exemption" not in found


def test_gsa_afa_pia() -> None:
    found = facet_lists(find_facets(read_pdf("gsa-pia-afa-2017.pdf"), ()))
    # "collects the name and address of the concession payer", "personal banking information",
    # "replacing an SSN entered by a vendor"
    assert set(found["pii"]) == {"name", "contact information", "financial information",
                                 "Social Security number"}  # fmt: skip
    assert found["retention"] == ["6 years"]  # "retained ... for at least six years"
    assert found["authority"] == ["48 C.F.R. § 1232.7002"]
    assert "technology" not in found and "exemption" not in found


@pytest.mark.parametrize(
    "name",
    [
        "ca1-opinion-20-1507-calvary-chapel.pdf",
        "ca5-opinion-21-50498.pdf",
        "scotus-slip-opinion-11-889-tarrant-v-herrmann.pdf",
        "cacd-order-preliminary-injunction.pdf",
        "irs-f1040-2010-prefilled-form.pdf",
        "irs-notice-1036-2011.pdf",
        "census-disability-report-excerpt_icdar-us-001.pdf",
        "cdc-mmwr-2011-supplement-excerpt_icdar-us-023.pdf",
        "bls-monthly-labor-review-2012-01-excerpt.pdf",
        "hhs-head-start-impact-study-excerpt_icdar-us-006.pdf",
    ],
)
def test_court_opinions_tax_forms_and_statistics_state_no_pii_or_technology(name: str) -> None:
    found = facet_lists(find_facets(read_pdf(name), ()))
    assert not found.get("pii") and not found.get("technology") and not found.get("retention")
