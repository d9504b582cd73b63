"""The GSM modem, through python-gammu (libGammu).

::

    modem = Modem(config.sms)          # [sms] device, connection, model
    for sms in modem.receive():        # whole messages (multipart joined)
        sms.number, sms.text
        modem.delete(sms)
    modem.send("0912345678", "Hồ sơ … đã có kết quả.")   # -> ("ucs2", 1)

Gammu's dummy driver (``model = "dummy"``, ``connection = "none"``,
``device`` = a folder) keeps the "SIM" in files: ``sms/1/`` is the inbox
(one message per file, Gammu's SMS backup format); with ``keep_sent`` a copy
of each sent message goes to ``sms/2/``. The tests drive the worker through
those files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging

import gammu

from ..config import SmsConfig
from . import text as sms_text

log = logging.getLogger(__name__)

# Errors that mean "the modem is not there or not answering", as opposed to
# "the network refused this message".
LINK_ERRORS = {
    "ERR_DEVICENOTEXIST", "ERR_DEVICEOPENERROR", "ERR_DEVICELOCKED", "ERR_DEVICENODRIVER",
    "ERR_DEVICEBUSY", "ERR_DEVICENOPERMISSION", "ERR_DEVICEREADERROR", "ERR_DEVICEWRITEERROR",
    "ERR_DEVICECHANGESPEEDERROR", "ERR_DEVICEPARITYERROR", "ERR_DEVICEDTRRTSERROR",
    "ERR_TIMEOUT", "ERR_NOTCONNECTED", "ERR_NOSIM", "ERR_ABORTED", "ERR_UNCONFIGURED",
}


class ModemError(Exception):
    """The modem failed; ``link`` when it is unreachable rather than refusing."""

    def __init__(self, message: str, *, link: bool):
        super().__init__(message)
        self.link = link


def _describe(exc: gammu.GSMError) -> tuple[str, bool]:
    name = type(exc).__name__
    info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return f"{name}: {info.get('Text', exc)}", name in LINK_ERRORS


@dataclasses.dataclass
class Incoming:
    number: str
    text: str
    received: dt.datetime | None
    locations: list[tuple[int, int]]  # (folder, location) of each part on the modem

    @property
    def key(self) -> str:
        """Identity of this SMS on the modem, so one handed over twice is handled once."""
        # Where it sits too: the same text sent twice in one second is two messages.
        stamp = self.received.isoformat() if self.received else ""
        digest = hashlib.sha1(self.text.encode()).hexdigest()[:12]
        where = ",".join(f"{f}/{loc}" for f, loc in self.locations)
        return f"in:{self.number}:{stamp}:{where}:{digest}"


class Modem:
    def __init__(self, config: SmsConfig):
        self.config = config
        self._sm: gammu.StateMachine | None = None

    # -- the link --------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._sm is not None

    def connect(self) -> None:
        if self._sm is not None:
            return
        sm = gammu.StateMachine()
        sm.SetConfig(0, {"Device": self.config.device, "Connection": self.config.connection,
                         "Model": self.config.model})
        try:
            sm.Init()
        except gammu.GSMError as exc:
            text, _ = _describe(exc)
            raise ModemError(f"không kết nối được modem {self.config.device} ({text})",
                             link=True) from exc
        self._sm = sm
        log.info("modem connected: %s %s on %s", sm.GetManufacturer(), sm.GetModel()[1],
                 self.config.device)

    def close(self) -> None:
        sm, self._sm = self._sm, None
        if sm is not None:
            with contextlib.suppress(gammu.GSMError):
                sm.Terminate()

    def _call(self, what: str, fn, *args, **kwargs):
        self.connect()
        try:
            return fn(*args, **kwargs)
        except gammu.GSMError as exc:
            text, link = _describe(exc)
            if link:
                self.close()  # reconnect on the next call
            raise ModemError(f"{what}: {text}", link=link) from exc

    # -- receiving ---------------------------------------------------------------

    def receive(self) -> list[Incoming]:
        """Every received message waiting on the modem, multipart messages joined."""
        sm = self._sm_or_connect()
        parts, junk = [], []
        start, location = True, 0
        while True:
            try:
                if start:
                    got = sm.GetNextSMS(Folder=0, Start=True)
                else:
                    got = sm.GetNextSMS(Folder=0, Location=location)
            except gammu.ERR_EMPTY:
                break
            except gammu.GSMError as exc:
                text, link = _describe(exc)
                if link:
                    self.close()
                raise ModemError(f"đọc tin nhắn đến: {text}", link=link) from exc
            start = False
            location = got[0]["Location"]
            # Only received messages: the sent folder (and templates) stay alone;
            # delivery reports in the inbox are dropped so they do not fill the SIM.
            for m in got:
                if not m.get("InboxFolder"):
                    continue
                if m.get("Type") == "Deliver":
                    parts.append(m)
                else:
                    junk.append((m["Folder"], m["Location"]))
        for folder, loc in junk:
            with contextlib.suppress(gammu.GSMError):
                sm.DeleteSMS(folder, loc)
        out = []
        for linked in gammu.LinkSMS([[p] for p in parts]):
            decoded = gammu.DecodeSMS(linked)
            if decoded is not None:
                text = "".join(e.get("Buffer") or "" for e in decoded["Entries"])
            else:
                text = "".join(m.get("Text") or "" for m in linked)
            first = linked[0]
            out.append(Incoming(number=first.get("Number") or "", text=text,
                                received=first.get("DateTime"),
                                locations=[(m["Folder"], m["Location"]) for m in linked]))
        return out

    def delete(self, incoming: Incoming) -> None:
        for folder, location in incoming.locations:
            try:
                self._call("xóa tin nhắn đã đọc", self._sm_or_connect().DeleteSMS, folder,
                           location)
            except ModemError as exc:
                if "ERR_EMPTY" not in str(exc):
                    raise

    def _sm_or_connect(self) -> gammu.StateMachine:
        self.connect()
        assert self._sm is not None
        return self._sm

    # -- sending -------------------------------------------------------------------

    def encode(self, text: str, unicode: bool) -> list[dict]:
        """The message as the SMS parts it takes (concatenated when long)."""
        if not unicode:
            text = sms_text.ascii_fold(text)
        return gammu.EncodeSMS({"Class": -1, "Unicode": unicode,
                                "Entries": [{"ID": "ConcatenatedTextLong", "Buffer": text}]})

    def send(self, number: str, text: str) -> tuple[str, int]:
        """Send ``text``; returns (encoding, parts). Vietnamese goes as UCS-2 unless
        ``[sms] unicode`` is false, or the network refuses it: then plain ASCII."""
        unicode = self.config.unicode
        try:
            return self._send(number, text, unicode)
        except ModemError as exc:
            if exc.link or not unicode:
                raise
            log.warning("Unicode SMS to %s refused (%s): sending it without diacritics",
                        number, exc)
            return self._send(number, text, False)

    def _send(self, number: str, text: str, unicode: bool) -> tuple[str, int]:
        sm = self._sm_or_connect()
        parts = self.encode(text, unicode)
        for part in parts:
            part["SMSC"] = {"Location": 1}
            part["Number"] = number
            self._call("gửi tin nhắn", sm.SendSMS, part)
        if self.config.keep_sent:
            for part in parts:
                self._call("lưu bản sao tin đã gửi", sm.AddSMS,
                           {**part, "Folder": 2, "State": "Sent"})
        return ("ucs2" if unicode else "gsm7"), len(parts)
