"""Errors the services raise for people, not for programmers."""


class Refused(Exception):
    """A request the hub will not carry out, with a reason a person can read.

    ``code`` is for machines (``no_one_waiting``); ``message`` is Vietnamese,
    shown on the counter's display or the web page as it is::

        raise Refused("no_one_waiting", "Không còn ai chờ ở dịch vụ này.")
    """

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")
