"""Vietnamese number words, each case written out by hand."""

import pytest

from motcua.numbers import word_list, words

CASES = [
    (0, "không"),
    (1, "một"),
    (4, "bốn"),
    (5, "năm"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (19, "mười chín"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (31, "ba mươi mốt"),
    (55, "năm mươi lăm"),
    (70, "bảy mươi"),
    (99, "chín mươi chín"),
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (200, "hai trăm"),
    (305, "ba trăm linh năm"),
    (999, "chín trăm chín mươi chín"),
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1005, "một nghìn không trăm linh năm"),
    (1010, "một nghìn không trăm mười"),
    (1015, "một nghìn không trăm mười lăm"),
    (1023, "một nghìn không trăm hai mươi ba"),
    (1100, "một nghìn một trăm"),
    (1999, "một nghìn chín trăm chín mươi chín"),
    (2024, "hai nghìn không trăm hai mươi tư"),
    (10000, "mười nghìn"),
    (15000, "mười lăm nghìn"),
    (21000, "hai mươi mốt nghìn"),
    (100000, "một trăm nghìn"),
    (105000, "một trăm linh năm nghìn"),
    (1000000, "một triệu"),
    (1000001, "một triệu không trăm linh một"),
    (2500000, "hai triệu năm trăm nghìn"),
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_numbers_read_as_a_caller_says_them(number, expected):
    assert words(number) == expected


def test_southern_readings_are_a_setting():
    assert words(105, zero_tens="lẻ") == "một trăm lẻ năm"
    assert words(1005, zero_tens="lẻ", thousand="ngàn") == "một ngàn không trăm lẻ năm"


def test_one_clip_per_word():
    assert word_list(1023) == ["một", "nghìn", "không", "trăm", "hai", "mươi", "ba"]


@pytest.mark.parametrize("bad", [-1, 1.5, "12", True])
def test_what_is_not_a_whole_number_is_refused(bad):
    with pytest.raises(ValueError):
        words(bad)
