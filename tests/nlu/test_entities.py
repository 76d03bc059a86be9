"""Entity extraction tables in Devanagari, romanized Hindi and English."""

from __future__ import annotations

import pytest

from nlu import dataset
from nlu.entities import EntityExtractor, Gazetteer
from nlu.settings import DEFAULT_DATA_DIR


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    synonyms = dataset.load(DEFAULT_DATA_DIR / "synonyms.yml").synonyms
    return EntityExtractor(Gazetteer.build(synonyms))


def _values(extractor: EntityExtractor, text: str, entity: str) -> list[str]:
    return [e.value for e in extractor.extract(text) if e.entity == entity]


CA_ROWS = [
    ("CA 123456789 ka balance", ["123456789"]),
    ("mera consumer number 1234 5678 90 hai", ["1234567890"]),
    ("उपभोक्ता संख्या १२३४५६७८९", ["123456789"]),
    ("मेरा CA नंबर २०४५-६७८-९१२ है", ["2045678912"]),
    ("my account no is 1234-5678-9012", ["123456789012"]),
    ("123456789", ["123456789"]),
    ("CA 12345678 galat", []),  # 8 digits: too short
    ("1234567890123", []),  # 13 digits: too long
    ("mobile 9876543210 pe otp bhejo", []),
    ("मेरा फोन नंबर 9876543210 है", []),
    ("CA 123456789 aur 987654321 dono jodo", ["123456789", "987654321"]),
    ("CA 123456789 me 500 ka recharge", ["123456789"]),
]


@pytest.mark.parametrize(("text", "expected"), CA_ROWS)
def test_ca_number(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    assert _values(extractor, text, "ca_number") == expected


METER_ROWS = [
    ("meter no GP-123456 kharab hai", ["GP123456"]),
    ("my meter number is GP123456", ["GP123456"]),
    ("मीटर नंबर SM4512098 जल गया", ["SM4512098"]),
    ("meter number 12345678901 hai", ["12345678901"]),
    ("मीटर संख्या ९८७६५४३२१", ["987654321"]),
    ("meter id lte 1234567", ["LTE1234567"]),
    ("1000rs ka recharge", []),
    ("CA 123456789", []),
]


@pytest.mark.parametrize(("text", "expected"), METER_ROWS)
def test_meter_number(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    assert _values(extractor, text, "meter_number") == expected


AMOUNT_ROWS = [
    ("₹500 ka recharge kiya", ["500"]),
    ("Rs 500", ["500"]),
    ("Rs.500 dala", ["500"]),
    ("rs500", ["500"]),
    ("500rs", ["500"]),
    ("500 rupaye", ["500"]),
    ("500 rupees recharge done", ["500"]),
    ("500 rupay", ["500"]),
    ("INR 250", ["250"]),
    ("Rs. 1,500/-", ["1500"]),
    ("₹१,२००", ["1200"]),
    ("Rs 12.50 kata", ["12.5"]),
    ("पांच सौ रुपये का रिचार्ज", ["500"]),
    ("पाँच सौ रुपए", ["500"]),
    ("दो हजार रुपये", ["2000"]),
    ("ek hazaar ka recharge", ["1000"]),
    ("do sau rupaye", ["200"]),
    ("dedh sau", ["150"]),
    ("dhai hazaar ka recharge", ["2500"]),
    ("saadhe teen sau rupaye", ["350"]),
    ("2 hazar", ["2000"]),
    ("1.5k recharge", ["1500"]),
    ("2k", ["2000"]),
    ("500 ka recharge karna hai", ["500"]),
    ("recharge 300", ["300"]),
    ("kal 150 kata", ["150"]),
    ("five hundred rupees", ["500"]),
    ("one thousand", ["1000"]),
    ("125 unit free nahi mila", []),
    ("7 din se bijli nahi", []),
    ("do baar bola", []),
    ("meter me kuch do", []),
    ("1912 pe call kiya", []),
]


@pytest.mark.parametrize(("text", "expected"), AMOUNT_ROWS)
def test_amount(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    assert _values(extractor, text, "amount") == expected


CATEGORY_ROWS = [
    ("zyada paisa kat raha hai", "high_deduction"),
    ("jyada paisa roz kat raha", "high_deduction"),
    ("meter tez chal raha hai", "high_deduction"),
    ("my meter is running fast", "high_deduction"),
    ("मीटर तेज चल रहा है", "high_deduction"),
    ("recharge kiya par balance nahi juda", "recharge_not_credited"),
    ("recharge not credited", "recharge_not_credited"),
    ("रिचार्ज नहीं जुड़ा", "recharge_not_credited"),
    ("recharge ke baad bhi bijli nahi aayi", "no_supply_after_recharge"),
    ("no power after recharge", "no_supply_after_recharge"),
    ("balance hai phir bhi bijli kat gayi", "cut_despite_balance"),
    ("बैलेंस होने के बाद भी कट गया", "cut_despite_balance"),
    ("bijli nahi aa rahi", "no_supply"),
    ("light kab aayegi", "no_supply"),
    ("no electricity since morning", "no_supply"),
    ("बिजली नहीं है", "no_supply"),
    ("meter kharab ho gaya", "meter_fault"),
    ("meter display off", "meter_fault"),
    ("मीटर जल गया", "meter_fault"),
    ("purana bakaya ek saath kat gaya", "arrears_deduction"),
    ("arrears deducted at once", "arrears_deduction"),
    ("125 unit free nahi mila", "free_units_or_rebate"),
    ("rebate not applied", "free_units_or_rebate"),
    ("छूट नहीं मिली", "free_units_or_rebate"),
    ("fraud call aaya tha", "fraud"),
    ("फर्जी लिंक आया", "fraud"),
]


@pytest.mark.parametrize(("text", "expected"), CATEGORY_ROWS)
def test_complaint_category(extractor: EntityExtractor, text: str, expected: str) -> None:
    assert expected in _values(extractor, text, "complaint_category")


PERIOD_ROWS = [
    ("aaj kitna kata", ["today"]),
    ("today usage", ["today"]),
    ("आज का खर्चा", ["today"]),
    ("yesterday usage", ["yesterday"]),
    ("kal kitna kata", ["yesterday"]),
    ("kal kitna kata tha", ["yesterday"]),
    ("कल कितना कटा", ["yesterday"]),
    ("kal ka kharcha", ["yesterday"]),  # no tense: usage questions mean the past
    ("kal recharge karunga", ["tomorrow"]),
    ("kal bijli aayegi kya", ["tomorrow"]),
    ("कल बिजली कटेगी क्या", ["tomorrow"]),
    ("कल तक हो जाएगा", ["tomorrow"]),
    ("tomorrow", ["tomorrow"]),
    ("last 7 days ka usage", ["last_7_days"]),
    ("pichle 7 din", ["last_7_days"]),
    ("पिछले सात दिन का", ["last_7_days"]),
    ("last week", ["last_7_days"]),
    ("this month", ["this_month"]),
    ("is mahine kitna laga", ["this_month"]),
    ("इस महीने", ["this_month"]),
    ("last month bill", ["last_month"]),
    ("pichle mahine ka", ["last_month"]),
    ("पिछले महीने का खर्च", ["last_month"]),
    ("aajkal bahut kat raha", []),
]


@pytest.mark.parametrize(("text", "expected"), PERIOD_ROWS)
def test_period(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    assert _values(extractor, text, "period") == expected


LANGUAGE_ROWS = [
    ("hindi me baat karo", ["hi"]),
    ("talk in english", ["en"]),
    ("angrezi me bhejo", ["en"]),
    ("हिंदी में", ["hi"]),
    ("हिन्दी", ["hi"]),
    ("अंग्रेज़ी में बात करो", ["en"]),
    ("इंग्लिश", ["en"]),
    ("hinglish me likho", ["hi-Latn"]),
    ("roman hindi please", ["hi-Latn"]),
    ("रोमन हिंदी में", ["hi-Latn"]),
    ("hiii", []),
]


@pytest.mark.parametrize(("text", "expected"), LANGUAGE_ROWS)
def test_language_entity(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    assert _values(extractor, text, "language") == expected


def test_spans_index_the_original_text(extractor: EntityExtractor) -> None:
    text = "Hiii CA १२३४ ५६७८ ९ me ₹५०० ka RICHARGE kiya, BALANS nahi juda!!"
    ents = {e.entity: e for e in extractor.extract(text)}
    assert ents["ca_number"].value == "123456789"
    assert text[ents["ca_number"].start : ents["ca_number"].end] == "१२३४ ५६७८ ९"
    assert ents["amount"].text == "₹५००"
    assert ents["complaint_category"].value == "recharge_not_credited"
    for e in ents.values():
        assert text[e.start : e.end] == e.text


def test_annotations_teach_the_gazetteer() -> None:
    gaz = Gazetteer.build({}, [("complaint_category", "mitar bhaag raha", "high_deduction")])
    found = EntityExtractor(gaz).extract("bhaiya mitar bhaag raha hai")
    assert [(e.entity, e.value) for e in found] == [("complaint_category", "high_deduction")]
