"""Vietnamese typing on the kiosk's keyboard, Telex or VNI, as phones do it.

Each key is applied to the word being typed, which is read back from the
text itself, so backspace, a tap elsewhere or a half-typed word need no
hidden state::

    text = ""
    for key in "ddawng kys keets hoon":
        text = type_key(text, key, "telex")
    text                                   # 'đăng ký kết hôn'
    type_key("ho", "6", "vni")             # 'hô'

Telex: ``aa ee oo`` → â ê ô, ``aw ow uw`` → ă ơ ư (``uow`` → ươ, a lone ``w``
→ ư), ``dd`` → đ; tones ``s f r x j`` (sắc, huyền, hỏi, ngã, nặng), ``z``
removes the tone. VNI: tones ``1``–``5``, ``0`` removes, ``6`` circumflex,
``7`` horn, ``8`` breve, ``9`` đ. Typing a mark's key twice takes the mark
back and types the key itself (``ass`` → ``as``), as phone keyboards do.
The tone goes where Vietnamese writing puts it (the "old style" of the
catalog's own names: hóa, thủy, quý; hoàn, khuyến, người).
"""

from __future__ import annotations

import unicodedata

MODES = ("telex", "vni", "plain")
MODE_NAMES = {"telex": "Telex", "vni": "VNI", "plain": "Không dấu"}
TONES = {1: "\u0301", 2: "\u0300", 3: "\u0309", 4: "\u0303", 5: "\u0323"}  # sắc huyền hỏi ngã nặng
TONE_MARKS = set(TONES.values())
TELEX_TONES = {"s": 1, "f": 2, "r": 3, "x": 4, "j": 5, "z": 0}
VNI_TONES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "0": 0}
VOWELS = set("aăâeêioôơuưy")
CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
HORN = {"o": "ơ", "u": "ư"}
BREVE = {"a": "ă"}
PLAIN = {"â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u", "ă": "a", "đ": "d"}
MODIFIED = set("ăâêôơư")


def _split(word: str) -> tuple[list[str], int]:
    """A composed word as its letters (with â, ơ, đ … but no tone) and its tone (0–5)."""
    tone = 0
    letters = []
    for ch in word:
        parts = unicodedata.normalize("NFD", ch)
        marks = [m for m in parts if m in TONE_MARKS]
        if marks:
            tone = next(k for k, v in TONES.items() if v == marks[0])
        letters.append(unicodedata.normalize("NFC", "".join(m for m in parts
                                                            if m not in TONE_MARKS)))
    return letters, tone


def _tone_position(letters: list[str]) -> int | None:
    """Which letter carries the tone, by the rules of Vietnamese spelling."""
    low = [ch.lower() for ch in letters]
    vowels = [i for i, ch in enumerate(low) if ch in VOWELS]
    if not vowels:
        return None
    # "qu" and "gi" before another vowel: the u / i belong to the consonant.
    if len(vowels) > 1 and vowels[0] > 0 and (
            (low[vowels[0]] == "u" and low[vowels[0] - 1] == "q")
            or (low[vowels[0]] == "i" and low[vowels[0] - 1] == "g"
                and vowels[0] == 1)):
        vowels = vowels[1:]
    # The vowel group: the first run of consecutive vowels.
    group = [vowels[0]]
    for i in vowels[1:]:
        if i == group[-1] + 1:
            group.append(i)
    modified = [i for i in group if low[i] in MODIFIED]
    if modified:
        return modified[-1]  # ươ → ơ, uyê → ê, ưu → ư
    if len(group) == 1:
        return group[0]
    if len(group) == 3:
        return group[1]  # oai, oay, uya: the middle one
    ends_word = group[-1] == len(letters) - 1
    return group[0] if ends_word else group[-1]  # hóa, thủy; hoàn, toán


def _join(letters: list[str], tone: int) -> str:
    if tone:
        where = _tone_position(letters)
        if where is not None:
            letters = [*letters]
            letters[where] = unicodedata.normalize("NFC", letters[where] + TONES[tone])
    return "".join(letters)


def _last_word(text: str) -> tuple[str, str]:
    i = len(text)
    while i > 0 and (text[i - 1].isalpha()):
        i -= 1
    return text[:i], text[i:]


def _modify(letters: list[str], table: dict[str, str]) -> list[str] | None:
    """Put a mark (â, ơ, ă …) on the last letter it fits; None when none fits."""
    for i in range(len(letters) - 1, -1, -1):
        base = letters[i].lower()
        if base in table:
            new = table[base]
            letters = [*letters]
            letters[i] = new.upper() if letters[i].isupper() else new
            return letters
    return None


def _unmodify(letters: list[str], marked: set[str]) -> list[str] | None:
    """Take back a mark (the key typed twice); None when no letter has it."""
    for i in range(len(letters) - 1, -1, -1):
        if letters[i].lower() in marked:
            letters = [*letters]
            plain = PLAIN[letters[i].lower()]
            letters[i] = plain.upper() if letters[i].isupper() else plain
            return letters
    return None


def _horn(letters: list[str]) -> list[str] | None:
    low = "".join(ch.lower() for ch in letters)
    for pair in ("uo", "ưo", "uơ"):  # uo + w → ươ, as phones do
        i = low.rfind(pair)
        if i >= 0:
            letters = [*letters]
            for j, new in ((i, "ư"), (i + 1, "ơ")):
                letters[j] = new.upper() if letters[j].isupper() else new
            return letters
    return _modify(letters, {**HORN, **BREVE})


def type_key(text: str, key: str, mode: str = "telex") -> str:
    """``text`` after the key ``key`` (one character) in ``mode`` (telex, vni, plain)."""
    if mode not in ("telex", "vni") or len(key) != 1:
        return text + key
    head, word = _last_word(text)
    letters, tone = _split(word)
    has_vowel = any(ch.lower() in VOWELS for ch in letters)
    k = key.lower()
    tones = TELEX_TONES if mode == "telex" else VNI_TONES
    if k in tones and has_vowel:
        if tones[k] == tone or (tones[k] == 0 and not tone):
            return head + _join(letters, 0) + key  # typed twice: the key itself
        return head + _join(letters, tones[k])
    changed = None
    if mode == "telex":
        if k in CIRCUMFLEX and any(ch.lower() in (k, CIRCUMFLEX[k]) for ch in letters):
            if any(ch.lower() == CIRCUMFLEX[k] for ch in letters):
                return head + _join(_unmodify(letters, {CIRCUMFLEX[k]}), tone) + key
            changed = _modify(letters, {k: CIRCUMFLEX[k]})
        elif k == "w":
            if any(ch.lower() in "ơưă" for ch in letters) and not any(
                    ch.lower() in "ou" for ch in letters if ch.lower() not in "ơưă"):
                undone = _unmodify(letters, {"ơ", "ư", "ă"})
                return head + _join(undone, tone) + key
            changed = _horn(letters) if has_vowel else None
            if changed is None and not has_vowel:
                return head + _join(letters, tone) + ("Ư" if key.isupper() else "ư")
        elif k == "d" and any(ch.lower() in "dđ" for ch in letters):
            if any(ch.lower() == "đ" for ch in letters):
                return head + _join(_unmodify(letters, {"đ"}), tone) + key
            changed = _modify(letters, {"d": "đ"})
    else:
        if k == "6" and any(ch.lower() in "aeoâêô" for ch in letters):
            if any(ch.lower() in "âêô" for ch in letters):
                return head + _join(_unmodify(letters, {"â", "ê", "ô"}), tone) + key
            changed = _modify(letters, CIRCUMFLEX)
        elif k == "7" and any(ch.lower() in "ouơư" for ch in letters):
            if any(ch.lower() in "ơư" for ch in letters) and not any(
                    ch.lower() in "ou" for ch in letters):
                return head + _join(_unmodify(letters, {"ơ", "ư"}), tone) + key
            changed = _horn([*letters]) if any(ch.lower() in "ou" for ch in letters) else None
        elif k == "8" and any(ch.lower() in "aă" for ch in letters):
            if any(ch.lower() == "ă" for ch in letters):
                return head + _join(_unmodify(letters, {"ă"}), tone) + key
            changed = _modify(letters, BREVE)
        elif k == "9" and any(ch.lower() in "dđ" for ch in letters):
            if any(ch.lower() == "đ" for ch in letters):
                return head + _join(_unmodify(letters, {"đ"}), tone) + key
            changed = _modify(letters, {"d": "đ"})
    if changed is not None:
        return head + _join(changed, tone)
    if not key.isalpha():
        return text + key
    return head + _join([*letters, key], tone)  # a letter: the tone may move (hoà → hoàn)
